// SSH host-key checking for the SSH source: pinned SHA256 fingerprints, trust on first use, or
// (explicitly) none. Fingerprints are computed like `ssh-keygen -lf`: "SHA256:" + unpadded base64
// of the SHA-256 of the raw public key blob that the server sends.
import { createHash } from 'node:crypto';
import type { PollTarget } from './types';

export type HostKeyMode = 'tofu' | 'pinned' | 'any';

/** `SHA256:<base64 without padding>` of a raw SSH public key blob. */
export function sshFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** Normalises a fingerprint as written by ssh-keygen (the trailing "=" some tools add is dropped). */
function normaliseFingerprint(word: string): string | undefined {
  return FINGERPRINT.test(word) ? word.replace(/=$/, '') : undefined;
}

/** The name under which a device's key is pinned or remembered: host:port (port 22 by default). */
function hostKeyId(target: PollTarget): string {
  const port = target.port ?? 22;
  return target.host.includes(':') ? `[${target.host}]:${port}` : `${target.host}:${port}`;
}

export interface PinnedFingerprints {
  /** Fingerprints that any device may present. */
  any: string[];
  /** Fingerprints per device: key "host" (any port) or "host:port" / "[v6]:port". */
  byDevice: Map<string, string[]>;
}

/**
 * Parses the pinned list: one entry a line, `#` starts a comment, either `SHA256:...` (accepted for
 * every device) or `host[:port] SHA256:... [SHA256:...]`. ssh-keygen's own line
 * (`256 SHA256:... comment (ED25519)`) is accepted too: the key length and the rest are ignored.
 */
export function parsePinnedFingerprints(text: string): PinnedFingerprints {
  const pinned: PinnedFingerprints = { any: [], byDevice: new Map() };
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const words = line.split(/\s+/);
    const fingerprints = words.map(normaliseFingerprint);
    const first = fingerprints.findIndex((f) => f !== undefined);
    if (first < 0) throw new Error(`pinned host keys, line ${index + 1}: no SHA256:... fingerprint (use ssh-keygen -lf <host key>.pub)`);
    const prints = fingerprints.filter((f): f is string => f !== undefined);
    const device = first > 0 && !/^\d+$/.test(words[0]) ? words[0] : undefined;
    if (!device) { pinned.any.push(...prints); return; }
    const key = device.toLowerCase();
    pinned.byDevice.set(key, [...(pinned.byDevice.get(key) ?? []), ...prints]);
  });
  return pinned;
}

/** The fingerprints pinned for a device (its own entries, then the ones for every device). */
function pinnedFor(pinned: PinnedFingerprints, target: PollTarget): string[] {
  const host = target.host.toLowerCase();
  const withPort = hostKeyId({ ...target, host });
  return [...(pinned.byDevice.get(withPort) ?? []), ...(pinned.byDevice.get(host) ?? []),
    ...(target.host.includes(':') ? pinned.byDevice.get(`[${host}]`) ?? [] : []), ...pinned.any];
}

/** Remembered keys for trust on first use; get/set may be asynchronous (persistent context stores). */
export interface KnownHostStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, fingerprint: string): Promise<void>;
}

export interface HostKeyPolicy {
  mode: HostKeyMode;
  pinned?: PinnedFingerprints;
  store?: KnownHostStore;
}

/** Decides whether `fingerprint` is the right key for `target`; resolves to an error message when it is not. */
export async function checkHostKey(policy: HostKeyPolicy, target: PollTarget, fingerprint: string): Promise<string | undefined> {
  const id = hostKeyId(target);
  if (policy.mode === 'any') return undefined;
  if (policy.mode === 'pinned') {
    const allowed = pinnedFor(policy.pinned ?? { any: [], byDevice: new Map() }, target);
    if (allowed.length === 0) return `host key of ${id} refused: no fingerprint pinned for this device (it presented ${fingerprint})`;
    if (allowed.includes(fingerprint)) return undefined;
    return `host key of ${id} refused: it presented ${fingerprint}, pinned ${allowed.join(', ')}`;
  }
  if (!policy.store) return `host key of ${id} refused: no store for trust on first use`;
  const known = await policy.store.get(id);
  if (known === undefined) { await policy.store.set(id, fingerprint); return undefined; }
  if (known === fingerprint) return undefined;
  return `host key of ${id} CHANGED: first seen ${known}, now ${fingerprint} — refused (possible impostor; ` +
    `if the device really got a new key, send msg.topic "forget-host-key" with msg.payload "${id}", or pin the new fingerprint)`;
}

/**
 * The device id (`host:port`, `[v6]:port`) named by a "forget" request entry: `host`, `host:port`,
 * `[v6addr]`, `[v6addr]:port` or a bare IPv6 address; the port is 22 when absent, as when polling.
 * Hosts are compared without case, like DNS names.
 */
function deviceIdFromText(entry: string): string | undefined {
  const text = entry.trim().toLowerCase();
  if (!text || /\s/.test(text)) return undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  const hostPort = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(text);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : hostPort ? [hostPort[1], hostPort[2]]
    : /^[0-9a-f:.]+$/.test(text) ? [text, undefined] : [undefined, undefined];
  if (!host || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) return undefined;
  return hostKeyId({ host, port: port === undefined ? undefined : Number(port) });
}

/** What `msg.payload` of a "forget-host-key" message names: device ids, or every device ("*"). */
export type ForgetRequest = { all: true } | { all: false; ids: string[] };

export function parseForgetRequest(payload: unknown): ForgetRequest {
  if (payload === '*') return { all: true };
  const entries: unknown[] = Array.isArray(payload) ? payload : [payload];
  if (entries.length === 0) throw new Error('forget-host-key: msg.payload is an empty array (give "host", "host:port", an array of them, or "*")');
  const ids = entries.map((entry) => {
    const id = typeof entry === 'string' ? deviceIdFromText(entry) : undefined;
    if (id === undefined) throw new Error(`forget-host-key: bad device ${JSON.stringify(entry)} in msg.payload (give "host", "host:port", "[v6addr]:port", an array of them, or "*")`);
    return id;
  });
  return { all: false, ids: [...new Set(ids)] };
}

export interface ForgetOutcome {
  /** The entries that remain stored. */
  remaining: Record<string, string>;
  /** Forgotten entries: device id as stored → the fingerprint that was trusted. */
  forgotten: Record<string, string>;
  /** Requested devices that had no stored key. */
  notKnown: string[];
}

/** Removes the requested devices from the remembered keys (stored ids match without case). */
export function forgetHostKeys(known: Record<string, string>, request: ForgetRequest): ForgetOutcome {
  const remaining: Record<string, string> = {};
  const forgotten: Record<string, string> = {};
  const wanted = new Set(request.all ? [] : request.ids);
  for (const [id, fingerprint] of Object.entries(known)) {
    if (request.all || wanted.has(id.toLowerCase())) forgotten[id] = fingerprint;
    else remaining[id] = fingerprint;
  }
  const forgottenIds = new Set(Object.keys(forgotten).map((id) => id.toLowerCase()));
  const notKnown = request.all ? [] : request.ids.filter((id) => !forgottenIds.has(id));
  return { remaining, forgotten, notKnown };
}
