// Renders DOT in a worker thread with a timeout. One worker is kept warm (loading the WebAssembly
// module takes a moment); a render that overruns its timeout terminates the worker, and the next
// render starts a fresh one.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../shared/start-worker';
import type { Engine, FontSet, OutputFormat, RenderOutput, RenderRequest, RenderResponse } from './render-types';

/** A request without its id (the renderer numbers them). */
export type Job = RenderRequest extends infer R ? (R extends RenderRequest ? Omit<R, 'id'> : never) : never;

export class DotSyntaxError extends Error {
  constructor(message: string, readonly line?: number, readonly lineText?: string) {
    super(message);
    this.name = 'DotSyntaxError';
  }
}

/** Graphviz says "syntax error in line 2 near ';'"; add the line itself so the user sees what is wrong. */
function explain(error: string, dot: string): Error {
  const match = /syntax error in line (\d+)(?: near '([^']*)')?/.exec(error);
  if (!match) return new Error(`Graphviz: ${error.trim()}`);
  const line = Number(match[1]);
  const lineText = dot.split(/\r?\n/)[line - 1] ?? '';
  return new DotSyntaxError(`bad DOT: syntax error in line ${line}${match[2] !== undefined ? ` near '${match[2]}'` : ''}: ${lineText.trim()}`, line, lineText);
}

export class GraphvizRenderer {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: RenderResponse) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly timeoutMs: number) {}

  /** DOT text → SVG/DOT text or a PNG. */
  async render(dot: string, engine: Engine, format: OutputFormat, scale = 1, font?: FontSet): Promise<string | Buffer> {
    const output = await this.run({ kind: 'dot', dot, engine, format, scale, font });
    return output.png ? Buffer.from(output.png.buffer, output.png.byteOffset, output.png.byteLength) : output.text ?? '';
  }

  /** Any job; the whole of it (layout passes and rasterising) counts against the timeout. */
  async run(job: Job): Promise<RenderOutput> {
    const id = this.nextId++;
    const request = { ...job, id } as RenderRequest;
    const worker = this.ensureWorker();
    const response = await new Promise<RenderResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        // The layout may never return: only a fresh thread gets us out of it.
        this.stopWorker(new Error(`Graphviz render cancelled: another render on this worker timed out`));
        reject(new Error(`Graphviz ${job.kind === 'dot' ? job.engine : 'dot/neato'} layout timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage(request);
    });
    if (!response.ok) throw explain(response.error, job.kind === 'dot' ? job.dot : '');
    return response;
  }

  close(): Promise<void> {
    const worker = this.worker;
    this.stopWorker(new Error('Graphviz renderer closed'));
    return worker ? worker.terminate().then(() => undefined) : Promise.resolve();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(__dirname, 'render-worker');
    worker.unref();
    worker.on('message', (response: RenderResponse) => {
      const waiting = this.pending.get(response.id);
      if (!waiting) return;
      clearTimeout(waiting.timer);
      this.pending.delete(response.id);
      waiting.resolve(response);
    });
    worker.on('error', (error) => this.stopWorker(error));
    worker.on('exit', () => { if (this.worker === worker) this.stopWorker(new Error('Graphviz worker exited')); });
    this.worker = worker;
    return worker;
  }

  private stopWorker(reason: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(reason);
      this.pending.delete(id);
    }
    void worker?.terminate();
  }
}
