// Template stores (nodes/common/flow/template-store.ts): a snapshot saved by one decoder lets a new
// decoder read data sent without its template; a torn or foreign file loads as empty with an
// error naming the file, and decoding goes on. Expected values are the ones encoded into the
// datagrams (RFC 7011 / RFC 3954 layouts built byte by byte by the encoder).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileTemplateStore, FlowDecoder, KeyValueTemplateStore, MemoryTemplateStore, flowEncoder as enc, type TemplateStore,
} from '../../nodes/common';

const dir = mkdtempSync(join(tmpdir(), 'wirescope-template-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const exporter = { address: '192.0.2.7', port: 2055 };
// sourceIPv4Address, destinationIPv4Address, octetDeltaCount (8 octets), sourceTransportPort.
const fields = [{ id: 8, length: 4 }, { id: 12, length: 4 }, { id: 1, length: 8 }, { id: 7, length: 2 }];
const ipfixTemplate = enc.encodeIpfix({ exportTime: 1_700_000_000, sequence: 0, domain: 7, sets: [{ kind: 'template', templates: [{ id: 300, fields }] }] });
const ipfixData = enc.encodeIpfix({
  exportTime: 1_700_000_001, sequence: 0, domain: 7,
  sets: [{ kind: 'data', templateId: 300, records: [enc.encodeRecord(fields, ['198.51.100.1', '203.0.113.9', 4242, 443])] }],
});
const v9Template = enc.encodeNetflow9({ sysUptime: 5000, exportTime: 1_700_000_000, sequence: 0, sourceId: 3, sets: [{ kind: 'template', templates: [{ id: 260, fields }] }] });
const v9Data = enc.encodeNetflow9({
  sysUptime: 6000, exportTime: 1_700_000_001, sequence: 1, sourceId: 3,
  sets: [{ kind: 'data', templateId: 260, records: [enc.encodeRecord(fields, ['10.1.2.3', '10.9.8.7', 77, 53])] }],
});

/** Learns both templates in one decoder, saves its snapshot to `store`, and returns a decoder made from the store. */
async function restarted(store: TemplateStore): Promise<FlowDecoder> {
  const first = new FlowDecoder();
  assert.equal(first.decode(ipfixTemplate, exporter).templates[0]?.action, 'added');
  assert.equal(first.decode(v9Template, exporter).templates[0]?.action, 'added');
  await store.save(first.exportTemplates());
  const loaded = store.load();
  assert.equal(loaded.error, undefined);
  assert.equal(loaded.templates.length, 2);
  return new FlowDecoder({ templates: loaded.templates });
}

function assertDecodesWithoutTemplate(decoder: FlowDecoder): void {
  const a = decoder.decode(ipfixData, exporter);
  assert.deepEqual(a.errors, []);
  assert.equal(a.delayedRecords, 0);
  assert.equal(a.records.length, 1);
  const r = a.records[0];
  assert.deepEqual([r.sourceIPv4Address, r.destinationIPv4Address, r.octetDeltaCount, r.sourceTransportPort, r.templateId], ['198.51.100.1', '203.0.113.9', 4242, 443, 300]);
  const b = decoder.decode(v9Data, exporter);
  assert.deepEqual(b.errors, []);
  assert.equal(b.records.length, 1);
  const s = b.records[0];
  assert.deepEqual([s.sourceIPv4Address, s.destinationIPv4Address, s.octetDeltaCount, s.sourceTransportPort, s.observationDomainId], ['10.1.2.3', '10.9.8.7', 77, 53, 3]);
}

test('a fresh decoder without a snapshot holds the data set back (the condition the stores fix)', () => {
  const r = new FlowDecoder().decode(ipfixData, exporter);
  assert.equal(r.records.length, 0);
  assert.equal(r.counters.length, 0);
});

test('memory store: empty at first, then the saved snapshot restores decoding', async () => {
  const store = new MemoryTemplateStore();
  assert.deepEqual(store.load(), { templates: [] });
  assertDecodesWithoutTemplate(await restarted(store));
});

test('key-value store (a Node-RED context): round trip through JSON, and a foreign value is refused', async () => {
  const values = new Map<string, unknown>();
  // Context stores keep JSON: store what the real localfilesystem store would read back.
  const kv = { get: (k: string) => values.get(k), set: (k: string, v: unknown) => { values.set(k, JSON.parse(JSON.stringify(v))); } };
  const store = new KeyValueTemplateStore(kv, 'flowTemplates');
  assert.deepEqual(store.load(), { templates: [] });
  assertDecodesWithoutTemplate(await restarted(store));
  values.set('flowTemplates', { not: 'a list' });
  const bad = store.load();
  assert.deepEqual(bad.templates, []);
  assert.match(bad.error ?? '', /flowTemplates.*no template list/);
});

test('file store: missing file loads empty without error; a saved file restores decoding', async () => {
  const path = join(dir, 'round-trip.json');
  const store = new FileTemplateStore(path);
  assert.deepEqual(store.load(), { templates: [] });
  assertDecodesWithoutTemplate(await restarted(store));
  const saved = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(saved.format, 'wirescope-flow-templates');
  assert.equal(saved.templates.length, 2);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  // The save went through a temporary file renamed over the target: nothing else left behind.
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('round-trip')), ['round-trip.json']);
});

test('file store: a torn file gives a clear error, starts empty, and the decoder still works', async () => {
  const path = join(dir, 'torn.json');
  const store = new FileTemplateStore(path);
  const first = new FlowDecoder();
  first.decode(ipfixTemplate, exporter);
  await store.save(first.exportTemplates());
  truncateSync(path, Math.floor(statSync(path).size / 2));
  const loaded = store.load();
  assert.deepEqual(loaded.templates, []);
  assert.match(loaded.error ?? '', new RegExp(`template file ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is corrupt.*starting with no templates`));
  // Starting empty: the data set waits for its template, which decodes it when it comes.
  const decoder = new FlowDecoder({ templates: loaded.templates });
  assert.equal(decoder.decode(ipfixData, exporter).records.length, 0);
  const later = decoder.decode(ipfixTemplate, exporter);
  assert.equal(later.delayedRecords, 1);
  assert.equal(later.records[0].sourceIPv4Address, '198.51.100.1');
  // Saving again replaces the torn file with a whole one.
  await store.save(decoder.exportTemplates());
  assert.equal(store.load().templates.length, 1);
});

test('file store: another JSON file, another version or a bad entry is refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    [JSON.stringify([{ domain: 'ipfix:192.0.2.7/7' }]), /is not a wirescope-flow-templates file/],
    [JSON.stringify({ format: 'wirescope-flow-templates', version: 99, templates: [] }), /has version 99, this decoder reads 1/],
    [JSON.stringify({ format: 'wirescope-flow-templates', version: 1, templates: [{ domain: 'ipfix:192.0.2.7/7', id: 'x' }] }), /entry 0 is not a saved template/],
    ['', /is corrupt/],
  ];
  for (const [i, [text, error]] of cases.entries()) {
    const path = join(dir, `foreign-${i}.json`);
    writeFileSync(path, text);
    const loaded = new FileTemplateStore(path).load();
    assert.deepEqual(loaded.templates, [], text);
    assert.match(loaded.error ?? '', error, text);
  }
  const unreadable = new FileTemplateStore(dir).load(); // a directory: EISDIR
  assert.deepEqual(unreadable.templates, []);
  assert.match(unreadable.error ?? '', /cannot be read/);
});
