// The LLDP demo flow in a real Node-RED 4 (the pack installed from dist/ as the palette would):
// saved lldpcli JSON of the lab → lldp poll → graphviz → HTTP endpoint and admin image URL.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeRed, repoRoot, type FlowNode } from '../helpers/node-red';

let red: NodeRed | undefined;
after(async () => { await red?.stop(); });

test('demo/lldp.json draws the bundled lab topology', async () => {
  const text = readFileSync(join(repoRoot, 'demo/lldp.json'), 'utf8').replaceAll('${WIRESCOPE_DEMO_DATA}', join(repoRoot, 'demo/data'));
  red = await NodeRed.start();
  await red.deploy(JSON.parse(text) as FlowNode[]);
  await red.waitForStatus('lldp-demo-poll', (s) => /5 dev, 5 links/.test(s.text ?? ''));
  await red.waitForStatus('lldp-demo-gv', (s) => /^svg /.test(s.text ?? ''));
  const svg = await (await fetch(`http://127.0.0.1:${red.port}/lldp-demo/topology.svg`)).text();
  // The lab is a ring dev0–dev1–dev2–dev3 with dev4 hanging off dev2 (test/helpers/lldp-lab.ts).
  const titles = [...svg.matchAll(/<g id="[^"]*" class="node device[^"]*">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]).sort();
  assert.deepEqual(titles, ['dev0', 'dev1', 'dev2', 'dev3', 'dev4']);
  // Edge ids are the link ids, "device|port--device|port".
  const edges = [...svg.matchAll(/<g id="([^"]*)" class="edge link[^"]*">/g)]
    .map((m) => m[1].replace(/&#45;/g, '-').split('--').map((end) => end.split('|')[0]).sort().join('--')).sort();
  assert.deepEqual(edges, ['dev0--dev1', 'dev0--dev3', 'dev1--dev2', 'dev2--dev3', 'dev2--dev4']);
  const image = await fetch(`http://127.0.0.1:${red.port}/wirescope/graphviz/lldp-demo-gv/image`);
  assert.equal(image.status, 200);
  assert.match(image.headers.get('content-type') ?? '', /image\/svg\+xml/);
});
