// User element definitions as text ("PEN ID NAME TYPE" per line), the flow nodes' config field.
// Limits from RFC 7011 section 3.2 (32-bit PEN, 15-bit id with the enterprise bit), RFC 3954
// (16-bit v9 ids), types from RFC 7012 section 3.1 and RFC 6313.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { parseElementDefinitions } from '../../nodes/common/netflow/element-definitions';

const GOOD_TEXT = [
  '# documentation PEN (RFC 5612)',
  '32473 1 exampleTenant string',
  '',
  '   32473\t2   exampleLatency   unsigned64   # trailing comment',
  '0 65535 v9LastId unsigned16\r',
  '4294967295 32767 _max_Pen ipv6Address',
  '0 0 padding octetArray',
  '2011 701 list_1 subTemplateMultiList',
].join('\r\n');

test('element definitions: one per line, comments and blank lines ignored, CRLF accepted', () => {
  assert.deepEqual(parseElementDefinitions(GOOD_TEXT), [
    { pen: 32473, id: 1, name: 'exampleTenant', type: 'string' },
    { pen: 32473, id: 2, name: 'exampleLatency', type: 'unsigned64' },
    { pen: 0, id: 65535, name: 'v9LastId', type: 'unsigned16' },
    { pen: 4294967295, id: 32767, name: '_max_Pen', type: 'ipv6Address' },
    { pen: 0, id: 0, name: 'padding', type: 'octetArray' },
    { pen: 2011, id: 701, name: 'list_1', type: 'subTemplateMultiList' },
  ]);
});

/** RFC 7012 section 3.1 abstract data types, plus the list types of RFC 6313 section 4.5. */
const RFC_TYPES = [
  'octetArray', 'unsigned8', 'unsigned16', 'unsigned32', 'unsigned64', 'signed8', 'signed16', 'signed32', 'signed64',
  'float32', 'float64', 'boolean', 'macAddress', 'string', 'dateTimeSeconds', 'dateTimeMilliseconds',
  'dateTimeMicroseconds', 'dateTimeNanoseconds', 'ipv4Address', 'ipv6Address',
  'basicList', 'subTemplateList', 'subTemplateMultiList',
];
const EVERY_TYPE = RFC_TYPES.map((type, i) => `32473 ${i} element${i} ${type}`).join('\n');

test('element definitions: every IANA abstract data type is accepted', () => {
  assert.deepEqual(parseElementDefinitions(EVERY_TYPE).map((d) => d.type), RFC_TYPES);
});

test('element definitions: empty text or only comments gives no definitions', () => {
  assert.deepEqual(parseElementDefinitions(''), []);
  assert.deepEqual(parseElementDefinitions('\n  \n# nothing\n\t# here\n'), []);
});

const BAD_LINES: Array<[string, RegExp]> = [
  ['32473 1 name', /line 1: expected 4 fields "PEN ID NAME TYPE", found 3/],
  ['32473 1 name string extra', /line 1: expected 4 fields .*found 5/],
  ['# c\n\nx 1 name string', /line 3: PEN "x" is not a number from 0 to 4294967295/],
  ['-1 1 name string', /line 1: PEN "-1" is not a number/],
  ['4294967296 1 name string', /line 1: PEN "4294967296" is not a number from 0 to 4294967295/],
  ['0 65536 name string', /line 1: id "65536" is not a number from 0 to 65535$/],
  ['32473 32768 name string', /line 1: id "32768" is not a number from 0 to 32767 \(15 bits with a PEN\)/],
  ['32473 0x10 name string', /line 1: id "0x10" is not a number/],
  ['32473 1.5 name string', /line 1: id "1.5" is not a number/],
  ['32473 1 9lives string', /line 1: name "9lives" must be letters, digits and _/],
  ['32473 1 my-name string', /line 1: name "my-name" must be/],
  ['32473 1 name uint32', /line 1: type "uint32" is not an IANA abstract data type/],
  ['32473 1 name String', /line 1: type "String" is not an IANA abstract data type/],
];
const DUPLICATE: [string, RegExp] = ['32473 1 a string\n32473 2 b string\n32473 01 c string', /line 3: PEN 32473 id 1 is already defined on line 1/];

