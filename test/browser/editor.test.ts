// The editor in headless Chromium (Debian's chromium driven by playwright-core) against a real
// Node-RED with the pack installed: palette, icons, edit dialogs, help, example import, deploy, status.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { freePort, NodeRed, repoRoot } from '../helpers/node-red';
import { requireReal, requireRoot } from '../helpers/real';

const CHROMIUM = '/usr/bin/chromium';
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));

/**
 * Every node type and its editor fields, read from the editor HTML of each node set and from the
 * shared editor scripts (editor/, served from resources/) it loads.
 */
const nodeTypes = Object.keys(pkg['node-red'].nodes).flatMap((set) => {
  const html = readFileSync(join(repoRoot, 'nodes', set, `${set}.html`), 'utf8');
  const shared = [...html.matchAll(/src="resources\/@wirescope\/node-red\/([\w-]+\.js)"/g)]
    .map((m) => join(repoRoot, 'editor', m[1])).filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
  return [...html.matchAll(/registerType\('([^']+)',\s*\{\s*category:\s*'([^']+)'/g)].map((m) => ({
    type: m[1],
    category: m[2],
    set,
    fields: [html, ...shared].flatMap((text) => [...text.matchAll(/id="node-(?:config-)?input-([A-Za-z0-9_]+)"/g)].map((f) => f[1])),
  }));
});

describe('the editor in headless Chromium', () => {
  let nodeRed: NodeRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    nodeRed = await NodeRed.start();
    if (!existsSync(CHROMIUM)) return;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(nodeRed.url);
    await page.waitForSelector('#red-ui-palette-container', { timeout: 60000 });
    await page.waitForFunction(() => (window as any).RED?.nodes?.getType?.('wirescope-pcap-in'), undefined, { timeout: 60000 });
  });
  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
  });

  it('shows every Wirescope node in the wirescope category with its own icon', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium (npm test installs it)')) return;
    assert.ok(nodeTypes.length >= 3);
    for (const { type, category } of nodeTypes.filter((n) => n.category !== 'config')) {
      const entry = page.locator(`#red-ui-palette-${category} .red-ui-palette-node[data-palette-type="${type}"]`);
      assert.equal(await entry.count(), 1, `${type} in the ${category} palette category`);
      const icon = await entry.locator('.red-ui-palette-icon').evaluate((el) => getComputedStyle(el).backgroundImage);
      const set = nodeTypes.find((n) => n.type === type)!.set;
      assert.match(icon, new RegExp(`icons/@wirescope/node-red/${set}\\.svg`), `${type} icon`);
      const response = await page.request.get(`${nodeRed.url}/icons/@wirescope/node-red/${set}.svg`);
      assert.equal(response.status(), 200);
      assert.match(await response.text(), /<svg/);
    }
  });

  it('opens each node\'s edit dialog with its fields and its help', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium')) return;
    for (const { type, fields, category } of nodeTypes) {
      if (category === 'config') continue;
      await page.evaluate((nodeType) => {
        const RED = (window as any).RED;
        RED.view.importNodes([{ id: `edit-${nodeType}`, type: nodeType, x: 200, y: 200, wires: [] }], { generateIds: false });
        RED.editor.edit(RED.nodes.node(`edit-${nodeType}`));
      }, type);
      const tray = page.locator('.red-ui-tray').last();
      await tray.waitFor({ state: 'visible' });
      // Nodes with credentials fetch them before the form is built: wait for the form.
      if (fields.length > 0) await tray.locator(`#node-input-${fields[0]}, #node-config-input-${fields[0]}`).first().waitFor({ state: 'attached', timeout: 10000 });
      for (const field of fields) {
        assert.equal(await tray.locator(`#node-input-${field}, #node-config-input-${field}`).count(), 1, `${type}: field ${field}`);
      }
      // Labels are translated, not raw i18n keys.
      const labels = await tray.locator('.red-ui-tray-body label').allInnerTexts();
      assert.ok(!labels.some((l) => /\b[a-z-]+\.label\.[a-zA-Z]+\b/.test(l)), `${type}: untranslated label in ${labels.join(' | ')}`);
      await page.evaluate(() => (window as any).RED.tray.close());
      await tray.waitFor({ state: 'detached' });
      await page.evaluate((nodeType) => (window as any).RED.sidebar.help.show(nodeType), type);
      const helpShown = await page.waitForFunction(
        (nodeType) => Array.from(document.querySelectorAll('.red-ui-help')).map((e) => e.textContent ?? '').find((text) => text.length > 200 && !text.includes(nodeType)),
        type,
        { timeout: 10000 },
      );
      assert.ok(String(await helpShown.jsonValue()).length > 200, `${type}: help text shown`);
      await page.evaluate((nodeType) => {
        const RED = (window as any).RED;
        RED.nodes.remove(`edit-${nodeType}`);
        RED.view.redraw(true);
      }, type);
    }
  });

  it('shows the zmq rows only where they do something: Subscribe on SUB, topic and string options with frames, Packed and Source with the capture protocol', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium')) return;
    // Each step: the settings picked in the dialog, then which rows must show.
    const cases: Array<{ type: string; steps: Array<{ set: Record<string, string>; shown: Record<string, boolean> }> }> = [
      { type: 'wirescope-zmq-in', steps: [
        { set: { socketType: 'pull', format: 'capture' }, shown: { subscriptions: false, topicFrame: false, asString: false, perPacket: true } },
        { set: { socketType: 'sub', format: 'capture' }, shown: { subscriptions: true, topicFrame: false, asString: false, perPacket: true } },
        { set: { socketType: 'sub', format: 'frames' }, shown: { subscriptions: true, topicFrame: true, asString: true, perPacket: false } },
        { set: { socketType: 'pull', format: 'frames' }, shown: { subscriptions: false, topicFrame: false, asString: true, perPacket: false } },
      ] },
      { type: 'wirescope-zmq-out', steps: [
        { set: { socketType: 'push', format: 'frames' }, shown: { packed: false, packPackets: false, source: false } },
        { set: { socketType: 'push', format: 'capture' }, shown: { packed: true, packPackets: false, source: true } },
        { set: { socketType: 'shard', format: 'capture' }, shown: { packed: false, packPackets: false, source: true } },
      ] },
    ];
    for (const { type, steps } of cases) {
      await page.evaluate((nodeType) => {
        const RED = (window as any).RED;
        RED.view.importNodes([{ id: `rows-${nodeType}`, type: nodeType, x: 200, y: 200, wires: [] }], { generateIds: false });
        RED.editor.edit(RED.nodes.node(`rows-${nodeType}`));
      }, type);
      const tray = page.locator('.red-ui-tray').last();
      await tray.locator('#node-input-format').waitFor({ state: 'attached', timeout: 10000 });
      for (const { set, shown } of steps) {
        const seen = await page.evaluate(({ set, fields }) => {
          const $ = (window as any).$;
          for (const [field, value] of Object.entries(set)) $(`#node-input-${field}`).val(value).trigger('change');
          return Object.fromEntries(fields.map((field) => [field, $(`#node-input-${field}`).closest('.form-row').css('display') !== 'none']));
        }, { set, fields: Object.keys(shown) });
        assert.deepEqual(seen, shown, `${type} with ${JSON.stringify(set)}`);
      }
      await page.evaluate(() => (window as any).RED.tray.close());
      await tray.waitFor({ state: 'detached' });
      await page.evaluate((nodeType) => {
        const RED = (window as any).RED;
        RED.nodes.remove(`rows-${nodeType}`);
        RED.view.redraw(true);
      }, type);
    }
  });

  it('checks element definitions in both flow editors with the library\'s rules (resources/element-definitions.js)', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium')) return;
    const served = await page.request.get(`${nodeRed.url}/resources/@wirescope/node-red/element-definitions.js`);
    assert.equal(served.status(), 200, 'Node-RED serves the shared editor script');
    const good = '# tenant\n32473 1 exampleTenant string\n0 40000 v9Id unsigned16';
    const bad = '32473 1 exampleTenant string\n32473 40000 tooBig unsigned16';
    for (const type of ['wirescope-flow-collector', 'wirescope-flow-decode']) {
      // One evaluate per text, with no named helper inside (tsx would wrap it in a __name call the page lacks).
      const verdicts: Record<string, { valid: boolean; reason: unknown }> = {};
      for (const [which, elements] of Object.entries({ good, bad })) {
        verdicts[which] = await page.evaluate(({ type, elements, id }) => {
          const RED = (window as any).RED;
          // Every other field at its default, so `valid` speaks of the element definitions alone.
          const defaults = Object.entries(RED.nodes.getType(type).defaults).map(([name, d]) => [name, (d as { value: unknown }).value]);
          RED.view.importNodes([{ ...Object.fromEntries(defaults), id, type, x: 200, y: 200, wires: [], elements }], { generateIds: false });
          const node = RED.nodes.node(id);
          RED.editor.validateNode(node);
          const reason = RED.nodes.getType(type).defaults.elements.validate.call(node, elements, {});
          RED.nodes.remove(id);
          return { valid: node.valid, reason };
        }, { type, elements, id: `elements-${which}-${type}` });
      }
      assert.deepEqual(verdicts.good, { valid: true, reason: true }, type);
      assert.equal(verdicts.bad.valid, false, type);
      // The runtime parser's words for the same line (nodes/common/netflow/element-definitions.ts).
      assert.match(String(verdicts.bad.reason), /line 2: id "40000" is not a number from 0 to 32767 \(15 bits with a PEN\)/, type);
    }
    await page.evaluate(() => (window as any).RED.view.redraw(true));
  });

  it('fills in, checks and saves the decoder settings both flow editors share (resources/flow-decoder-form.js)', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium')) return;
    const served = await page.request.get(`${nodeRed.url}/resources/@wirescope/node-red/flow-decoder-form.js`);
    assert.equal(served.status(), 200, 'Node-RED serves the shared editor script');
    for (const set of ['flow-collector', 'flow-decode']) {
      const type = `wirescope-${set}`, id = `settings-${set}`;
      const labels = JSON.parse(readFileSync(join(repoRoot, 'locales/en-US', `${set}.json`), 'utf8'))[set].label;
      await page.evaluate(({ type, id }) => {
        const RED = (window as any).RED;
        RED.view.importNodes([{
          id, type, x: 200, y: 200, wires: [], templateTtl: 600, pendingTtl: 30, applySampling: true, scopeByPort: false, elements: '32473 1 exampleTenant string',
        }], { generateIds: false });
        RED.editor.edit(RED.nodes.node(id));
      }, { type, id });
      const tray = page.locator('.red-ui-tray').last();
      const elements = tray.locator('#node-input-elements');
      await elements.waitFor({ state: 'visible' });
      // Node-RED filled the shared rows from the node like its own fields, in the node's words.
      assert.equal(await tray.locator('#node-input-templateTtl').inputValue(), '600', type);
      assert.equal(await tray.locator('#node-input-pendingTtl').inputValue(), '30', type);
      assert.equal(await tray.locator('#node-input-applySampling').isChecked(), true, type);
      assert.equal(await tray.locator('#node-input-scopeByPort').isChecked(), false, type);
      assert.equal(await elements.inputValue(), '32473 1 exampleTenant string', type);
      for (const field of ['templateTtl', 'pendingTtl', 'applySampling', 'scopeByPort', 'elements']) {
        assert.equal((await tray.locator(`label[for="node-input-${field}"]`).innerText()).trim(), labels[field], `${type}: ${field} label`);
      }
      // Edits are checked as typed (the runtime's rules) and saved by Done.
      // fill() sends `input`; Node-RED checks a field on change/keyup/paste.
      await elements.fill('32473 40000 tooBig unsigned16');
      await elements.dispatchEvent('change');
      assert.match(await elements.getAttribute('class') ?? '', /\binput-error\b/, `${type}: a bad line marked`);
      await elements.fill('0 65 v9Element65 unsigned32');
      await elements.dispatchEvent('change');
      assert.doesNotMatch(await elements.getAttribute('class') ?? '', /\binput-error\b/, `${type}: a good line not marked`);
      await tray.locator('#node-input-templateTtl').fill('900');
      await tray.locator('#node-input-pendingTtl').fill('5');
      await tray.locator('#node-input-applySampling').uncheck();
      await tray.locator('#node-input-scopeByPort').check();
      await tray.locator('#node-dialog-ok').click();
      await tray.waitFor({ state: 'detached' });
      const saved = await page.evaluate((id) => {
        const RED = (window as any).RED;
        const n = RED.nodes.node(id);
        const values = { templateTtl: n.templateTtl, pendingTtl: n.pendingTtl, applySampling: n.applySampling, scopeByPort: n.scopeByPort, elements: n.elements };
        RED.nodes.remove(id);
        RED.view.redraw(true);
        return values;
      }, id);
      assert.deepEqual(saved, { templateTtl: '900', pendingTtl: '5', applySampling: false, scopeByPort: true, elements: '0 65 v9Element65 unsigned32' }, type);
    }
  });

  it('es config: Test connection shows one line per URL with that node\'s own answer', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium')) return;
    const missing = elasticsearchMissing();
    if (!requireReal(t, !missing, missing ?? '')) return;
    const es = await Elasticsearch.shared();
    try {
      // What Elasticsearch itself says its cluster and version are.
      const health = await es.request('GET', '/_cluster/health');
      const info = await es.request('GET', '/_nodes/_local?filter_path=nodes.*.version');
      const version = (Object.values(info.nodes)[0] as { version: string }).version;
      const dead = `http://127.0.0.1:${await freePort()}`;
      await page.evaluate(() => {
        const RED = (window as any).RED;
        RED.view.importNodes([{ id: 'es-test-config', type: 'wirescope-es-config', name: '', urls: '', authType: 'none', timeout: 10000 }], { generateIds: false });
        RED.editor.editConfig('', 'wirescope-es-config', 'es-test-config');
      });
      const tray = page.locator('.red-ui-tray').last();
      await tray.locator('#node-config-input-urls').waitFor({ state: 'visible' });
      await tray.locator('#node-config-input-urls').fill(`${es.url}, ${dead}`);
      await tray.locator('#wirescope-es-test').click();
      const rows = tray.locator('#wirescope-es-test-result > div');
      await rows.nth(1).waitFor({ timeout: 30000 });
      assert.equal(await rows.count(), 2);
      assert.equal(await rows.nth(0).textContent(), `${es.url}: connected: cluster ${health.cluster_name}, Elasticsearch ${version}`);
      assert.match(await rows.nth(1).textContent() ?? '', new RegExp(`^${dead.replace(/[.:/]/g, '\\$&')}: connection refused`));
      assert.deepEqual(await rows.evaluateAll((els) => els.map((el) => getComputedStyle(el).color)), ['rgb(0, 128, 0)', 'rgb(255, 0, 0)']);
      await tray.locator('#node-config-dialog-cancel').click();
      await page.evaluate(() => { const RED = (window as any).RED; RED.nodes.remove('es-test-config'); RED.view.redraw(true); });
    } finally {
      await es.stop();
    }
  });

  it('imports an example flow from the library, deploys it, and shows the node status', async (t) => {
    if (!requireReal(t, existsSync(CHROMIUM), 'Debian chromium') || !requireRoot(t, 'live capture in the example')) return;
    const example = await page.evaluate(async () => {
      const response = await fetch('library/examples/flows/@wirescope/node-red/pcap-live-capture');
      return response.ok ? response.json() : null;
    });
    assert.ok(Array.isArray(example), 'example served by the flow library');
    await page.evaluate((flow) => (window as any).RED.view.importNodes(flow), example);
    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('.red-ui-notification', { hasText: 'Successfully deployed' }).waitFor({ timeout: 20000 });
    const tab = (example as Array<{ id: string; type: string }>).find((n) => n.type === 'tab')!;
    await page.evaluate((id) => (window as any).RED.workspaces.show(id), tab.id);
    const deployed = await nodeRed.flowsJson();
    assert.ok(deployed.some((n) => n.type === 'wirescope-pcap-in'), 'pcap in deployed');
    const status = page.locator('.red-ui-flow-node-status-label', { hasText: 'capturing' });
    await status.first().waitFor({ timeout: 20000 });
    assert.match(await status.first().textContent() ?? '', /capturing on any|pkt\/s/);
  });
});
