// CURVE servers with "Allowed client keys": a real Node-RED with zmq in / zmq out CURVE servers,
// real libzmq client sockets in this process with their own key pairs, and the ZAP handler
// (ZeroMQ RFC 27) the nodes share. Expected keys come from libzmq (zmq_curve_keypair's Z85).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as zmq from 'zeromq';
import { decideZap, parseAllowedKeys, z85Decode, z85Encode } from '../../nodes/common/zmq/zap';
import { MessageSink, NodeRed, freePort, waitUntil, type FlowNode } from '../helpers/node-red';

let nodeRed: NodeRed | undefined;
let sink: MessageSink;
const sockets: zmq.Socket[] = [];

before(async () => {
  sink = await MessageSink.start();
  nodeRed = await NodeRed.start();
});
after(async () => {
  for (const socket of sockets) socket.close();
  await nodeRed?.stop();
  await sink?.stop();
});

type KeyPair = { publicKey: string; secretKey: string };
const server = zmq.curveKeyPair();

function client<T extends zmq.Push | zmq.Subscriber>(Kind: new (o: object) => T, keys: KeyPair, endpoint: string): T {
  const socket = new Kind({ curveServerKey: server.publicKey, curvePublicKey: keys.publicKey, curveSecretKey: keys.secretKey, linger: 0 });
  sockets.push(socket);
  socket.connect(endpoint);
  return socket;
}

/** Every message a client socket receives, as text. */
function collect(socket: zmq.Subscriber): string[] {
  const got: string[] = [];
  void (async () => { try { for await (const frames of socket) got.push(frames.map(String).join('|')); } catch { /* closed */ } })();
  return got;
}

const zmqIn = (id: string, endpoint: string, allowedKeys: string): FlowNode[] => [
  { id, type: 'wirescope-zmq-in', mode: 'bind', socketType: 'pull', format: 'frames', asString: true, endpoints: endpoint, linger: 0, curve: 'server', allowedKeys, wires: [[`${id}-sink`]] },
  ...sink.sinkNodes(`${id}-sink`, id),
];
const zmqOutTicking = (id: string, endpoint: string, allowedKeys: string): FlowNode[] => [
  { id: `${id}-tick`, type: 'inject', repeat: '0.1', once: true, onceDelay: '0.1', props: [{ p: 'payload' }], payload: 'tick', payloadType: 'str', wires: [[id]] },
  { id, type: 'wirescope-zmq-out', mode: 'bind', socketType: 'pub', format: 'frames', endpoints: endpoint, linger: 0, curve: 'server', allowedKeys, wires: [] },
];
const serverCredentials = { secretKey: server.secretKey, publicKey: server.publicKey };
/** The status counts at least `n` refused clients (a client library that retries may add more). */
const rejected = (n: number) => (s: { text?: string }) => Number(/\b(\d+) rejected\b/.exec(s.text ?? '')?.[1] ?? 0) >= n;
const texts = (id: string) => sink.messages(id).map((m) => m.payload);

test('Z85 and the allow-list text: RFC 32 test vector, libzmq keys, bad lines named', () => {
  // RFC 32 §"Test Case": 8 bytes ↔ "HelloWorld".
  const vector = Buffer.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
  assert.equal(z85Encode(vector), 'HelloWorld');
  assert.deepEqual(z85Decode('HelloWorld'), vector);
  const pair = zmq.curveKeyPair();
  assert.equal(z85Encode(z85Decode(pair.publicKey)!), pair.publicKey);
  assert.equal(z85Decode('#####'), undefined, '85^5 − 1 is above 2^32 − 1');
  assert.deepEqual(parseAllowedKeys(`# edge agents\n\n  ${pair.publicKey}  # edge-1\n${server.publicKey}\n`), [pair.publicKey, server.publicKey]);
  assert.throws(() => parseAllowedKeys(`${pair.publicKey}\n# fine\nnot-a-key`), /line 3: "not-a-key"/);
  assert.throws(() => parseAllowedKeys(pair.publicKey.slice(0, 39)), /line 1/);
  assert.throws(() => parseAllowedKeys(`${pair.publicKey} trailing words`), /line 1/);
  // '#' is a Z85 digit but cannot start a key (84 × 85^4 > 2^32 − 1): a commented-out key is a comment.
  assert.equal(z85Decode(`#${pair.publicKey.slice(1)}`), undefined);
  assert.deepEqual(parseAllowedKeys(`#${pair.publicKey}\n# ${server.publicKey}\n${pair.publicKey}`), [pair.publicKey]);
  // RFC 27 reply frames: version, request id, status code, text, user id, metadata.
  const request = (domain: string, key: Buffer) => ['1.0', '7', domain, '192.0.2.1', '', 'CURVE', key].map((f) => Buffer.from(f));
  const allowed = (domain: string) => (domain === 'd' ? new Set([pair.publicKey]) : undefined);
  const yes = decideZap(request('d', z85Decode(pair.publicKey)!), allowed);
  assert.deepEqual(yes.reply.slice(0, 3).map(String), ['1.0', '7', '200']);
  const no = decideZap(request('d', z85Decode(server.publicKey)!), allowed);
  assert.deepEqual([no.reply[2], no.clientKey, no.address], ['400', server.publicKey, '192.0.2.1']);
  assert.equal(decideZap(request('other', z85Decode(server.publicKey)!), allowed).reply[2], '200', 'a socket without a list is not restricted');
  assert.equal(decideZap([Buffer.from('2.0'), ...request('d', z85Decode(pair.publicKey)!).slice(1)], allowed).reply[2], '500');
});

