// Fail closed: every node type that takes input, deployed with a configuration that cannot work,
// shows a red status and refuses each message with done(err), which a Catch node receives. The
// node types come from package.json and their editor definitions, so a new node needs a case here.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageSink, NodeRed, repoRoot, type FlowNode } from '../helpers/node-red';

/** A configuration each node type cannot work with. */
const BAD_CONFIG: Record<string, Record<string, unknown>> = {
  'wirescope-pcap-file-in': { filter: 'tcp and frobnicate' },
  'wirescope-pcap-file-out': { filename: '' },
  'wirescope-flow-collector': { ports: 'not-a-port' },
  'wirescope-flow-decode': { elements: 'this is not an element definition' },
  'wirescope-es-bulk': { server: '' },
  'wirescope-rtp-stats': { clockRates: 'opus' },
  'wirescope-zmq-out': { socketType: 'push', mode: 'bind', endpoints: 'tcp://127.0.0.1:0', sendTimeout: 'soon' },
  'wirescope-graphviz': { graphAttributes: '{not json' },
  'wirescope-lldp-poll': { source: 'lldpcli', excludePorts: '(unclosed' },
  'wirescope-flow-enrich': { exporterNames: 'only-one-field-on-this-line a b c' },
  'wirescope-flow-aggregate': { primitives: 'src_host', filter: 'tcp and frobnicate' },
};

/** Node types (from package.json) whose editor definition has an input. */
function typesWithInput(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  return Object.keys(pkg['node-red'].nodes).flatMap((name) => {
    const html = readFileSync(join(repoRoot, 'nodes', name, `${name}.html`), 'utf8');
    return /inputs:\s*1/.test(html) ? [`wirescope-${name}`] : [];
  });
}

describe('a node with a bad configuration fails every message', () => {
  let nodeRed: NodeRed;
  let sink: MessageSink;
  before(async () => {
    sink = await MessageSink.start();
    nodeRed = await NodeRed.start();
  });
  after(async () => {
    await nodeRed?.stop();
    await sink?.stop();
  });

  it('every node type with an input has a case here', () => {
    assert.deepEqual(typesWithInput().filter((t) => !BAD_CONFIG[t]), []);
  });

  for (const type of typesWithInput()) {
    it(type, async () => {
      // Ids of their own per case: a full deploy that only rewires a kept node trips Node-RED.
      const id = `bad-${type}`;
      const flow: FlowNode[] = [
        { id: `${id}-inject`, type: 'inject', props: [{ p: 'payload' }], payload: 'x', payloadType: 'str', once: true, onceDelay: '0.5', wires: [[id]] },
        { id, type, name: 'bad', ...BAD_CONFIG[type], wires: [[], [], []] },
        { id: `${id}-catch`, type: 'catch', scope: null, uncaught: false, wires: [[`${id}-sink`]] },
        ...sink.sinkNodes(`${id}-sink`, type),
      ];
      await nodeRed.deploy(flow);
      const [caught] = await sink.waitFor(type, 1, 30000);
      assert.equal(caught.error?.source?.id, id, `the error comes from the ${type} node`);
      assert.ok(String(caught.error?.message ?? '').length > 0);
      assert.equal(nodeRed.statuses.get(id)?.at(-1)?.fill, 'red');
    });
  }
});
