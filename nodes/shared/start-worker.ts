// Starts a worker thread from a script beside the calling module: the compiled .js in dist/, or
// (running from the TypeScript sources, in tests) the .ts one through tsx.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(dir: string, name: string, options: WorkerOptions = {}): Worker {
  const compiled = join(dir, `${name}.js`);
  if (existsSync(compiled)) return new Worker(compiled, options);
  const source = join(dir, `${name}.ts`);
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { ...options, eval: true });
}
