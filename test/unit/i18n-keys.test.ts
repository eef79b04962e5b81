// Every message key a node uses — RED._('…') in its runtime, this._('…'), node._('…') and
// data-i18n="…" in its editor HTML — exists in that node's en-US and zh-CN catalogues. Node-RED
// looks a key up in the catalogue of the node set that uses it, so a key from another node's
// catalogue shows as the raw key. Every node folder is scanned, so new nodes are covered.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const nodesDir = join(root, 'nodes');
const LANGUAGES = ['en-US', 'zh-CN'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|html)$/.test(name) ? [path] : [];
  });
}

/** Literal keys (dynamic ones, built with + or ${}, cannot be checked here). */
function keysUsed(text: string): string[] {
  const keys: string[] = [];
  for (const m of text.matchAll(/(?:RED|this|node)\._\(\s*(['"`])([^'"`$]+)\1/g)) keys.push(m[2]);
  for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) {
    // "[placeholder]a.b;[title]c.d;e.f"
    for (const part of m[1].split(';')) keys.push(part.replace(/^\[[^\]]*\]/, ''));
  }
  return keys.filter((k) => k && !k.includes(':') && !k.endsWith('.'));
}

function has(catalogue: unknown, key: string): boolean {
  let at: unknown = catalogue;
  for (const part of key.split('.')) {
    if (!at || typeof at !== 'object' || !(part in (at as object))) return false;
    at = (at as Record<string, unknown>)[part];
  }
  return typeof at === 'string';
}

const nodeFolders = readdirSync(nodesDir).filter((name) => existsSync(join(nodesDir, name, `${name}.html`)));

describe('message keys exist in the node\'s catalogues', () => {
  it('scans every node folder', () => {
    assert.ok(nodeFolders.length >= 13, nodeFolders.join(', '));
  });
  for (const node of nodeFolders) {
    it(node, () => {
      const used = [...new Set(filesUnder(join(nodesDir, node)).flatMap((f) => keysUsed(readFileSync(f, 'utf8'))))];
      assert.ok(used.length > 0, `${node} uses no message key`);
      const missing: string[] = [];
      for (const language of LANGUAGES) {
        const file = join(root, 'locales', language, `${node}.json`);
        const catalogue = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
        for (const key of used) if (!has(catalogue, key)) missing.push(`${language}/${node}.json: ${key}`);
      }
      assert.deepEqual(missing, []);
    });
  }
});
