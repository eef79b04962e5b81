// Build: compile TypeScript to dist/, then place each node's editor HTML, the icons
// and its locale files next to its compiled .js — Node-RED only looks there.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
// dist/ is not wiped: tsc overwrites what it emits, and a concurrent test run may be reading it.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });

const nodesDir = join(root, 'nodes');
const languages = readdirSync(join(root, 'locales'));
for (const nodeName of readdirSync(nodesDir)) {
  const source = join(nodesDir, nodeName);
  if (!statSync(source).isDirectory() || !existsSync(join(source, nodeName + '.html'))) continue;
  const target = join(dist, 'nodes', nodeName);
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source)) {
    if (file.endsWith('.html')) cpSync(join(source, file), join(target, file));
  }
  cpSync(join(root, 'icons'), join(target, 'icons'), { recursive: true });
  for (const language of languages) {
    for (const ext of ['.json', '.html']) {
      const localeFile = join(root, 'locales', language, nodeName + ext);
      if (!existsSync(localeFile)) continue;
      mkdirSync(join(target, 'locales', language), { recursive: true });
      cpSync(localeFile, join(target, 'locales', language, nodeName + ext));
    }
  }
}
console.log('build: dist/ ready');
