// A node whose configuration cannot work still takes its input, and refuses every message with the
// reason: done(err) reaches Catch nodes, where returning without an input handler would drop each
// message silently. The status goes red and the reason is logged once, at deploy.
import type { Node } from 'node-red';

export function failClosed(node: Node, statusText: string, problem: string): void {
  node.status({ fill: 'red', shape: 'ring', text: statusText });
  node.error(problem);
  node.on('input', (_msg: unknown, _send: unknown, done: (err?: Error) => void) => done(new Error(problem)));
}
