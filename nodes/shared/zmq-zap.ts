// One ZAP handler (ZeroMQ RFC 27) per process for the CURVE servers that have an allow-list.
// libzmq looks for the handler at inproc://zeromq.zap.01 in the socket's context, and only one
// socket can bind that address, so every zmq in / zmq out node shares this one. Each node
// registers its keys under its own ZAP domain (set on its socket); the handler binds with the
// first registration and closes with the last, so a redeploy starts from a clean context.
import type * as Zmq from 'zeromq';
import { decideZap, parseAllowedKeys, type ZapDecision } from '../common/zmq/zap';
import { bindWhenFree, type ZmqModule } from './zmq-socket';

const ZAP_ENDPOINT = 'inproc://zeromq.zap.01';

interface Domain {
  keys: ReadonlySet<string>;
  onReject: (decision: ZapDecision) => void;
}

const domains = new Map<string, Domain>();
let handler: Zmq.Reply | undefined;
// Registrations and releases run one after the other, so a close racing a new deploy never
// leaves the handler closed while a domain needs it (or bound with no domain left).
let queue: Promise<unknown> = Promise.resolve();
function serially<T>(work: () => Promise<T>): Promise<T> {
  const result = queue.then(work);
  queue = result.catch(() => undefined);
  return result;
}

async function startHandler(Z: ZmqModule): Promise<Zmq.Reply> {
  const socket = new Z.Reply({ linger: 0 });
  // The inproc name of a handler closed a moment ago can still be held by libzmq while its pipes
  // to the old server sockets wind down: retry briefly before concluding someone else holds it.
  try {
    await bindWhenFree(socket, ZAP_ENDPOINT, 2000);
  } catch (err) {
    socket.close();
    throw new Error(`cannot start the ZAP handler at ${ZAP_ENDPOINT}: ${(err as Error).message}${(err as { code?: string }).code === 'EADDRINUSE' ? ' (another ZAP handler runs in this process)' : ''}`);
  }
  void (async () => {
    try {
      for await (const frames of socket) {
        const decision = decideZap(frames, (domain) => domains.get(domain)?.keys);
        await socket.send(decision.reply);
        if (!decision.accepted) domains.get(decision.domain)?.onReject(decision);
      }
    } catch {
      // The loop ends when the handler closes (last release); libzmq then finds no handler.
    }
  })();
  return socket;
}

/**
 * Starts answering ZAP requests for `domain` with `keys` (Z85 public keys). Resolves once the
 * handler is bound, so the caller may open its server socket; the returned function releases it.
 */
export function registerZapDomain(Z: ZmqModule, domain: string, keys: ReadonlySet<string>, onReject: (decision: ZapDecision) => void): Promise<() => Promise<void>> {
  return serially(async () => {
    if (domains.has(domain)) throw new Error(`ZAP domain ${domain} is already registered`);
    domains.set(domain, { keys, onReject });
    if (!handler) {
      try {
        handler = await startHandler(Z);
      } catch (err) {
        domains.delete(domain);
        throw err;
      }
    }
    let released = false;
    return () => serially(async () => {
      if (released) return;
      released = true;
      domains.delete(domain);
      if (domains.size === 0 && handler) {
        handler.close();
        handler = undefined;
      }
    });
  });
}

export interface ServerAllowList {
  domain: string;
  keys: ReadonlySet<string>;
  /** Socket options that route the socket's handshakes to this domain of the handler. */
  socketOptions: Record<string, unknown>;
}

/**
 * The allow-list of a CURVE server node, or undefined when it has none (then any client that
 * knows the server key may connect, as without ZAP). Throws on a bad line (with its number).
 */
export function allowListOf(config: { curve?: string; allowedKeys?: string }, nodeId: string, Z: ZmqModule): ServerAllowList | undefined {
  if (config.curve !== 'server') return undefined;
  const keys = parseAllowedKeys(config.allowedKeys ?? '');
  if (keys.length === 0) return undefined;
  const domain = `wirescope-${nodeId}`;
  // ZAP_ENFORCE_DOMAIN (a libzmq draft option) makes the handshake fail when no handler answers,
  // instead of letting the client in: closed, not open, if the handler is ever missing.
  const enforce = Z.capability.draft ? { zapEnforceDomain: true } : {};
  return { domain, keys: new Set(keys), socketOptions: { zapDomain: domain, ...enforce } };
}

/** Counts the clients a node's handler refused and warns about each key at most once a minute. */
export class RejectedClients {
  count = 0;
  private readonly lastWarning = new Map<string, number>();

  constructor(private readonly warn: (clientKey: string, address: string) => void) {}

  note(decision: ZapDecision): void {
    this.count += 1;
    const key = decision.clientKey ?? '(no CURVE key)';
    const now = Date.now();
    if (now - (this.lastWarning.get(key) ?? -Infinity) < 60000) return;
    // Bounded: a scan from many keys must not grow the map without limit.
    if (this.lastWarning.size >= 1000) this.lastWarning.clear();
    this.lastWarning.set(key, now);
    this.warn(key, decision.address);
  }
}