test('element definitions: every bad line is named with its line number and the reason', () => {
  for (const [text, message] of [...BAD_LINES, DUPLICATE]) {
    assert.throws(() => parseElementDefinitions(text), (err: Error) => {
      assert.match(err.message, /^element definitions: /);
      assert.match(err.message, message, text);
      return true;
    });
  }
});

test('element definitions: all bad lines are reported together, good ones are not', () => {
  const text = '32473 1 good string\n32473 2 bad\n0 8 sourceAddress ipv4Address\n32473 3 x float128';
  assert.throws(() => parseElementDefinitions(text), (err: Error) => {
    assert.equal(err.message,
      'element definitions: line 2: expected 4 fields "PEN ID NAME TYPE", found 3; ' +
      'line 4: type "float128" is not an IANA abstract data type (unsigned32, string, ipv4Address, …)');
    return true;
  });
});

/**
 * The `validate` function of the elements field as the node's editor runs it: the shared scripts
 * the node's HTML loads (built from the library and from editor/) run first, then the node's own
 * script registers the type with a stand-in RED that keeps its definition.
 */
function editorValidator(set: string): (text: string) => true | string {
  const html = readFileSync(join(__dirname, '..', '..', 'nodes', set, `${set}.html`), 'utf8');
  const shared = [...html.matchAll(/<script type="text\/javascript" src="resources\/@wirescope\/node-red\/([a-z-]+\.js)"><\/script>/g)];
  const inline = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)!;
  assert.ok(shared.some((s) => s[1] === 'element-definitions.js'), `${set}: loads the element-definitions rules`);
  assert.ok(shared.every((s) => s.index! < inline.index), `${set}: loads the shared scripts before its own`);
  const definitions: Record<string, any> = {};
  const templates = new Map([...html.matchAll(/<script type="text\/html" data-template-name="([^"]+)">([\s\S]*?)<\/script>/g)]
    .map((m) => [m[1], { textContent: m[2] }]));
  const context: Record<string, unknown> = {
    RED: {
      nodes: { registerType: (type: string, definition: unknown) => { definitions[type] = definition; } },
      // Every RED.validators.x(...) the node's other defaults use: not what this test checks.
      validators: new Proxy({}, { get: () => () => () => true }),
    },
    document: { querySelector: (selector: string) => templates.get(/data-template-name="([^"]+)"/.exec(selector)![1]) },
  };
  context.window = context;
  for (const [, file] of shared) runInNewContext(readFileSync(join(__dirname, '..', '..', 'resources', file), 'utf8'), context);
  runInNewContext(inline[1], context);
  const validate = definitions[`wirescope-${set}`]?.defaults?.elements?.validate;
  assert.equal(typeof validate, 'function', `${set}: elements.validate`);
  // Node-RED 3+ takes a returned string as the reason only from a two-parameter validator; with
  // one parameter any string counts as valid.
  assert.equal(validate.length, 2, `${set}: validate(value, opt)`);
  // The editor calls it on the node, whose _() reads the node's message catalogue and fills
  // __line__ and __problem__; this stand-in shows the key and the line.
  const node = { _: (key: string, args: { line: number; problem: string }) => `${key} line ${args.line}: ${args.problem}` };
  return (text) => validate.call(node, text, {});
}

for (const set of ['flow-decode', 'flow-collector']) {
  test(`element definitions: the ${set} editor accepts and rejects the lines the parser does`, () => {
    const validate = editorValidator(set);
    assert.equal(validate(''), true);
    assert.equal(validate(GOOD_TEXT), true);
    assert.equal(validate(EVERY_TYPE), true);
    // The editor names the first bad line with the parser's own words.
    for (const [text, message] of [...BAD_LINES, DUPLICATE]) {
      const shown = validate(text);
      assert.match(String(shown), new RegExp(`^${set}\\.errors\\.element-line `), text);
      assert.match(String(shown), message, text);
    }
  });
}
