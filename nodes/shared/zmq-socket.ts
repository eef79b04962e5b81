// Glue shared by zmq in and zmq out: build a zeromq v6 socket from the node's settings, bind or
// connect its endpoints, and turn the socket monitor's events into a peer count and a status.
// The status follows the monitor, not our own calls: connect() returns before any TCP session
// exists, so "connected" only shows once the ZMTP handshake (CURVE included) has succeeded.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type * as Zmq from 'zeromq';
import { z85Decode, z85Encode } from '../common/zmq/zap';
import { loadNative } from './native';

export type ZmqModule = typeof Zmq;

const ZMQ_FIX = 'reinstall the pack with optional dependencies (npm install zeromq@6) so the zeromq native module can load';

export function loadZeromq(): { module?: ZmqModule; problem?: string } {
  return loadNative<ZmqModule>('zeromq', ZMQ_FIX);
}

export type CurveRole = 'none' | 'server' | 'client';

/** The settings zmq in and zmq out have in common (numbers in milliseconds or messages; 0 = libzmq default). */
export interface ZmqSocketConfig {
  mode: 'bind' | 'connect';
  endpoints: string;
  hwm?: number | string;
  linger?: number | string;
  reconnectInterval?: number | string;
  reconnectMaxInterval?: number | string;
  heartbeatInterval?: number | string;
  heartbeatTimeout?: number | string;
  heartbeatTtl?: number | string;
  curve?: CurveRole;
  /** CURVE server: Z85 public keys of the clients it accepts, one per line (`#` comments); empty accepts any. */
  allowedKeys?: string;
}

/** CURVE keys, all Z85 text (40 characters), kept in the node's credentials. */
export interface ZmqCredentials {
  publicKey?: string;
  secretKey?: string;
  serverKey?: string;
}

export function parseEndpoints(text: string): string[] {
  const endpoints = String(text ?? '').split(/[\s,]+/).filter(Boolean);
  if (endpoints.length === 0) throw new Error('no endpoint configured');
  for (const endpoint of endpoints) {
    if (!/^(tcp|ipc|inproc|ws|wss|pgm|epgm|vmci):\/\/.+/.test(endpoint)) throw new Error(`not a ZeroMQ endpoint: ${endpoint}`);
  }
  return endpoints;
}

