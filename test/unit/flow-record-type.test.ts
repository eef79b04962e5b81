// The FlowRecord type: generated from the registry tables (scripts/record-fields.ts), so it must be
// what the generator writes from today's tables, and each element's declared type must hold the
// value the decoder really gives for it at its RFC 7011 length. The compile-time half: the
// `@ts-expect-error` lines below fail `tsc -p tsconfig.test.json` (run by npm test) the day a
// misspelt field or a wrongly typed value compiles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowDecoder, flowEncoder as enc, type Aggregator, type FlowRecord } from '../../nodes/common';
import { builtinElements, type AbstractType, type IeDefinition } from '../../nodes/common/netflow/ie-registry';
import { recordFieldsSource } from '../../scripts/record-fields';

const GENERATED = join(__dirname, '..', '..', 'nodes', 'common', 'flow', 'record-fields.ts');

test('nodes/common/flow/record-fields.ts is what the generator writes from the registry tables (npm run generate)', () => {
  assert.equal(readFileSync(GENERATED, 'utf8'), recordFieldsSource(), 'out of date: run `npm run generate` and commit the file');
});

/** name -> the JavaScript types its generated declaration allows for a single value ("number", "bigint", "Buffer"...). */
function declaredTypes(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of readFileSync(GENERATED, 'utf8').matchAll(/^ {2}(\w+)\?: Decoded<(.+)>;$/gm)) out.set(m[1], new Set(m[2].split(' | ')));
  return out;
}

function jsType(v: unknown): string {
  if (Buffer.isBuffer(v)) return 'Buffer';
  return typeof v;
}

/** A value and its RFC 7011 section 6.1 length for each abstract type (lists have their own test files). */
const SAMPLES: Partial<Record<AbstractType, { length: number; value: Buffer | number | bigint | string }>> = {
  unsigned8: { length: 1, value: 200 }, unsigned16: { length: 2, value: 65000 }, unsigned32: { length: 4, value: 4_000_000_000 },
  unsigned64: { length: 8, value: 2n ** 63n + 5n }, signed8: { length: 1, value: 0x80 }, signed16: { length: 2, value: 0x8000 },
  signed32: { length: 4, value: 0x80000000 }, signed64: { length: 8, value: 2n ** 63n },
  float32: { length: 4, value: Buffer.from('3fc00000', 'hex') }, float64: { length: 8, value: Buffer.from('3ff8000000000000', 'hex') },
  boolean: { length: 1, value: 1 }, macAddress: { length: 6, value: Buffer.from('02aabbccddee', 'hex') },
  octetArray: { length: 3, value: Buffer.from('010203', 'hex') }, string: { length: 5, value: 'hello' },
  dateTimeSeconds: { length: 4, value: 1_700_000_000 }, dateTimeMilliseconds: { length: 8, value: 1_700_000_000_123 },
  dateTimeMicroseconds: { length: 8, value: Buffer.from('e8d1a3c580000000', 'hex') }, dateTimeNanoseconds: { length: 8, value: Buffer.from('e8d1a3c580000001', 'hex') },
  ipv4Address: { length: 4, value: '192.0.2.1' }, ipv6Address: { length: 16, value: '2001:db8::1' },
};

test('every built-in element is declared, and holds the value the decoder gives at its RFC length', () => {
  const declared = declaredTypes();
  const { ipfix, netflow9 } = builtinElements();
  for (const d of [...ipfix, ...netflow9]) assert.ok(declared.has(d.name), `${d.name} declared`);
  // One IPFIX element of each abstract type (vendor ones with their PEN), decoded from a real template.
  const byType = new Map<AbstractType, IeDefinition>();
  for (const d of ipfix) if (SAMPLES[d.type] && !byType.has(d.type)) byType.set(d.type, d);
  const used = new Set([...ipfix, ...netflow9].map((d) => d.type));
  assert.deepEqual([...byType.keys()].sort(), Object.keys(SAMPLES).filter((t) => used.has(t as AbstractType)).sort(), 'an element of every type the tables use');
  const defs = [...byType.values()];
  const fields = defs.map((d) => ({ id: d.id, length: SAMPLES[d.type]!.length, ...(d.pen ? { pen: d.pen } : {}) }));
  const result = new FlowDecoder().decode(enc.encodeIpfix({ exportTime: 1_700_000_000, sequence: 0, domain: 1, sets: [
    { kind: 'template', templates: [{ id: 256, fields }] },
    { kind: 'data', templateId: 256, records: [enc.encodeRecord(fields, defs.map((d) => SAMPLES[d.type]!.value))] },
  ] }), { address: '192.0.2.1', port: 4739 });
  assert.deepEqual(result.errors, []);
  const record = result.records[0] as Record<string, unknown>;
  for (const d of defs) {
    assert.notEqual(record[d.name], undefined, `${d.name} decoded`);
    assert.ok(declared.get(d.name)!.has(jsType(record[d.name])), `${d.name} (${d.type}) is a ${jsType(record[d.name])}, declared ${[...declared.get(d.name)!].join(' | ')}`);
  }
});

