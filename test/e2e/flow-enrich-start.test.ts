// flow enrich in a real Node-RED process, first records at once: an inject node fires 1 ms after the
// flows start, a function node turns it into records for many IPv4 and IPv6 addresses, and flow
// enrich (GeoLite2 City from npm, the demo's AS database) must send every one of them enriched as
// mmdblookup says — after a deploy, and again after a Node-RED restart, when the flows start with
// the process. (Before the fix those records passed while the files were still loading, unenriched.)
// Cross-version: the deploy and start lifecycle and the send/done of held messages are the runtime's.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import {
  assertGeoEqual, CITY_IPV4, CITY_IPV6, demoAsnDatabase, expectedGeo, mmdblookupAll, randomIpv4, randomIpv6, recordGeo, seeded, type FlatRecord,
} from '../helpers/mmdb';
import { MessageSink, NodeRed, type FlowNode } from '../helpers/node-red';
import { hasCommand, requireCommands } from '../helpers/real';

const canRun = hasCommand('mmdblookup') && hasCommand('perl');

describe('flow enrich enriches the records that reach it as the flows start', () => {
  let nodeRed: NodeRed | undefined;
  /** The user dir a restarted Node-RED reuses (the helper removes only the dirs it made). */
  let keptUserDir: string | undefined;
  let sink: MessageSink;
  let files: string[] = [];
  let addresses: string[] = [];
  const answers: Array<Map<string, FlatRecord | null>> = [];

  before(async () => {
    sink = await MessageSink.start();
    if (!canRun) return;
    files = [CITY_IPV4, CITY_IPV6, demoAsnDatabase()];
    const next = seeded(0x57a27);
    addresses = ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '10.1.2.3',
      ...Array.from({ length: 120 }, () => randomIpv4(next)), ...Array.from({ length: 60 }, () => randomIpv6(next))];
    for (const file of files) answers.push(await mmdblookupAll(file, addresses));
    nodeRed = await NodeRed.start();
  });
  after(async () => {
    await nodeRed?.stop();
    if (keptUserDir) rmSync(keptUserDir, { recursive: true, force: true });
    await sink.stop();
  });

  /** inject (1 ms after start) -> records, 4 to a message -> flow enrich -> the sink; errors to the sink too. */
  function flow(): FlowNode[] {
    const records = addresses.map((a, i) => {
      const b = addresses[(i + 1) % addresses.length];
      const field = (x: string, side: string) => `${side}${x.includes(':') ? 'IPv6' : 'IPv4'}Address`;
      return { [field(a, 'source')]: a, [field(b, 'destination')]: b, octetDeltaCount: 100 };
    });
    return [
      { id: 'st-inject', type: 'inject', props: [{ p: 'payload' }], payload: '', payloadType: 'str', once: true, onceDelay: '0.001', wires: [['st-records']] },
      {
        id: 'st-records', type: 'function', outputs: 1,
        func: `const records = ${JSON.stringify(records)};\nfor (let i = 0; i < records.length; i += 4) node.send({ seq: i / 4, payload: records.slice(i, i + 4) });\nreturn null;`,
        wires: [['st-enrich']],
      },
      { id: 'st-enrich', type: 'wirescope-flow-enrich', geoipFiles: files.join('\n'), watchSeconds: 0, wires: [['st-out'], []] },
      { id: 'st-catch', type: 'catch', scope: ['st-enrich'], uncaught: false, wires: [['st-errors']] },
      ...sink.sinkNodes('st-out', 'enriched'),
      ...sink.sinkNodes('st-errors', 'errors'),
    ];
  }

  function check(messages: any[]): void {
    assert.equal(sink.messages('errors').length, 0, `no errors: ${JSON.stringify(sink.messages('errors')[0]?.error)}`);
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: Math.ceil(addresses.length / 4) }, (_, i) => i), 'every message, in order');
    let held = 0;
    for (const m of messages) {
      for (const r of m.payload) {
        for (const side of ['source', 'destination'] as const) {
          const address = r[`${side}IPv4Address`] ?? r[`${side}IPv6Address`];
          const want = expectedGeo(address, answers);
          assertGeoEqual(recordGeo(r, side), want, `message ${m.seq}: ${side} ${address}`);
          if (want.CountryIsoCode !== undefined || want.AsNumber !== undefined) held++;
        }
      }
    }
    assert.ok(held > 150, `${held} sides had answers`);
  }

  it('after a deploy', { timeout: 120_000 }, async (t) => {
    if (!requireCommands(t, 'mmdblookup', 'perl')) return;
    await nodeRed!.deploy(flow());
    check(await sink.waitFor('enriched', Math.ceil(addresses.length / 4), 60_000));
  });

  it('after a Node-RED restart', { timeout: 180_000 }, async (t) => {
    if (!requireCommands(t, 'mmdblookup', 'perl')) return;
    const userDir = keptUserDir = nodeRed!.userDir;
    await nodeRed!.stop({ keepUserDir: true });
    sink.clear();
    // The same user dir: the flows start with the process, the inject fires 1 ms later.
    nodeRed = await NodeRed.start({ userDir });
    check(await sink.waitFor('enriched', Math.ceil(addresses.length / 4), 60_000));
  });
});
