// A full LLDP-MIB poll cycle over a lab of N devices (lldpd + snmpd AgentX in network namespaces,
// a ring with a leaf): our SNMP poller (GETBULK walks, parallel) beside a sequential `snmpwalk`
// loop over the same devices and subtrees, in the same run. Needs root.
//   node --import tsx bench/lldp-poll.bench.ts [devices=50] [rounds=3]
import { execFileSync } from 'node:child_process';
import { buildTopology } from '../nodes/common/topology';
import { mapLimited } from '../nodes/lldp-poll/sources/limit';
import { pollSnmp } from '../nodes/lldp-poll/sources/snmp';
import { LldpLab } from '../test/helpers/lldp-lab';

const deviceCount = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);
const SUBTREES = ['1.0.8802.1.1.2.1.3', '1.0.8802.1.1.2.1.4'];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  let t = performance.now();
  const lab = await LldpLab.start({ devices: deviceCount, snmp: true });
  try {
    await lab.waitForAllNeighbors();
    await lab.waitForSnmp();
    console.log(`lab: ${deviceCount} devices, ${lab.links.length} links, up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const targets = lab.devices.map((d) => ({ host: '127.0.0.1', port: d.snmpPort! }));

    for (const concurrency of [1, 16]) {
      const times: number[] = [];
      let links = 0;
      for (let r = 0; r < rounds; r++) {
        t = performance.now();
        const reports = await mapLimited(targets, concurrency, (target) => pollSnmp(target, { version: '2c', community: 'public' }, { timeoutMs: 5000, retries: 1, maxRepetitions: 20 }));
        links = buildTopology(reports).links.length;
        times.push(performance.now() - t);
      }
      const m = median(times);
      console.log(`ours   SNMP v2c GETBULK, ${String(concurrency).padStart(2)} at a time: ${(m / 1000).toFixed(2)} s per cycle, ${(deviceCount / (m / 1000)).toFixed(1)} devices/s, topology ${links} links`);
    }

    const times: number[] = [];
    let lines = 0;
    for (let r = 0; r < rounds; r++) {
      t = performance.now();
      lines = 0;
      for (const target of targets) {
        for (const oid of SUBTREES) {
          lines += execFileSync('snmpwalk', ['-v2c', '-c', 'public', '-On', `127.0.0.1:${target.port}`, oid], { encoding: 'utf8', env: { ...process.env, MIBS: '' } }).split('\n').length;
        }
      }
      times.push(performance.now() - t);
    }
    const m = median(times);
    console.log(`peer   sequential snmpwalk loop (2 subtrees/device): ${(m / 1000).toFixed(2)} s per cycle, ${(deviceCount / (m / 1000)).toFixed(1)} devices/s (${lines} output lines, no topology)`);
    console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    await lab.stop();
  }
}

void main();
