// es bulk in node-red-node-test-helper: the paths that need no cluster — no connection
// configured, a host where nothing listens (a real closed port), the stats message, and a
// close that leaves nothing behind.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collect, helper, loadFlow, startServer, stopServer } from '../helpers/node-test';
import { freePort, waitUntil } from '../helpers/node-red';

const esConfig = require('../../nodes/es-config/es-config.ts');
const esBulk = require('../../nodes/es-bulk/es-bulk.ts');

function flow(url: string, extra: object = {}) {
  return [
    { id: 'conf', type: 'wirescope-es-config', urls: url, authType: 'basic', timeout: 5000 },
    {
      id: 'bulk', type: 'wirescope-es-bulk', server: 'conf', index: 'x-%Y.%m.%d', indexMode: 'pattern', timeField: '@timestamp',
      idMode: 'hash', batchDocs: 10, flushMs: 50, maxInFlight: 1, maxRetries: 1, spool: false, installTemplate: false, retentionDays: 0,
      wires: [['stats'], ['fail']], ...extra,
    },
    { id: 'stats', type: 'helper' },
    { id: 'fail', type: 'helper' },
  ];
}

describe('es bulk (node)', () => {
  before(startServer);
  after(stopServer);
  beforeEach(() => helper.unload());

  it('without a connection every input fails with a clear error', async () => {
    await loadFlow([esConfig, esBulk], [{ id: 'bulk', type: 'wirescope-es-bulk', server: 'missing', wires: [[], []] }]);
    // The helper adds spy events ('call:error') that @types/node-red does not know.
    const bulk = helper.getNode('bulk') as unknown as { on(event: string, listener: (call: { args: unknown[] }) => void): void; receive(msg: object): void };
    const errors: string[] = [];
    bulk.on('call:error', (call) => errors.push(String(call.args[0])));
    bulk.receive({ payload: { '@timestamp': '2024-01-01T00:00:00Z' } });
    await waitUntil('the error', () => errors.length === 1);
    // The helper runs without the message catalog, so the key stands in for the English text.
    assert.match(errors[0], /no es config connection|es-bulk.errors.noConfig/);
  });

  it('a host where nothing listens: documents come out as failures with the cause, never the password', async () => {
    const port = await freePort(); // nothing listens there
    const password = 'do-not-leak-' + port;
    await loadFlow([esConfig, esBulk], flow(`http://127.0.0.1:${port}`), { conf: { username: 'u', password } });
    const failures = collect('fail');
    const stats = collect('stats');
    helper.getNode('bulk').receive({ payload: [{ '@timestamp': '2024-01-01T00:00:00Z', n: 1 }, { '@timestamp': '2024-01-02T00:00:00Z', n: 2 }, 'not an object'] });
    helper.getNode('bulk').receive({ flush: true });
    await waitUntil('three failures', () => failures.length === 3, 20000);
    const byN = new Map(failures.filter((f) => f.payload?.n).map((f) => [f.payload.n, f]));
    assert.equal(byN.get(1).index, 'x-2024.01.01');
    assert.equal(byN.get(2).index, 'x-2024.01.02');
    assert.match(byN.get(1).reason, /gave up after 2 attempts: connection refused/);
    assert.match(failures.find((f) => f.payload === 'not an object').reason, /not a JSON object|es-bulk.errors.notObject/);
    helper.getNode('bulk').receive({ topic: 'stats' });
    await waitUntil('stats', () => stats.length === 1);
    assert.equal(stats[0].payload.failed, 3);
    assert.equal(stats[0].payload.indexed, 0);
    assert.ok(!JSON.stringify(failures).includes(password));
  });
});
