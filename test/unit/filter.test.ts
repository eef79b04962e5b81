// Our BPF-like filter must select the same packets as libpcap's own compiler (tcpdump -r ... EXPR)
// on a capture of real loopback traffic.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { compileFilter, FilterSyntaxError } from '../../nodes/common/filter';
import { dissect } from '../../nodes/common/packet';
import { parseCaptureBuffer } from '../../nodes/common/pcap';
import { readFileSync } from 'node:fs';
import { requireCommands } from '../helpers/real';

const sample = join(__dirname, '..', '..', 'demo', 'data', 'sample.pcapng');

/** Timestamps ("seconds.microseconds") of the packets tcpdump's libpcap filter selects, in order. */
function tcpdumpSelects(expression: string): string[] {
  const out = execFileSync('tcpdump', ['-n', '-tt', '-r', sample, expression], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  return out.split('\n').filter(Boolean).map((line) => line.split(' ')[0]);
}

describe('filter agrees with libpcap', () => {
  const capture = parseCaptureBuffer(readFileSync(sample));
  const packets = capture.packets.map((p) => ({
    layers: dissect(p.data, p.linkType),
    length: p.originalLength,
    time: `${p.timestamp.seconds}.${String(Math.floor(p.timestamp.nanoseconds / 1000)).padStart(6, '0')}`,
  }));
  const expressions = [
    'tcp',
    'udp',
    'icmp',
    'icmp6',
    'ip6',
    'ip and not tcp',
    'tcp port 18080',
    'tcp dst port 18080',
    'src port 18080',
    'udp port 5353 or udp port 9999',
    'host 127.0.0.1 and (icmp or udp)',
    'host ::1',
    'net 127.0.0.0/8 and tcp',
    'portrange 18000-18100',
    'greater 200',
    'less 100',
    'ip proto 17',
    'not ip',
  ];
  for (const expression of expressions) {
    it(expression, (t) => {
      if (!requireCommands(t, 'tcpdump')) return;
      const expected = tcpdumpSelects(expression);
      const predicate = compileFilter(expression);
      const ours = packets.filter((p) => predicate(p.layers, p.length)).map((p) => p.time);
      assert.ok(expected.length > 0 || expression === 'not ip', `sample has no packet for ${expression}`);
      assert.deepEqual(ours, expected);
    });
  }
});

describe('filter syntax errors', () => {
  for (const bad of ['port', 'tcp port http', 'host 300.1.1.1', 'src tcp', '(udp', 'udp)', 'frobnicate', 'net 10.0.0.0/33']) {
    it(`rejects "${bad}" with a position`, () => {
      assert.throws(() => compileFilter(bad), (err: unknown) => err instanceof FilterSyntaxError && err.position >= 0 && err.message.includes(bad));
    });
  }
  it('an empty filter selects everything', () => {
    assert.equal(compileFilter('   ')({ layers: [], vlans: [], linkType: 1, payload: Buffer.alloc(0), errors: [] }, 0), true);
  });
});
