// Flow decoding throughput, records per second per protocol, for our FlowDecoder beside the npm
// peer node-netflowv9 on the same NetFlow v5/v9 datagrams (softflowd / pmacctd exports bundled in
// demo/data), plus the corpus captures when ../shared/corpus is present.
//   node --import tsx --expose-gc bench/flow-decode.bench.ts [seconds-per-case] [case-filter]
// case-filter: run only the cases whose name contains it (e.g. "sflow"), in a fresh process.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder } from '../nodes/common';
import { readUdpDatagrams } from '../test/helpers/flow-pcap';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NetFlowV9 = require('node-netflowv9');

const SECONDS = Number(process.argv[2] ?? 2);
const FILTER = process.argv[3] ?? '';
const DATA = join(__dirname, '../demo/data');
const CORPUS = join(__dirname, '../../shared/corpus');
const exporter = { address: '192.0.2.1', port: 2055 };

interface Case { name: string; datagrams: Buffer[]; peer: boolean }

const cases: Case[] = [
  { name: 'netflow5 softflowd (29 rec/dgram)', datagrams: [readFileSync(join(DATA, 'softflowd-netflow5.bin'))], peer: true },
  { name: 'netflow9 softflowd (24 rec/dgram)', datagrams: [readFileSync(join(DATA, 'softflowd-netflow9.bin'))], peer: true },
  { name: 'ipfix softflowd (30 rec/2 msgs)', datagrams: [readFileSync(join(DATA, 'softflowd-ipfix.bin'))], peer: false },
  { name: 'sflow5 pmacctd (header dissected)', datagrams: [readFileSync(join(DATA, 'pmacct-sflow.bin'))], peer: false },
];
if (existsSync(CORPUS)) {
  const add = (name: string, file: string, peer: boolean) => {
    const p = join(CORPUS, file);
    if (existsSync(p)) cases.push({ name, datagrams: readUdpDatagrams(p).map((d) => Buffer.from(d.payload)), peer });
  };
  add('corpus netflow9 nprobe (898 rec)', 'graylog-plugin-netflow/nprobe-netflow9-3.pcap', true);
  add('corpus ipfix ipfixcol2 (3979 rec)', '_derived/ipfixcol2-ipfix-as-pcap/example_flows.pcap', false);
  add('corpus sflow tcpdump v6 (61 samples)', 'tcpdump/sflow/sflow-print-v6.pcap', false);
}

/**
 * Runs `decodeOne` over the datagrams for SECONDS of this process's CPU time; returns records and
 * datagrams per CPU-second. CPU time, not wall time, because the targets are per core and the
 * machine is shared: another process taking the core must not count against the decoder.
 */
function measure(datagrams: Buffer[], decodeOne: (b: Buffer) => number): { rps: number; dps: number } {
  for (const d of datagrams) decodeOne(d); // learn templates, warm up
  let records = 0, count = 0;
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
  // Reading the CPU clock is a system call: between two reads run batches of about 20 ms, sized
  // from the first one, so the clock costs well under 1% whatever the decoder's speed.
  let batch = 1;
  const start = cpu();
  let now = start;
  while (now - start < SECONDS) {
    const before = now;
    for (let i = 0; i < batch; i++) for (const d of datagrams) { records += decodeOne(d); count++; }
    now = cpu();
    if (now - before < 0.02) batch = Math.min(batch * 2, 1 << 20);
  }
  const secs = now - start;
  return { rps: records / secs, dps: count / secs };
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
console.log(`flow decode, ${SECONDS} CPU-seconds per case, rates per CPU-second, node ${process.version}`);
console.log(`${'case'.padEnd(40)} ${'ours rec/s'.padStart(12)} ${'ours dgram/s'.padStart(13)} ${'node-netflowv9 rec/s'.padStart(21)} ${'ratio'.padStart(6)}`);
for (const c of cases) {
  if (!c.name.includes(FILTER)) continue;
  // The garbage of the cases before is collected now, not billed to this one (process.cpuUsage
  // counts the GC threads' time too); without --expose-gc nothing happens here.
  (globalThis as { gc?: () => void }).gc?.();
  const ours = new FlowDecoder();
  const a = measure(c.datagrams, (b) => { const r = ours.decode(b, exporter); return r.records.length + r.counters.length; });
  let peer = '-', ratio = '-';
  if (c.peer) {
    const nf = new NetFlowV9({ cb: () => undefined });
    nf.server?.close?.(); // the peer opens a UDP socket in its constructor; we only call its decoder
    const rinfo = { address: exporter.address, port: exporter.port, family: 'IPv4', size: 0 };
    (globalThis as { gc?: () => void }).gc?.();
    const b = measure(c.datagrams, (buf) => { const o = nf.nfPktDecode(buf, rinfo); return o?.flows?.length ?? 0; });
    peer = fmt(b.rps);
    ratio = `${(a.rps / b.rps).toFixed(1)}x`;
  }
  console.log(`${c.name.padEnd(40)} ${fmt(a.rps).padStart(12)} ${fmt(a.dps).padStart(13)} ${peer.padStart(21)} ${ratio.padStart(6)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