test('two CURVE servers in one Node-RED enforce their own allow-lists; a server without a list accepts anyone', async () => {
  const alice = zmq.curveKeyPair();
  const bob = zmq.curveKeyPair();
  const [pullEndpoint, pubEndpoint, openEndpoint] = (await Promise.all([freePort(), freePort(), freePort()])).map((p) => `tcp://127.0.0.1:${p}`);
  await nodeRed!.deploy([
    ...zmqIn('pull-alice', pullEndpoint, `# only alice\n${alice.publicKey}\n`),
    ...zmqOutTicking('pub-bob', pubEndpoint, `${bob.publicKey} # bob`),
    ...zmqIn('pull-open', openEndpoint, ''),
  ], { 'pull-alice': serverCredentials, 'pub-bob': serverCredentials, 'pull-open': serverCredentials });

  // zmq in (PULL) allows alice: her messages arrive, bob's are refused and logged with his key.
  const fromAlice = client(zmq.Push, alice, pullEndpoint);
  await fromAlice.send('from alice 1');
  await sink.waitFor('pull-alice', 1);
  assert.deepEqual(texts('pull-alice'), ['from alice 1']);
  const fromBob = client(zmq.Push, bob, pullEndpoint);
  await fromBob.send('from bob');
  await nodeRed!.waitForStatus('pull-alice', rejected(1));
  await nodeRed!.waitForLog(new RegExp(`rejected CURVE client ${escape(bob.publicKey)} from 127\\.0\\.0\\.1`));
  await fromAlice.send('from alice 2');
  await sink.waitFor('pull-alice', 2);
  assert.deepEqual(texts('pull-alice'), ['from alice 1', 'from alice 2'], 'bob reached a server that does not list him');

  // zmq out (PUB) allows bob only: he receives the ticks, alice (allowed on the other node) is refused.
  const bobSub = client(zmq.Subscriber, bob, pubEndpoint);
  bobSub.subscribe();
  const bobGot = collect(bobSub);
  const aliceSub = client(zmq.Subscriber, alice, pubEndpoint);
  aliceSub.subscribe();
  const aliceGot = collect(aliceSub);
  await nodeRed!.waitForStatus('pub-bob', rejected(1));
  await nodeRed!.waitForLog(new RegExp(`rejected CURVE client ${escape(alice.publicKey)}`));
  const afterRejection = bobGot.length;
  await waitUntil('bob to receive ticks', () => bobGot.length >= afterRejection + 3);
  assert.ok(bobGot.every((m) => m === 'tick'));
  assert.deepEqual(aliceGot, [], 'alice received from a server that does not list her');

  // The shared handler answers for every CURVE server of the process: one without a list stays open.
  const stranger = client(zmq.Push, zmq.curveKeyPair(), openEndpoint);
  await stranger.send('from anyone');
  await sink.waitFor('pull-open', 1);
  assert.deepEqual(texts('pull-open'), ['from anyone']);
});

test('a bad allowed-keys line stops the node (red status, error with the line number, nothing bound)', async () => {
  const port = await freePort();
  await nodeRed!.deploy(zmqIn('bad-list', `tcp://127.0.0.1:${port}`, `${server.publicKey}\n# comment\nthis is not a key`), { 'bad-list': serverCredentials });
  await nodeRed!.waitForStatus('bad-list', (s) => s.fill === 'red');
  await nodeRed!.waitForLog(/allowed client keys, line 3: "this is not a key"/);
  // The port is still free: the node never bound its socket.
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
});

test('redeploys release the ZAP handler: every new deploy enforces its list again', async () => {
  const allowed = zmq.curveKeyPair();
  const other = zmq.curveKeyPair();
  for (let round = 0; round < 3; round++) {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const id = `pull-round${round}`;
    await nodeRed!.deploy(zmqIn(id, endpoint, allowed.publicKey), { [id]: serverCredentials });
    const refused = client(zmq.Push, other, endpoint);
    await refused.send('refused');
    await nodeRed!.waitForStatus(id, rejected(1));
    const good = client(zmq.Push, allowed, endpoint);
    await good.send(`round ${round}`);
    await sink.waitFor(id, 1);
    assert.deepEqual(texts(id), [`round ${round}`]);
  }
  assert.ok(!nodeRed!.logs.some((l) => /ZAP handler|bind failed/.test(l)), 'the ZAP handler failed to bind on a redeploy');
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
