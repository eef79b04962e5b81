// A varied, deterministic set of conversations for the aggregation tests: several /16 and /24
// networks, well-known and ephemeral ports, TCP and UDP, sizes that make a clear top 10.
import type { TrafficFlow } from './flow-traffic';

export function aggregateFlows(count = 48): TrafficFlow[] {
  // mulberry32: a small PRNG whose low bits are as random as its high ones.
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  const sources = ['10.1.1.10', '10.1.1.11', '10.1.2.20', '10.2.7.5', '10.2.8.6', '192.168.10.3', '192.168.11.4', '172.16.5.9'];
  const destinations = ['10.9.0.1', '10.9.1.2', '172.16.200.1', '192.168.50.5', '8.8.8.8', '1.1.1.1'];
  const services: Array<[number, 6 | 17]> = [[443, 6], [80, 6], [22, 6], [53, 17], [123, 17], [3306, 6], [8080, 6], [5001, 17], [161, 17]];
  const flows: TrafficFlow[] = [];
  const seen = new Set<string>();
  while (flows.length < count) {
    const [dstPort, protocol] = services[next(services.length)];
    const src = sources[next(sources.length)];
    const dst = destinations[next(destinations.length)];
    // Some conversations from a well-known port (servers answering), most from ephemeral ports.
    const srcPort = next(4) === 0 ? [53, 123, 443, 161][next(4)] : 1024 + next(60000);
    const key = `${src}:${srcPort}>${dst}:${dstPort}/${protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    flows.push({ src, dst, srcPort, dstPort, protocol, packets: 1 + next(30), ipLength: 60 + next(1440) });
  }
  return flows;
}
