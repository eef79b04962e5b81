// Every labelled field of flow collector's and flow decode's edit dialogs (their own rows and the
// rows editor/flow-decoder-form.js fills in) is named in the node's help, in English and in Chinese:
// the help refers to a field by its label (the label's text up to a bracketed unit or note), so a
// field added without help, or a label renamed without the help, fails here.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const root = join(__dirname, '..', '..');
const NODES = ['flow-collector', 'flow-decode'];

function script(html: string, attribute: string, type: string): string {
  const m = html.match(new RegExp(`<script type="text/html" ${attribute}="${type}">([\\s\\S]*?)</script>`));
  assert.ok(m, `no ${attribute} script for ${type}`);
  return m[1];
}

/** The edit template as the editor shows it: the shared form's markers replaced by its rows. */
function editTemplate(node: string): string {
  const type = `wirescope-${node}`;
  const template = { textContent: script(readFileSync(join(root, 'nodes', node, `${node}.html`), 'utf8'), 'data-template-name', type) };
  const context = { window: {} as Record<string, any>, document: { querySelector: () => template } };
  runInNewContext(readFileSync(join(root, 'editor', 'flow-decoder-form.js'), 'utf8'), context);
  context.window.wirescopeFlowDecoderForm.fillTemplate(type, node);
  assert.doesNotMatch(template.textContent, /flow-decoder-form:/);
  return template.textContent;
}

/** Field id -> label key, for every `<label for="node-input-…">` (the name field aside). */
function labelledFields(template: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const m of template.matchAll(/<label for="node-input-(\w+)"([\s\S]*?)<\/label>/g)) {
    const key = m[2].match(/data-i18n="([\w.-]+\.label\.\w+)"/);
    assert.ok(key, `label of ${m[1]} has no label key`);
    if (m[1] !== 'name') fields.set(m[1], key[1]);
  }
  return fields;
}

function text(catalogue: Record<string, any>, key: string): string {
  const value: unknown = key.split('.').reduce<any>((at, part) => at?.[part], catalogue);
  assert.equal(typeof value, 'string', key);
  return (value as string).split(/\s*[(（]/)[0].trim();
}

describe('every editor field is named in the help', () => {
  for (const node of NODES) {
    const fields = labelledFields(editTemplate(node));
    it(`${node}: the form has its fields`, () => {
      for (const id of ['templateTtl', 'pendingTtl', 'applySampling', 'scopeByPort', 'elements', 'output']) assert.ok(fields.has(id), id);
    });
    const helps: Record<string, string> = {
      'en-US': script(readFileSync(join(root, 'nodes', node, `${node}.html`), 'utf8'), 'data-help-name', `wirescope-${node}`),
      'zh-CN': script(readFileSync(join(root, 'locales', 'zh-CN', `${node}.html`), 'utf8'), 'data-help-name', `wirescope-${node}`),
    };
    for (const [language, help] of Object.entries(helps)) {
      it(`${node}, ${language}`, () => {
        const catalogue = JSON.parse(readFileSync(join(root, 'locales', language, `${node}.json`), 'utf8'));
        const missing = [...fields].map(([id, key]) => [id, text(catalogue, key)]).filter(([, label]) => !help.includes(label));
        assert.deepEqual(missing, []);
      });
    }
  }
});
