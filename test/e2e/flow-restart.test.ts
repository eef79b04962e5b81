// Templates survive a Node-RED restart: flow collector keeps them in the node context (a
// file-backed context store here), so IPFIX data sent right after the restart, without its
// template, still decodes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freeUdpPort, waitUntil, type FlowNode } from '../helpers/node-red';
import { flowEncoder as enc } from '../../nodes/common';

const userDir = mkdtempSync(join(tmpdir(), 'wirescope-flow-restart-'));
let red: NodeRed | undefined;
let sink: MessageSink | undefined;

after(async () => {
  await red?.stop({ keepUserDir: true });
  await sink?.stop();
  rmSync(userDir, { recursive: true, force: true });
});

const fields = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 8 }];
const template = enc.encodeIpfix({ exportTime: 1_700_000_000, sequence: 0, domain: 7, sets: [{ kind: 'template', templates: [{ id: 300, fields }] }] });
const data = enc.encodeIpfix({ exportTime: 1_700_000_001, sequence: 0, domain: 7, sets: [{ kind: 'data', templateId: 300, records: [enc.encodeRecord(fields, ['198.51.100.1', '203.0.113.9', 4242])] }] });


function send(buf: Buffer, port: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => s.send(buf, port, '127.0.0.1', (err) => { s.close(); if (err) reject(err); else resolve(); }));
}

test('flow collector decodes data right after a restart with the templates it kept', async () => {
  const port = await freeUdpPort();
  sink = await MessageSink.start();
  const settings = { contextStorage: { default: { module: 'localfilesystem', config: { flushInterval: 1 } } } };
  const flow: FlowNode[] = [
    { id: 'collector', type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', persist: true, wires: [['records'], [], ['events']] },
    ...sink.sinkNodes('records', 'records'),
    ...sink.sinkNodes('events', 'events'),
  ];
  red = await NodeRed.start({ userDir, settings });
  await red.deploy(flow);
  await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
  await send(template, port);
  await sink.waitFor('events', 1);
  // SIGINT: Node-RED closes the nodes (the collector saves its templates) and flushes the context store.
  await red.stop({ keepUserDir: true });
  red = await NodeRed.start({ userDir, settings });
  await red.waitForStatus('collector', (s) => String(s.text).includes('listening'));
  await send(data, port);
  await waitUntil('records after restart', () => sink!.messages('records').length > 0, 20_000);
  const [msg] = sink.messages('records');
  assert.equal(msg.protocol, 'ipfix');
  assert.deepEqual(msg.payload.map((r: Record<string, unknown>) => [r.sourceIPv4Address, r.destinationIPv4Address, r.octetDeltaCount, r.observationDomainId]), [['198.51.100.1', '203.0.113.9', 4242, 7]]);
});