function num(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${String(value)}`);
  return n;
}

const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

function key(name: string, value: string | undefined): string {
  const v = (value ?? '').trim();
  if (v === '') throw new Error(`CURVE ${name}: no key set: generate a key pair (or set CURVE to none)`);
  if (!Z85_KEY.test(v)) throw new Error(`CURVE ${name} must be 40 Z85 characters (use the key-pair generator)`);
  return v;
}

/** The CURVE (X25519) public key of a Z85 secret key, as zmq_curve_public computes it. */
export function curvePublicOf(secretKey: string): string | undefined {
  const secret = z85Decode(secretKey);
  if (!secret || secret.length !== 32) return undefined;
  const jwk = createPublicKey(createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: secret.toString('base64url'), x: Buffer.alloc(32).toString('base64url') }, format: 'jwk' })).export({ format: 'jwk' });
  return z85Encode(Buffer.from(String(jwk.x), 'base64url'));
}

/** A stored public key that is not the secret key's makes every client with it fail: say so at deploy. */
function checkKeyPair(publicKey: string | undefined, secretKey: string): void {
  const stated = (publicKey ?? '').trim();
  if (stated && curvePublicOf(secretKey) !== stated) throw new Error('CURVE public key does not belong to the secret key: generate a new key pair');
}

/** Socket options from the node settings; throws on invalid keys or numbers. */
export function socketOptions(config: ZmqSocketConfig, credentials: ZmqCredentials, direction: 'send' | 'receive', zmq: ZmqModule): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const hwm = num(config.hwm);
  if (hwm !== undefined) options[direction === 'send' ? 'sendHighWaterMark' : 'receiveHighWaterMark'] = hwm;
  const linger = num(config.linger);
  if (linger !== undefined) options.linger = linger;
  const reconnect = num(config.reconnectInterval);
  if (reconnect !== undefined) options.reconnectInterval = reconnect;
  const reconnectMax = num(config.reconnectMaxInterval);
  if (reconnectMax !== undefined) options.reconnectMaxInterval = reconnectMax;
  // ZMTP 3.1 heartbeats (PING/PONG): a dead peer is noticed without waiting for TCP timeouts.
  const hbInterval = num(config.heartbeatInterval);
  if (hbInterval) options.heartbeatInterval = hbInterval;
  const hbTimeout = num(config.heartbeatTimeout);
  if (hbTimeout) options.heartbeatTimeout = hbTimeout;
  const hbTtl = num(config.heartbeatTtl);
  if (hbTtl) options.heartbeatTimeToLive = hbTtl;
  if (config.curve === 'server') {
    options.curveServer = true;
    options.curveSecretKey = key('secret key', credentials.secretKey);
    checkKeyPair(credentials.publicKey, options.curveSecretKey as string);
  } else if (config.curve === 'client') {
    options.curveServerKey = key('server public key', credentials.serverKey);
    // A client without its own long-term key pair gets a fresh one: fine for a server without
    // an allow-list; a server with one needs this client's fixed public key.
    const own = credentials.secretKey && credentials.publicKey ? { publicKey: credentials.publicKey, secretKey: credentials.secretKey } : zmq.curveKeyPair();
    options.curvePublicKey = key('public key', own.publicKey);
    options.curveSecretKey = key('secret key', own.secretKey);
    checkKeyPair(own.publicKey, own.secretKey);
  }
  return options;
}

export interface MonitorState {
  peers: number;
  disconnects: number;
  handshakeFailures: number;
  lastFailure?: string;
  /** What the socket waits for while it has no peer (a status key too). */
  waiting: 'connecting' | 'listening' | 'retrying';
  curve: CurveRole;
}

const ZMQ_RECONNECT_STOP = 109;
const ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED = 0x2;

/** What watchSocket needs of a node's settings. */
export type WatchConfig = Pick<ZmqSocketConfig, 'mode' | 'curve' | 'reconnectInterval' | 'reconnectMaxInterval'>;

/**
 * Follows the socket monitor until the socket closes. A peer counts once its handshake succeeded;
 * a disconnect after a failed handshake does not lower the count (libzmq reports both).
 * A connecting socket whose handshakes fail (a wrong server key) would retry at the reconnect
 * interval forever — libzmq resets its back-off once TCP connects — so after each failure the
 * endpoints are dropped and dialled again after a delay that doubles up to the reconnect maximum.
 */
export function watchSocket(socket: Zmq.Socket, config: WatchConfig, onChange: (state: MonitorState, event: string) => void, endpoints: string[] = []): MonitorState {
  const mode = config.mode;
  const state: MonitorState = { peers: 0, disconnects: 0, handshakeFailures: 0, waiting: mode === 'bind' ? 'listening' : 'connecting', curve: config.curve ?? 'none' };
  let failedNotYetDisconnected = 0;
  let backoff = 0;
  // ZMQ_RECONNECT_STOP (libzmq draft): libzmq stops redialling after a failed handshake, and the
  // back-off below takes over. Without the draft API libzmq keeps its own pace.
  if (mode === 'connect') {
    try { (socket as unknown as { setInt32Option(o: number, v: number): void }).setInt32Option(ZMQ_RECONNECT_STOP, ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED); } catch { /* no draft API */ }
  }
  let redial: NodeJS.Timeout | undefined;
  const backOff = () => {
    if (mode !== 'connect' || endpoints.length === 0 || redial || socket.closed) return;
    const floor = Math.max(1000, num(config.reconnectInterval) ?? 0);
    const ceiling = Math.max(floor, num(config.reconnectMaxInterval) || 30000);
    backoff = Math.min(ceiling, backoff ? backoff * 2 : floor);
    for (const endpoint of endpoints) try { socket.disconnect(endpoint); } catch { /* not connected */ }
    state.waiting = 'retrying';
    redial = setTimeout(() => {
      redial = undefined;
      if (socket.closed) return;
      for (const endpoint of endpoints) try { socket.connect(endpoint); } catch { /* closed meanwhile */ }
    }, backoff);
  };
  const events = socket.events;
  void (async () => {
    try {
      for await (const event of events) {
        switch (event.type) {
          case 'handshake':
            state.peers += 1;
            backoff = 0;
            state.waiting = mode === 'bind' ? 'listening' : 'connecting';
            break;
          case 'handshake:error:auth':
          case 'handshake:error:protocol':
          case 'handshake:error:other':
            state.handshakeFailures += 1;
            failedNotYetDisconnected += 1;
            state.lastFailure = event.type.slice('handshake:error:'.length);
            backOff();
            break;
          case 'disconnect':
            state.disconnects += 1;
            if (failedNotYetDisconnected > 0) failedNotYetDisconnected -= 1;
            else state.peers = Math.max(0, state.peers - 1);
            break;
          case 'connect:retry':
            state.waiting = 'retrying';
            break;
          case 'end':
            return;
          default:
            continue;
        }
        onChange(state, event.type);
      }
    } catch {
      // The observer ends with the socket; nothing to report.
    } finally {
      if (redial) clearTimeout(redial);
    }
  })();
  return state;
}

/**
 * A status text of the calling node's catalogue, by its key under `<node>.status` (each zmq node
 * passes its own `RED._`: Node-RED looks keys up in the catalogue of the node set that asks).
 */
export type StatusText = (key: string, vars?: Record<string, string | number>) => string;

/** The keys monitorStatus asks for: every zmq node's catalogue has them, in every language. */
export const MONITOR_STATUS_KEYS = [
  'peer', 'peers', 'failed-handshake', 'failed-handshakes', 'wrong-server-key', 'client-key-refused', 'client-wrong-key',
  'handshake-failed', 'connecting', 'listening', 'retrying',
] as const;
type MonitorStatusKey = typeof MONITOR_STATUS_KEYS[number];

/** Why handshakes fail, in the words a user acts on: with CURVE it is nearly always a key. */
function failureKey(state: MonitorState): MonitorStatusKey {
  if (state.curve === 'client') return 'wrong-server-key';
  if (state.curve === 'server') return state.lastFailure === 'auth' ? 'client-key-refused' : 'client-wrong-key';
  return 'handshake-failed';
}

/** Short status: "2 peers", "listening", "wrong server key? ×3"… plus the caller's counters. */
export function monitorStatus(state: MonitorState, extra: string, text: StatusText): { fill: 'green' | 'yellow' | 'red'; shape: 'dot' | 'ring'; text: string } {
  const t = (key: MonitorStatusKey, vars?: Record<string, string | number>) => text(key, vars);
  const suffix = extra ? ` · ${extra}` : '';
  const failures = state.handshakeFailures;
  if (state.peers > 0) {
    const failed = failures > 0 ? ', ' + t(failures === 1 ? 'failed-handshake' : 'failed-handshakes', { n: failures }) : '';
    return { fill: 'green', shape: 'dot', text: t(state.peers === 1 ? 'peer' : 'peers', { n: state.peers }) + failed + suffix };
  }
  if (failures > 0) return { fill: 'red', shape: 'ring', text: `${t(failureKey(state), { reason: state.lastFailure ?? '' })} ×${failures}${suffix}` };
  return { fill: 'yellow', shape: 'ring', text: t(state.waiting) + suffix };
}

/** How long a bind waits for an address a socket closed a moment ago (a redeploy) to come free. */
const BIND_RETRY_MS = 5000;
const BIND_RETRY_STEP_MS = 20;

/**
 * Binds `endpoint`, waiting up to `retryMs` while it is in use. zmq_close returns before libzmq
 * closes the socket's listener on its I/O thread, so on a redeploy the new socket often finds the
 * old one's address still bound for a few milliseconds (measured: about 1 bind in 10 right after a
 * close); an address another process holds still fails, once the time is up.
 */
export async function bindWhenFree(socket: Zmq.Socket, endpoint: string, retryMs = BIND_RETRY_MS): Promise<void> {
  const deadline = Date.now() + retryMs;
  for (;;) {
    try {
      await socket.bind(endpoint);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE' || socket.closed || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, BIND_RETRY_STEP_MS));
    }
  }
}

export async function openEndpoints(socket: Zmq.Socket, mode: 'bind' | 'connect', endpoints: string[]): Promise<void> {
  for (const endpoint of endpoints) {
    if (mode === 'bind') await bindWhenFree(socket, endpoint);
    else socket.connect(endpoint);
  }
}

/** Registers GET <path> that returns a fresh CURVE key pair (Z85) for the editor's generator button. */
export function registerKeyPairEndpoint(RED: { httpAdmin: { get: Function }; auth: { needsPermission: (p: string) => unknown } }, nodeName: string): void {
  RED.httpAdmin.get(`/wirescope-${nodeName}/curve-keypair`, RED.auth.needsPermission(`${nodeName}.write`), (_req: unknown, res: { json: (v: unknown) => void; status: (c: number) => { send: (t: string) => void } }) => {
    const zmq = loadZeromq();
    if (!zmq.module) return res.status(503).send(zmq.problem ?? 'zeromq unavailable');
    res.json(zmq.module.curveKeyPair());
  });
}
