// Starts Node-RED with the pack installed in a user dir under .cache/demo and the demo flows
// deployed. Every demo/*.json is a tab of nodes; `${WIRESCOPE_DEMO_DATA}` inside them becomes the
// absolute path of demo/data. WIRESCOPE_DEMO_PORT overrides the port (tests use a free one).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const port = Number(process.env.WIRESCOPE_DEMO_PORT ?? 1880);
const userDir = process.env.WIRESCOPE_DEMO_USERDIR ?? join(root, '.cache', 'demo');
const dataDir = join(root, 'demo', 'data');
const outputDir = join(userDir, 'output');

mkdirSync(join(userDir, 'node_modules', '@wirescope'), { recursive: true });
mkdirSync(outputDir, { recursive: true });
rmSync(join(userDir, 'node_modules', '@wirescope', 'node-red'), { force: true });
symlinkSync(root, join(userDir, 'node_modules', '@wirescope', 'node-red'), 'dir');
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

console.log(`demo: Node-RED on http://127.0.0.1:${port}/ with ${flows.filter((n) => n.type === 'tab').length} demo tab(s); output files in ${outputDir}`);
const child = spawn(process.execPath, [join(root, 'node_modules/node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
