// Turns FlowDecoder results into Node-RED messages for the flow collector and flow decode nodes:
// output 1 flow records, output 2 sFlow counter samples, output 3 options data / template events /
// errors / stats. One message per datagram by default (Node-RED clones each message per wire,
// so batching keeps the cost per record low).
import type { DecodeResult, Exporter, PendingDrop } from '../common';
import { isCapturedPacket } from './packet-message';
import { ipv6Bytes } from '../common/packet/text';

export type OutputMode = 'datagram' | 'record' | 'batch';

export interface FlowMessage {
  topic: string;
  payload: unknown;
  [key: string]: unknown;
}

export type Outputs = [FlowMessage | FlowMessage[] | null, FlowMessage | null, FlowMessage[] | null];

function header(r: DecodeResult): Record<string, unknown> {
  return {
    protocol: r.protocol,
    exporter: r.exporter,
    exportTime: r.exportTime,
    receivedAt: r.receivedAt,
    sequenceNumber: r.sequenceNumber,
    observationDomainId: r.observationDomainId,
  };
}

/** Messages for outputs 2 and 3 of one decoded datagram (output 1 depends on the mode). */
export function sideOutputs(r: DecodeResult): [FlowMessage | null, FlowMessage[] | null] {
  const h = header(r);
  const counters = r.counters.length ? { topic: 'counters', ...h, payload: r.counters } : null;
  const events: FlowMessage[] = [];
  if (r.options.length) events.push({ topic: 'options', ...h, payload: r.options });
  // Changes only: exporters resend unchanged templates every few packets, and a message for each
  // resend would flood this output (the decoder's result still lists the refreshes).
  const changes = r.templates.length ? r.templates.filter((t) => t.action !== 'refreshed') : r.templates;
  if (changes.length) events.push({ topic: 'templates', ...h, payload: changes });
  if (r.errors.length) events.push({ topic: 'errors', ...h, payload: r.errors });
  return [counters, events.length ? events : null];
}

/**
 * Output-3 messages for the data sets a sweep found dropped without their template: one per
 * exporter and domain, `payload` the sets and why (`ttl`: held past the pending TTL, `limit`:
 * refused at the held-set limits).
 */
export function pendingDropEvents(drops: PendingDrop[]): FlowMessage[] | null {
  if (drops.length === 0) return null;
  return drops.map((d) => ({
    topic: 'pending-dropped', protocol: d.protocol, exporter: d.exporter, observationDomainId: d.observationDomainId,
    payload: { sets: d.sets, ttl: d.ttl, limit: d.limit },
  }));
}

/** Output-1 message(s) for one datagram in 'datagram' or 'record' mode. */
export function recordOutput(r: DecodeResult, mode: 'datagram' | 'record'): FlowMessage | FlowMessage[] | null {
  if (r.records.length === 0) return null;
  const h = header(r);
  if (mode === 'datagram') return { topic: r.protocol, ...h, payload: r.records };
  return r.records.map((payload) => ({ topic: r.protocol, ...h, payload }));
}

/** Parses a comma/space separated list of ports; throws a readable error. */
export function parsePorts(text: string): number[] {
  const ports = String(text).split(/[\s,]+/).filter(Boolean).map(Number);
  for (const p of ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid UDP port "${p}"`);
  if (ports.length === 0) throw new Error('no UDP port configured');
  return [...new Set(ports)];
}

/** IPv4-mapped IPv6 ("::ffff:192.0.2.1", from a dual-stack socket) as plain IPv4. */
export function normaliseAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Exporter allow-list: exact addresses or CIDR prefixes (IPv4 and IPv6), compared as bits, so any
 * spelling of an IPv6 address matches. Empty list allows all; an entry that is not an address or
 * prefix is refused (a host name would otherwise never match and drop everything silently).
 */
export function makeAllowList(text: string): (address: string) => boolean {
  const entries = String(text ?? '').split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return () => true;
  const exact = new Set<string>();
  const prefixes = entries.map((e) => {
    const [base, bits] = e.split('/');
    const want = addressBits(base);
    const prefix = bits === undefined ? want?.length ?? 0 : Number(bits);
    if (!want || !/^\d+$/.test(bits ?? '0') || prefix > want.length) throw new Error(`invalid allow-list entry "${e}"`);
    if (bits === undefined) exact.add(base);
    return { family: want.length, head: want.slice(0, prefix) };
  });
  return (address) => {
    // The exporter as written in the list: no parsing on the common path.
    if (exact.has(address)) return true;
    const got = addressBits(address);
    return !!got && prefixes.some((p) => p.family === got.length && got.startsWith(p.head));
  };
}

/** The address as a string of 32 or 128 bits, undefined when it is not an IP address. */
function addressBits(a: string): string | undefined {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) return a.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  const bytes = ipv6Bytes(a);
  if (!bytes) return undefined;
  let bits = '';
  for (const byte of bytes) bits += byte.toString(2).padStart(8, '0');
  return bits;
}

/** The datagram and its exporter, from whatever shape the message has. */
export function datagramOf(msg: Record<string, unknown>): { datagram: Buffer; exporter: Exporter } | string {
  const payload = msg.payload;
  const given = msg.exporter as Partial<Exporter> | undefined;
  if (Buffer.isBuffer(payload)) {
    // msg.exporter, or the UDP in node's msg.ip / msg.port.
    const address = given?.address ?? (typeof msg.ip === 'string' ? msg.ip : 'unknown');
    const port = Number(given?.port ?? msg.port ?? 0);
    return { datagram: payload, exporter: { address, port } };
  }
  if (isCapturedPacket(payload)) {
    const p = payload.packet;
    if (!p?.udp) return 'captured packet is not UDP (or was not dissected)';
    const address = p.ipv4?.source ?? p.ipv6?.source ?? 'unknown';
    return { datagram: p.payload, exporter: { address: given?.address ?? address, port: Number(given?.port ?? p.udp.sourcePort) } };
  }
  return 'msg.payload must be a Buffer holding one flow datagram, or a captured UDP packet';
}
