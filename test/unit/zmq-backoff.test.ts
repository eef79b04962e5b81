// A CURVE client with the wrong server key against a real libzmq CURVE server: its failed
// handshakes back off (1 s, doubling, up to Reconnect max) instead of redialling at libzmq's
// reconnect interval forever (~7 failures a second were seen). Our redial timer runs on a mocked
// clock, so the schedule is checked by moving that clock, not by measuring time.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import * as zmq from 'zeromq';
import { freePort } from '../helpers/node-red';
import { socketOptions, watchSocket, monitorStatus, type MonitorState } from '../../nodes/shared/zmq-socket';
import { catalogueText } from '../helpers/catalogue';

// Kept before the clock is mocked: the waits below that prove nothing happens use real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realWait = (ms: number) => new Promise((r) => realSetTimeout(r, ms));

test('a wrong server key: failed handshakes back off 1 s, 2 s, 4 s, then stay at Reconnect max', async (t) => {
  const endpoint = `tcp://127.0.0.1:${await freePort()}`;
  const server = zmq.curveKeyPair();
  const impostor = zmq.curveKeyPair();
  const publisher = new zmq.Publisher({ curveServer: true, curveSecretKey: server.secretKey, linger: 0 });
  await publisher.bind(endpoint);
  // libzmq itself would redial every 100 ms: what the node's back-off has to tame.
  const config = { mode: 'connect' as const, endpoints: endpoint, curve: 'client' as const, reconnectInterval: 100, reconnectMaxInterval: 4000 };
  const client = new zmq.Subscriber({ ...socketOptions(config, { serverKey: impostor.publicKey }, 'receive', zmq), linger: 0 });
  t.after(() => {
    mock.timers.reset();
    client.close();
    publisher.close();
  });
  mock.timers.enable({ apis: ['setTimeout'] });
  let failures = 0;
  let onFailure: (() => void) | undefined;
  const state: MonitorState = watchSocket(client, config, (s, event) => {
    if (!event.startsWith('handshake:error')) return;
    failures = s.handshakeFailures;
    onFailure?.();
  }, [endpoint]);
  const failed = (n: number) => new Promise<void>((resolve, reject) => {
    const timer = realSetTimeout(() => reject(new Error(`${n} failed handshakes expected, ${failures} seen`)), 20000);
    onFailure = () => { if (failures >= n) { realClearTimeout(timer); resolve(); } };
    onFailure();
  });
  client.connect(endpoint);
  await failed(1);
  assert.match(monitorStatus(state, '', catalogueText('zmq-in', 'en-US')).text, /^wrong server key\? ×1$/);

  // The redial waits on our clock alone: with it stopped, no handshake is tried again (a fixed real
  // wait, since this proves that nothing happens; libzmq alone would have failed ~10 more times).
  let expected = 1;
  for (const delay of [1000, 2000, 4000, 4000]) {
    await realWait(1000);
    assert.equal(failures, expected, `no redial before the ${delay} ms back-off has passed`);
    mock.timers.tick(delay - 1);
    await realWait(300);
    assert.equal(failures, expected, `no redial 1 ms before the ${delay} ms back-off`);
    mock.timers.tick(1);
    expected += 1;
    await failed(expected);
  }
  assert.equal(failures, 5);
});
