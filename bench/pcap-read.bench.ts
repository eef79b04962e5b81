// Capture reading throughput: our streaming reader (no dissection, + dissect, + the L2-L4 fast
// path) beside the npm peer `pcap-parser`, on the same ~1M-packet classic pcap file.
// Each measurement runs in its own child process so its peak RSS is its own.
// Our library is measured twice: loaded through tsx (as this bench runs) and as plain CommonJS
// transpiled by TypeScript (what `npm run build` ships): tsx's module interop puts a getter on
// every cross-module call, which the dissectors, split into one module per layer, pay for.
//   node --import tsx bench/pcap-read.bench.ts [packets]
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../nodes/common/pcap';
import type * as PcapApi from '../nodes/common/pcap';
import type * as PacketApi from '../nodes/common/packet';

type Mode = 'ours-read' | 'ours-dissect' | 'ours-l2l4' | 'pcap-parser';
const MODES: Mode[] = ['ours-read', 'ours-dissect', 'ours-l2l4', 'pcap-parser'];
const CHUNK = 1 << 20;

// --- frame templates (written from the RFC layouts, like the test fixtures) ---
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ETH = '020000000001 020000000002';
function ipv4(proto: number, l4: Buffer): Buffer {
  const h = hex('4500' + (20 + l4.length).toString(16).padStart(4, '0') + '1234 4000 40' + proto.toString(16).padStart(2, '0') + '0000 0a000001 0a000002');
  return Buffer.concat([h, l4]);
}
function ipv6(next: number, l4: Buffer): Buffer {
  const h = hex('60000000' + l4.length.toString(16).padStart(4, '0') + next.toString(16).padStart(2, '0') + '40 20010db8000000000000000000000001 20010db8000000000000000000000002');
  return Buffer.concat([h, l4]);
}
const tcp = (n: number) => Buffer.concat([hex('c350 01bb 00000001 00000002 5018 ffff 0000 0000'), Buffer.alloc(n, 0x61)]);
const udp = (n: number, dport = 53) => Buffer.concat([hex('d431' + dport.toString(16).padStart(4, '0') + (8 + n).toString(16).padStart(4, '0') + '0000'), Buffer.alloc(n, 0x62)]);
const eth = (type: string, payload: Buffer, tags = '') => Buffer.concat([hex(ETH + tags + type), payload]);

function templates(): Buffer[] {
  const vxInner = eth('0800', ipv4(6, tcp(40)));
  return [
    eth('0800', ipv4(6, tcp(0))), // pure ACK
    eth('0800', ipv4(6, tcp(1400))),
    eth('0800', ipv4(17, udp(40))), // DNS-sized
    eth('86dd', ipv6(6, tcp(200))),
    eth('86dd', ipv6(17, udp(120))),
    eth('0800', ipv4(6, tcp(60)), '8100 0064'), // VLAN
    eth('0800', ipv4(1, hex('0800 0000 0001 0001' + '00'.repeat(56)))), // ping
    eth('0800', ipv4(17, Buffer.concat([hex('d431 12b5'), hex((16 + vxInner.length).toString(16).padStart(4, '0') + '0000 08000000 00123400'), vxInner]))), // VXLAN
    eth('0800', ipv4(6, tcp(500))),
    eth('0800', ipv4(17, udp(160, 5004))), // RTP-sized
  ];
}

export function generate(file: string, count: number): number {
  const w = new PcapWriter({ linkType: 1 });
  const fd = openSync(file, 'w');
  writeSync(fd, w.header());
  const t = templates();
  const buf = Buffer.allocUnsafe(4 << 20);
  let pos = 0;
  const base = 1_700_000_000;
  for (let i = 0; i < count; i++) {
    const frame = t[(i * 7 + (i >> 3)) % t.length];
    if (pos + 16 + frame.length > buf.length) {
      writeSync(fd, buf, 0, pos);
      pos = 0;
    }
    pos = w.writePacket(buf, pos, frame, { seconds: base + Math.floor(i / 1000), nanoseconds: (i % 1000) * 1000_000 });
  }
  writeSync(fd, buf, 0, pos);
  closeSync(fd);
  return statSync(file).size;
}

