// Starts Node-RED with the pack installed in a user dir under .cache/demo and the demo flows
// deployed. Every demo/*.json is a tab of nodes; `${WIRESCOPE_DEMO_DATA}` inside them becomes the
// absolute path of demo/data. WIRESCOPE_DEMO_PORT overrides the port (tests use a free one).
// Node-RED 5 on Node 22 by default; WIRESCOPE_NODE_RED=4 runs Node-RED 4.1 on the system Node
// (the runtimes and the pack's place in the user dir come from test/helpers/runtime.ts).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { register } from 'tsx/cjs/api';

register();
const { describeRuntime, placeRuntime, runtime } = createRequire(import.meta.url)('../test/helpers/runtime.ts');

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const port = Number(process.env.WIRESCOPE_DEMO_PORT ?? 1880);
const userDir = process.env.WIRESCOPE_DEMO_USERDIR ?? join(root, '.cache', 'demo');
const dataDir = join(root, 'demo', 'data');
const outputDir = join(userDir, 'output');

mkdirSync(outputDir, { recursive: true });
const nodeRed = runtime();
const placed = placeRuntime(nodeRed, userDir, false);
writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'wirescope-demo', private: true, dependencies: { '@wirescope/node-red': `file:${root}` } }, null, 2));

const flows = readdirSync(join(root, 'demo'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .flatMap((f) => {
    const text = readFileSync(join(root, 'demo', f), 'utf8')
      .replaceAll('${WIRESCOPE_DEMO_DATA}', dataDir)
      .replaceAll('${WIRESCOPE_DEMO_OUTPUT}', outputDir);
    return JSON.parse(text);
  });
writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows, null, 2));
writeFileSync(
  join(userDir, 'settings.js'),
  `module.exports = ${JSON.stringify({ uiHost: '127.0.0.1', uiPort: port, flowFile: 'flows.json', credentialSecret: 'wirescope-demo', editorTheme: { tours: false }, diagnostics: { enabled: false }, telemetry: { enabled: false } }, null, 2)};\n`,
);

console.log(`demo: ${describeRuntime(nodeRed)} on http://127.0.0.1:${port}/ with ${flows.filter((n) => n.type === 'tab').length} demo tab(s); output files in ${outputDir}`);
const child = spawn(placed.node, [placed.nodeRed, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
