// User element definitions as text ("PEN ID NAME TYPE" per line), the flow nodes' config field.
// Limits from RFC 7011 section 3.2 (32-bit PEN, 15-bit id with the enterprise bit), RFC 3954
// (16-bit v9 ids), types from RFC 7012 section 3.1 and RFC 6313.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';
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

/** The `validate` function of the elements field in a node's editor HTML, as the editor runs it. */
function editorValidator(set: string): (text: string) => true | string {
  const html = readFileSync(join(__dirname, '..', '..', 'nodes', set, `${set}.html`), 'utf8');
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1];
  let source: string | undefined;
  walk.simple(acorn.parse(script, { ecmaVersion: 'latest' }), {
    Property(node: any) {
      if (node.key?.name !== 'elements' || node.value.type !== 'ObjectExpression') return;
      const validate = node.value.properties.find((p: any) => p.key?.name === 'validate');
      source = script.slice(validate.value.start, validate.value.end);
    },
  });
  assert.ok(source, `${set}: elements.validate`);
  // The editor loads the shared rules script (built from the library) before the node's own script.
  const resource = /<script type="text\/javascript" src="resources\/@wirescope\/node-red\/([a-z-]+\.js)"><\/script>/.exec(html);
  assert.ok(resource && html.indexOf(resource[0]) < html.indexOf(script), `${set}: loads the shared rules script first`);
  const window: Record<string, unknown> = {};
  runInNewContext(readFileSync(join(__dirname, '..', '..', 'resources', resource[1]), 'utf8'), { window });
  const validate = new Function('window', `return (${source});`)(window);
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
