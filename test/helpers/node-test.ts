// node-red-node-test-helper with promises: load a flow of our nodes (from their TypeScript
// sources) plus helper nodes, and collect what reaches each helper node.
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

export async function loadFlow(nodeModules: unknown[], flow: object[], credentials?: object): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    try {
      helper.load(nodeModules as any, flow as any, (credentials ?? {}) as any, () => resolve());
    } catch (err) {
      reject(err);
    }
  });
}

/** A loaded node with the test helper's sinon spies (status, error…) and its call:* events. */
export function testNode(id: string): any {
  return helper.getNode(id);
}

/** Every message that reaches the helper node `id`, as it arrives. */
export function collect(id: string): any[] {
  const received: any[] = [];
  helper.getNode(id).on('input', (msg: any) => received.push(msg));
  return received;
}

export async function startServer(): Promise<void> {
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
}

export async function stopServer(): Promise<void> {
  await helper.unload();
  await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
}
