// Fuzzing: mutated and truncated datagrams from the corpus and from encoder-built seeds, through
// long-lived decoders (so templates learned from garbage are exercised too). Nothing may escape
// to the decoder's last-resort catch ('internal'), nothing may hang, state stays within its limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder, flowEncoder as enc } from '../../nodes/common';
import { readUdpDatagrams } from '../helpers/flow-pcap';

const ITERATIONS = Number(process.env.FLOW_FUZZ_ITERATIONS ?? 1_000_000);
const CORPUS = join(__dirname, '../../../shared/corpus');

/** mulberry32: small seeded PRNG so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function builtSeeds(): Buffer[] {
  const f = [{ id: 8, length: 4 }, { id: 27, length: 16 }, { id: 96, length: 0xffff }, { id: 1, length: 8 }, { id: 292, length: 0xffff }, { id: 293, length: 0xffff }, { id: 291, length: 0xffff }];
  const stl = Buffer.from([3, 1, 1, 10, 0, 0, 1]);
  const stml = Buffer.from([3, 1, 1, 0, 8, 10, 0, 0, 2]);
  const basic = Buffer.from([3, 0x80, 7, 0, 2, 0, 0, 0, 9, 0, 80]);
  const rec = enc.encodeRecord(f, ['10.0.0.1', '2001:db8::1', 'app', 123n, stl, stml, basic]);
  const sets: enc.SetSpec[] = [
    { kind: 'template', templates: [{ id: 257, fields: [{ id: 8, length: 4 }] }, { id: 256, fields: f }] },
    { kind: 'options-template', templates: [{ id: 258, scopeFields: [{ id: 48, length: 1 }], fields: [{ id: 34, length: 4 }] }] },
    { kind: 'data', templateId: 256, records: [rec, rec] },
    { kind: 'data', templateId: 258, records: [Buffer.from([1, 0, 0, 0, 10])] },
  ];
  return [
    enc.encodeIpfix({ exportTime: 1, sequence: 1, domain: 1, sets }),
    enc.encodeNetflow9({ sysUptime: 1, exportTime: 1, sequence: 1, sourceId: 1, sets: sets.slice(0, 2) }),
    enc.encodeNetflow5({ sysUptime: 1, exportTime: 1, sequence: 1 }, [{ src: '1.1.1.1', dst: '2.2.2.2', packets: 1, octets: 1, first: 0, last: 0, srcPort: 1, dstPort: 2, protocol: 6 }]),
  ];
}

function corpusSeeds(): Buffer[] {
  if (!existsSync(CORPUS)) return [];
  const out: Buffer[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.pcap') && !/lldp/i.test(p)) {
        for (const d of readUdpDatagrams(p)) if (d.payload.length >= 4) out.push(Buffer.from(d.payload));
      }
    }
  };
  walk(CORPUS);
  return out;
}

function mutate(seed: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(seed);
  const kind = Math.floor(rnd() * 6);
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * b.length);
    switch (kind) {
      case 0: b[at] ^= 1 << Math.floor(rnd() * 8); break; // bit flip
      case 1: b[at] = Math.floor(rnd() * 256); break; // random byte
      case 2: b[at] = rnd() < 0.5 ? 0 : 0xff; break; // boundary values (lengths 0 / 255 / 0xffff)
      case 3: if (at + 1 < b.length) b.writeUInt16BE(Math.floor(rnd() * 65536), at & ~1); break; // 16-bit length/id field
      default: break;
    }
  }
  if (kind === 4) return b.subarray(0, Math.floor(rnd() * b.length)); // truncation
  if (kind === 5) return Buffer.concat([b, b.subarray(Math.floor(rnd() * b.length))]); // trailing junk
  return b;
}

test(`fuzz: ${ITERATIONS} mutated/truncated datagrams, nothing escapes`, () => {
  const seeds = [...builtSeeds(), ...corpusSeeds()];
  const rnd = prng(0x5eed);
  const limits = { maxTemplatesPerDomain: 64, maxDomains: 64, maxPendingSetsPerDomain: 16, maxRecordsPerDatagram: 2000 };
  const decoders = [new FlowDecoder(limits), new FlowDecoder({ ...limits, applySampling: true, scopeByPort: true })];
  // Learn real templates first so mutated data sets meet real layouts.
  for (const s of seeds) for (const d of decoders) d.decode(s, { address: '192.0.2.1', port: 1 });
  const now = new Date();
  let records = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(seeds[i % seeds.length], rnd);
    // A handful of exporter identities, so the per-exporter limits are reached.
    const exporter = { address: `192.0.2.${i % 7}`, port: 1 + (i % 3) };
    const r = decoders[i & 1].decode(input, exporter, now);
    records += r.records.length;
    const internal = r.errors.find((e) => e.code === 'internal');
    if (internal) assert.fail(`iteration ${i}: ${internal.message}; input ${input.toString('hex').slice(0, 200)}`);
  }
  for (const d of decoders) {
    const c = d.counters();
    assert.ok(c.templates <= limits.maxTemplatesPerDomain * limits.maxDomains);
    assert.ok(c.pendingSets <= limits.maxPendingSetsPerDomain * limits.maxDomains);
  }
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  console.log(`${ITERATIONS} inputs from ${seeds.length} seeds, ${records} records decoded, heap ${heapMb.toFixed(0)} MB`);
  assert.ok(heapMb < 1024, `heap ${heapMb} MB`);
});
