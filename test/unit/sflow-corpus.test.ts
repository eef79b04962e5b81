// sFlow extension structures in the real captures of ../shared/corpus (skipped when a user has no
// corpus; never in CI): drop-notification records against Telegraf's golden output, host-sFlow counter records
// (2001 adapters, 2005 disk I/O, 2006 net I/O from hsflowd agents) against the sizes
// sflow_host.txt gives them, walked here with a TLV reader of the test's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FlowDecoder } from '../../nodes/common';
import { readUdpDatagrams } from '../helpers/flow-pcap';
import { CORPUS, corpusSkip } from '../helpers/real';

const skip = corpusSkip;
const exporter = { address: '192.0.2.1', port: 6343 };

function datagrams(file: string): Buffer[] {
  const path = join(CORPUS, file);
  const all = file.endsWith('.bin') ? [readFileSync(path)] : readUdpDatagrams(path).map((d) => d.payload);
  return all.filter((d) => d.length >= 4 && d.readUInt32BE(0) === 5);
}

/** Telegraf's line-protocol golden: field=value pairs of each line (u suffix dropped). */
function telegrafFields(file: string): Array<Record<string, string>> {
  return readFileSync(join(CORPUS, file), 'utf8').trim().split('\n').map((line) => {
    const fields = line.split(' ')[1];
    return Object.fromEntries(fields.split(',').map((kv) => {
      const [k, v] = kv.split('=');
      return [k, v.replace(/u$/, '').replace(/^"|"$/g, '')];
    }));
  });
}

/** Counter records of every counter sample: [format, body], read with sflow_version_5.txt's framing. */
function counterRecords(d: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let o = 8 + (d.readUInt32BE(4) === 2 ? 16 : 4); // version, address type, address
  o += 12; // sub-agent, sequence, uptime
  const samples = d.readUInt32BE(o);
  o += 4;
  for (let i = 0; i < samples; i++) {
    const format = d.readUInt32BE(o), length = d.readUInt32BE(o + 4);
    const body = o + 8;
    if (format === 2 || format === 4) {
      let r = body + (format === 2 ? 12 : 16); // sequence, source id (one word or two), record count
      const n = d.readUInt32BE(r - 4);
      for (let j = 0; j < n; j++) {
        const rl = d.readUInt32BE(r + 4);
        out.push([d.readUInt32BE(r), d.subarray(r + 8, r + 8 + rl)]);
        r += 8 + rl;
      }
    }
    o = body + length;
  }
  return out;
}

test('drop notification: egress queue record equals the Telegraf golden (sflow_issue_15375)', { skip }, () => {
  const [golden] = telegrafFields('telegraf/sflow_issue_15375/expected.out');
  const r = new FlowDecoder().decode(datagrams('telegraf/sflow_issue_15375/sflow_drop_1036.bin')[0], exporter);
  assert.deepEqual(r.errors, []);
  const ev = r.options[0];
  assert.equal(ev.sflowEvent, 'discarded-packet');
  assert.equal(String(ev.sflowEgressQueue), golden.out_queue);
  assert.equal(String(ev.sflowDiscardReason), golden.reason);
  assert.equal(String(ev.sflowDrops), golden.sampling_drops);
  assert.equal(String(ev.ingressInterface), golden.in_snmp);
  assert.equal(String(ev.egressInterface), golden.out_snmp);
});

test('drop notification from the Linux drop monitor (hsflowd): function and reason records', { skip }, () => {
  const r = new FlowDecoder().decode(datagrams('_derived/cistern-sflow-as-pcap/event_discarded_packet.pcap')[0], exporter);
  assert.deepEqual(r.errors, []);
  const ev = r.options[0];
  // sflow_drops.txt: the function is a kernel symbol with offset/size, the reason a drop_reason name.
  assert.match(String(ev.sflowFunction), /^[\w.]+\+0x[0-9a-f]+\/0x[0-9a-f]+$/);
  assert.match(String(ev.sflowLinuxDropReason), /^[A-Z][A-Z0-9_]+$/);
  assert.equal(Object.keys(ev).filter((k) => k.startsWith('sflowRecord_')).length, 0);
});

test('host sFlow counters in the corpus decode at the sizes sflow_host.txt gives them', { skip }, () => {
  // host_disk_io: 2 hypers, 2 ints, hyper, 2 ints, hyper, int; host_net_io: hyper, 3 ints, hyper, 3 ints.
  const FIXED: Record<number, number> = { 2005: 8 + 8 + 4 + 4 + 8 + 4 + 4 + 8 + 4, 2006: 8 + 4 * 3 + 8 + 4 * 3 };
  const seen: Record<number, number> = {};
  for (const file of ['tcpdump/sflow/sflow_multiple_counter_30_pdus.pcap', '_derived/cistern-sflow-as-pcap/host_sample.pcap']) {
    const decoder = new FlowDecoder();
    for (const d of datagrams(file)) {
      const raw = counterRecords(d);
      const hostRaw = raw.filter(([f]) => f === 2001 || f === 2005 || f === 2006);
      if (!hostRaw.length) continue;
      const r = decoder.decode(d, exporter);
      assert.deepEqual(r.errors, [], file);
      const withHost = r.counters.filter((c) => c.hostDiskIo || c.hostNetIo || c.hostAdapters);
      for (const [format, body] of hostRaw) {
        seen[format] = (seen[format] ?? 0) + 1;
        if (FIXED[format]) assert.equal(body.length, FIXED[format], `${file} format ${format}`);
        if (format === 2001) {
          // adapters<>: count, then per adapter ifIndex, count, mac<> (6 octets padded to 8).
          const match = withHost.find((c) => Array.isArray(c.hostAdapters) && c.hostAdapters.length === body.readUInt32BE(0));
          assert.ok(match, `${file}: adapters record decoded`);
          const adapters = match.hostAdapters as Array<{ ifIndex: number; macAddresses: string[] }>;
          assert.equal(body.length, 4 + adapters.reduce((n, a) => n + 8 + 8 * a.macAddresses.length, 0));
          let o = 4;
          for (const a of adapters) {
            assert.equal(a.ifIndex, body.readUInt32BE(o));
            o += 8;
            for (const mac of a.macAddresses) {
              assert.equal(mac, [...body.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':'));
              o += 8;
            }
          }
        }
      }
      for (const c of withHost) {
        const disk = c.hostDiskIo as Record<string, number> | undefined;
        if (disk) {
          assert.ok(disk.diskFree <= disk.diskTotal, 'disk free within total');
          assert.ok(disk.partMaxUsed <= 10000, 'partition use in hundredths of a percent');
        }
        const net = c.hostNetIo as Record<string, number> | undefined;
        if (net) assert.ok(net.bytesIn >= net.pktsIn && net.bytesOut >= net.pktsOut, 'bytes at least packets');
      }
    }
  }
  assert.ok(seen[2001] && seen[2005] && seen[2006], JSON.stringify(seen));
});

test('port name counter record equals the Telegraf golden (sflow_v5_example)', { skip }, () => {
  const [golden] = telegrafFields('telegraf/sflow_v5_example/expected.out');
  const r = new FlowDecoder().decode(datagrams('telegraf/sflow_v5_example/sflow_v5.bin')[0], exporter);
  assert.deepEqual(r.errors, []);
  const c = r.counters[0];
  assert.equal(c.interfaceName, golden.port_name);
  assert.equal(String((c.interface as Record<string, number>).ifIndex), golden.interface);
  assert.equal(Object.keys(c).filter((k) => k.startsWith('sflowCounters_')).length, 0);
});
