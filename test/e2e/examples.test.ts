// Every example flow, imported as a user would into a fresh Node-RED with only the pack installed,
// deploys with no runtime error in the log and no red status. The list is the directory, so
// examples added later are covered too. Examples that index into Elasticsearch get the bundled one
// (a user runs them against theirs): their es config points at it instead of 127.0.0.1:9200.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeRed, repoRoot, waitUntil, type FlowNode } from '../helpers/node-red';
import { Elasticsearch, elasticsearchMissing } from '../helpers/elasticsearch';
import { requireReal } from '../helpers/real';

const examplesDir = join(repoRoot, 'examples');
const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort();
/** How long a deployed example runs before we look: long enough for connects, reads and first polls. */
const SETTLE_MS = 4000;

describe('every example deploys clean', () => {
  let nodeRed: NodeRed;
  let es: Promise<Elasticsearch> | undefined;
  const needsEs = examples.some((f) => readFileSync(join(examplesDir, f), 'utf8').includes('"wirescope-es-config"'));
  before(async () => {
    // Elasticsearch starts slowly: beside Node-RED, not when the first example needs it.
    if (needsEs && !elasticsearchMissing()) es = Elasticsearch.shared();
    es?.catch(() => undefined); // reported by the examples that need it
    nodeRed = await NodeRed.start();
  });
  after(async () => {
    await nodeRed?.stop();
    await (await es?.catch(() => undefined))?.stop();
  });

  it('finds the examples', () => {
    assert.ok(examples.length >= 16, `only ${examples.length} examples`);
  });

  for (const file of examples) {
    it(file, async (t) => {
      const flow = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as FlowNode[];
      const esConfigs = flow.filter((n) => n.type === 'wirescope-es-config');
      if (esConfigs.length > 0) {
        if (!requireReal(t, !!es, elasticsearchMissing() ?? 'Elasticsearch')) return;
        const url = (await es!).url;
        for (const config of esConfigs) config.urls = url;
      }
      const ids = new Set(flow.map((n) => n.id));
      const logStart = nodeRed.logs.length;
      await nodeRed.deploy(flow);
      const settled = Date.now() + SETTLE_MS;
      await waitUntil('the example to run a while', () => Date.now() >= settled, SETTLE_MS + 5000, 200);
      // The example's own errors, and errors no node claims; the example deployed before it may still be closing.
      const labels = new Set(flow.flatMap((n) => [n.id, String(n.name ?? '')]).filter(Boolean));
      const errors = nodeRed.logs.slice(logStart).filter((line) => {
        if (!/\[error\]/.test(line)) return false;
        const source = /\[error\] \[[^:\]]+:([^\]]+)\]/.exec(line);
        return !source || labels.has(source[1]);
      });
      assert.deepEqual(errors, [], `runtime errors deploying ${file}`);
      const red = [...ids].flatMap((id) => (nodeRed.statuses.get(id) ?? []).filter((s) => s.fill === 'red').map((s) => `${id}: ${s.text}`));
      assert.deepEqual(red, [], `red status deploying ${file}`);
      // pcap in's default engine is auto, and its status says which engine it took.
      for (const capture of flow.filter((n) => n.type === 'wirescope-pcap-in')) {
        assert.match(nodeRed.lastStatus(capture.id)?.text ?? '', /\((cap|tcpdump)\)|pkt\/s/, `pcap in ${capture.id} status`);
      }
    });
  }
});