// Compile-time checks (this file is type-checked by tsconfig.test.json): each directive needs its error.
export function misspeltFieldsDoNotCompile(record: FlowRecord, aggregator: Aggregator): void {
  // @ts-expect-error misspelt IANA name
  void record.sourceTransportPrt;
  // @ts-expect-error a port is a number (or the raw bytes of a bad length), never a string
  const port: string | undefined = record.sourceTransportPort;
  void port;
  // @ts-expect-error networkDirection is ECS's four words
  record.networkDirection = 'sideways';
  // @ts-expect-error misspelt enrichment field
  record.sourceCountryIso = 'DE';
  // @ts-expect-error misspelt field in a record handed to the aggregator
  aggregator.add({ octetDeltaCount: 1, destinationTransportPrt: 80 });
  // Known, vendor, reverse, sFlow, enrichment and unknown-element names all compile.
  aggregator.add({ octetDeltaCount: 1, reverseOctetDeltaCount: 2, ciscoApplicationCategoryName: 'x', sflowAgentAddress: '192.0.2.1', samplingScaled: true, pen9_ie40000: Buffer.alloc(1) });
}

test('the compile-time checks above are type-checked with the tests (tsconfig.test.json includes this file)', () => {
  const tsconfig = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tsconfig.test.json'), 'utf8'));
  assert.ok((tsconfig.include as string[]).includes('test/**/*.ts'));
  assert.equal(typeof misspeltFieldsDoNotCompile, 'function');
});

// For users of the library: a program importing `@wirescope/node-red/decoders` gets the same type
// from the built declarations (npm test builds first), whichever module resolution its tsconfig
// uses. `node10` (the default with CommonJS) ignores package.json "exports" and reads
// "typesVersions"; node16 and bundler read "exports" and find the .d.ts beside the .js.
test('a program using the published package gets FlowRecord: a misspelt field fails to compile (node10, node16, bundler)', () => {
  const root = join(__dirname, '..', '..');
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-record-type-'));
  try {
    const pkg = join(dir, 'node_modules', '@wirescope', 'node-red');
    mkdirSync(pkg, { recursive: true });
    // The package as installed: its package.json and its built files (package.json "files").
    symlinkSync(join(root, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(root, 'dist'), join(pkg, 'dist'), 'dir');
    symlinkSync(join(root, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(join(dir, 'good.ts'), [
      "import { FlowDecoder, type Decoded, type FlowRecord } from '@wirescope/node-red/decoders';",
      "const r: FlowRecord | undefined = new FlowDecoder().decode(Buffer.alloc(0), { address: '192.0.2.1', port: 2055 }).records[0];",
      'export const port: Decoded<number> | undefined = r?.sourceTransportPort;',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'bad.ts'), [
      "import type { FlowRecord } from '@wirescope/node-red/decoders';",
      'export const misspelt = (r: FlowRecord) => r.sourceTransportPrt;',
      '',
    ].join('\n'));
    // One compiler run per resolution (each takes seconds): good.ts must give no error, bad.ts exactly its own.
    const tsc = (module: string, resolution: string): string => {
      try {
        execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--skipLibCheck',
          '--types', 'node', '--module', module, '--moduleResolution', resolution, 'good.ts', 'bad.ts'], { cwd: dir, stdio: 'pipe' });
        return '';
      } catch (err) {
        return String((err as { stdout?: Buffer }).stdout ?? err);
      }
    };
    for (const [module, resolution] of [['commonjs', 'node10'], ['node16', 'node16'], ['esnext', 'bundler']]) {
      const errors = tsc(module, resolution).split('\n').filter((line) => /error TS/.test(line));
      assert.equal(errors.length, 1, `${resolution}: one error expected, got:\n${errors.join('\n')}`);
      assert.match(errors[0], /^bad\.ts\(2,[0-9]+\): error TS2551: Property 'sourceTransportPrt' does not exist on type 'FlowRecord'/, resolution);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