/** Transpiles the two library folders to CommonJS (like tsc does for dist/) into `dir`. */
function transpileLibrary(dir: string): void {
  // Loaded here only: the measuring child processes must not carry the compiler in their RSS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const src = join(__dirname, '..', 'nodes', 'common');
  for (const area of ['pcap', 'packet']) {
    mkdirSync(join(dir, area), { recursive: true });
    for (const f of readdirSync(join(src, area)).filter((n) => n.endsWith('.ts'))) {
      const out = ts.transpileModule(readFileSync(join(src, area, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      writeFileSync(join(dir, area, f.replace(/\.ts$/, '.js')), out.outputText);
    }
  }
}

interface Library {
  pcap: typeof PcapApi;
  packet: typeof PacketApi;
}

function loadLibrary(lib: string): Library {
  const base = lib === 'tsx' ? join(__dirname, '..', 'nodes', 'common') : lib;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { pcap: require(join(base, 'pcap')) as typeof PcapApi, packet: require(join(base, 'packet')) as typeof PacketApi };
}

/** Reads `file` (or, for the warm-up, a stream of its first bytes) in the given mode. */
async function measure(mode: Mode, lib: Library, file: string, warmupBytes = 0): Promise<{ packets: number; seconds: number; cpuSeconds: number; check: number }> {
  const { CaptureReader } = lib.pcap;
  const { dissect, dissectL2L4, newL2L4Summary } = lib.packet;
  const input = () => (warmupBytes > 0 ? createReadStream(file, { start: 0, end: warmupBytes - 1, highWaterMark: CHUNK }) : createReadStream(file, { highWaterMark: CHUNK }));
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  let packets = 0;
  let check = 0;
  if (mode === 'pcap-parser') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pcapp = require('pcap-parser') as { parse: (input: NodeJS.ReadableStream) => NodeJS.EventEmitter };
    await new Promise<void>((resolve, reject) => {
      const parser = pcapp.parse(input());
      parser.on('packet', (p: { data: Buffer }) => {
        packets++;
        check += p.data.length;
      });
      parser.on('end', () => resolve());
      parser.on('error', reject);
    });
  } else {
    const reader = new CaptureReader();
    const summary = newL2L4Summary();
    for await (const chunk of input()) {
      const batch = reader.feed(chunk as Buffer);
      packets += batch.length;
      if (mode === 'ours-read') {
        for (const p of batch) check += p.data.length;
      } else if (mode === 'ours-dissect') {
        for (const p of batch) check += dissect(p.data, p.linkType).payload.length;
      } else {
        for (const p of batch) check += dissectL2L4(p.data, p.linkType, summary).payloadLength;
      }
    }
    const err = reader.end();
    if (err && warmupBytes === 0) throw err;
  }
  const cpu = process.cpuUsage(cpuStart);
  return { packets, seconds: Number(process.hrtime.bigint() - started) / 1e9, cpuSeconds: (cpu.user + cpu.system) / 1e6, check };
}

async function child(mode: Mode, libPath: string, file: string): Promise<void> {
  const lib = loadLibrary(libPath);
  // Same warm-up for every reader (JIT), on the first 16 MB, then the timed full run.
  await measure(mode, lib, file, 16 << 20);
  const r = await measure(mode, lib, file);
  const maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ ...r, maxRssKb }));
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-bench-'));
  const file = join(dir, 'mixed.pcap');
  try {
    const t0 = Date.now();
    const bytes = generate(file, count);
    console.log(`capture: ${count} packets, ${(bytes / 1e6).toFixed(1)} MB (written by PcapWriter in ${Date.now() - t0} ms)`);
    console.log(`node ${process.version}, one process per reader, ${CHUNK >> 10} KiB read chunks, 16 MB warm-up, file in page cache\n`);
    // CPU time (user + system of the reading process) is printed too: on a shared machine the
    // wall-clock figure also measures the neighbours.
    const compiled = join(dir, 'lib');
    transpileLibrary(compiled);
    console.log('reader                                 packets/s     MB/s  packets/cpu-s  peak RSS   packets');
    const runs: [Mode, string, string][] = [];
    for (const mode of MODES) {
      if (mode === 'pcap-parser') runs.push([mode, 'tsx', 'pcap-parser 0.2.1 (npm peer)']);
      else {
        const what = { 'ours-read': 'read (no dissect)', 'ours-dissect': 'read + dissect', 'ours-l2l4': 'read + dissectL2L4' }[mode];
        runs.push([mode, 'tsx', `wirescope ${what}, tsx`]);
        runs.push([mode, compiled, `wirescope ${what}, tsc JS`]);
      }
    }
    for (const [mode, lib, label] of runs) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--child', mode, lib, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      const r = JSON.parse(out) as { packets: number; seconds: number; cpuSeconds: number; maxRssKb: number };
      console.log(
        `${label.padEnd(37)} ${Math.round(r.packets / r.seconds).toLocaleString('en-US').padStart(11)} ${(bytes / 1e6 / r.seconds).toFixed(0).padStart(8)} ${Math.round(r.packets / r.cpuSeconds).toLocaleString('en-US').padStart(14)} ${(r.maxRssKb / 1024).toFixed(0).padStart(7)} MB ${String(r.packets).padStart(9)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main !== module) {
  // imported (e.g. to generate a capture for profiling): do nothing
} else if (process.argv[2] === '--child') {
  child(process.argv[3] as Mode, process.argv[4], process.argv[5]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
