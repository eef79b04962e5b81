// The offline part of the Node-RED flow-library scorecard (`node-red-dev validate`), which needs
// the catalogue host to run: package metadata, literal node definitions the library can read,
// an example flow for every node, and our own house rules (help, locales, icons, type prefix).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as acorn from 'acorn';
import * as walk from 'acorn-walk';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeSets: Record<string, string> = pkg['node-red'].nodes;

interface NodeDefinition { type: string; category: unknown; icon: unknown; set: string; html: string }

/** What the flow library does: parse each text/javascript block and read registerType's literals. */
function definitionsOf(set: string): NodeDefinition[] {
  const htmlPath = join(root, 'nodes', set, `${set}.html`);
  const html = readFileSync(htmlPath, 'utf8');
  const scripts = [...html.matchAll(/<script[^>]+type=['"]text\/javascript['"][^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]);
  const found: NodeDefinition[] = [];
  for (const source of scripts) {
    walk.simple(acorn.parse(source, { ecmaVersion: 'latest' }), {
      CallExpression(node: any) {
        if (node.callee.property?.name !== 'registerType') return;
        const [typeNode, defNode] = node.arguments;
        assert.equal(typeNode.type, 'Literal', `${set}: registerType's type must be a literal`);
        assert.equal(defNode.type, 'ObjectExpression', `${set}: registerType's definition must be an inline object`);
        const literal = (key: string) => {
          const prop = defNode.properties.find((p: any) => p.key?.name === key);
          if (!prop) return undefined;
          assert.equal(prop.value.type, 'Literal', `${set}: ${key} must be a literal`);
          return prop.value.value;
        };
        found.push({ type: typeNode.value, category: literal('category'), icon: literal('icon'), set, html });
      },
    });
  }
  return found;
}

const definitions = Object.keys(nodeSets).flatMap(definitionsOf);
const exampleTypes = new Set(
  readdirSync(join(root, 'examples'))
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => (JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')) as Array<{ type: string }>).map((n) => n.type)),
);

describe('package metadata (scorecard P01-P07, D01-D02)', () => {
  it('has a licence, a repository, a scoped name and the node-red keyword', () => {
    assert.ok(pkg.license && existsSync(join(root, 'LICENSE')));
    assert.ok(pkg.repository?.url || pkg.bugs);
    assert.match(pkg.name, /^@[a-z0-9-]+\/[a-z0-9-]+$/);
    assert.ok(pkg.keywords.includes('node-red'));
  });
  // Supported: Node-RED 5 on Node 22/24 and Node-RED 4.1 on Node 20/22 (test/e2e/runtime-matrix.test.ts runs each).
  it('declares Node-RED >=4.1.0 and Node >=20', () => {
    assert.equal(pkg['node-red'].version, '>=4.1.0');
    assert.equal(pkg.engines.node, '>=20');
  });
  it('has at most 6 dependencies and none on Node-RED itself', () => {
    const deps = Object.keys(pkg.dependencies ?? {});
    assert.ok(deps.length <= 6, `dependencies: ${deps.join(', ')}`);
    for (const forbidden of ['node-red', 'node-red-dev', '@node-red/runtime', 'node-red-node-test-helper']) assert.ok(!deps.includes(forbidden), forbidden);
  });
  it('exports the decoder library as ./decoders', () => {
    assert.equal(pkg.exports['./decoders'], './dist/nodes/common/index.js');
  });
});

describe('node definitions', () => {
  it('has one definition per node set, typed wirescope-<set>', () => {
    for (const set of Object.keys(nodeSets)) {
      assert.equal(nodeSets[set], `dist/nodes/${set}/${set}.js`);
      assert.ok(existsSync(join(root, 'nodes', set, `${set}.ts`)), `${set}.ts`);
      assert.ok(definitions.some((d) => d.set === set && d.type === `wirescope-${set}`), `wirescope-${set} in ${set}.html`);
    }
  });
  for (const def of definitions) {
    describe(def.type, () => {
      it('has the literal category wirescope (or config) and its own icon', () => {
        assert.ok(def.category === 'wirescope' || def.category === 'config', String(def.category));
        if (def.category !== 'config') {
          assert.equal(typeof def.icon, 'string');
          const icon = String(def.icon);
          assert.ok(!icon.includes('/') && existsSync(join(root, 'icons', icon)), `icons/${icon}`);
        }
      });
      it('has help text in English and Chinese', () => {
        const help = def.html.match(new RegExp(`data-help-name=["']${def.type}["'][^>]*>([\\s\\S]*?)</script>`));
        assert.ok(help && help[1].trim().length > 200, 'English help');
        const zh = join(root, 'locales', 'zh-CN', `${def.set}.html`);
        assert.ok(existsSync(zh) && readFileSync(zh, 'utf8').includes(`data-help-name="${def.type}"`), 'zh-CN help');
      });
      it('has en-US and zh-CN message catalogues with the same keys', () => {
        const keys = (lang: string) => {
          const file = join(root, 'locales', lang, `${def.set}.json`);
          assert.ok(existsSync(file), file);
          const flat: string[] = [];
          const visit = (o: any, prefix: string) => Object.entries(o).forEach(([k, v]) => (typeof v === 'object' ? visit(v, `${prefix}${k}.`) : flat.push(prefix + k)));
          visit(JSON.parse(readFileSync(file, 'utf8')), '');
          return flat.sort();
        };
        assert.deepEqual(keys('zh-CN'), keys('en-US'));
      });
      it('appears in an example flow (scorecard N02)', () => {
        if (def.category !== 'config') assert.ok(exampleTypes.has(def.type), `no example uses ${def.type}`);
      });
    });
  }
});
