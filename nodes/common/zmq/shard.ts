// Sharding flow exports by exporter, for a dispatcher in front of several decode workers.
// NetFlow v9 and IPFIX data sets can only be read with their exporter's templates, and an
// exporter sends a template once in a while, to one place: so every datagram of one exporter
// (address + observation domain / source id) must reach the same worker. The worker is chosen by
// rendezvous hashing (highest random weight): adding a worker moves about 1/N of the exporters,
// removing one moves only its own.
import { dissectL2L4, newL2L4Summary } from '../packet/fast';
import { ipv4ToString, ipv6ToString } from '../packet/text';

const summary = newL2L4Summary();

/**
 * The exporter a captured UDP datagram comes from: "<source address>/<domain>", where domain is a
 * NetFlow v9 source id or an IPFIX observation domain id (0 for other protocols: NetFlow v5 and
 * sFlow keep no templates). Undefined for anything that is not UDP over IP.
 */
export function exporterKey(frame: Buffer, linkType: number): string | undefined {
  const s = dissectL2L4(frame, linkType, summary);
  if (s.protocol !== 17 || s.sourceOffset < 0 || s.fragment) return undefined;
  const address = s.ipVersion === 4 ? ipv4ToString(frame, s.sourceOffset) : ipv6ToString(frame, s.sourceOffset);
  return `${address}/${flowDomain(frame, s.payloadOffset, Math.min(frame.length, s.payloadOffset + s.payloadLength))}`;
}

/**
 * The template scope inside an exporter of the flow datagram at `at`..`end`: the NetFlow v9 source
 * id or IPFIX observation domain id, 0 for other protocols.
 */
export function flowDomain(datagram: Buffer, at = 0, end = datagram.length): number {
  const version = end - at >= 2 ? datagram.readUInt16BE(at) : 0;
  if (version === 9 && end - at >= 20) return datagram.readUInt32BE(at + 16);
  if (version === 10 && end - at >= 16) return datagram.readUInt32BE(at + 12);
  return 0;
}

/** 32-bit FNV-1a, then a murmur3 finaliser so that similar keys spread evenly. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The workers that are up, and which one owns an exporter. */
export class ShardRing {
  private readonly members = new Set<string>();

  get workers(): string[] {
    return [...this.members];
  }

  add(worker: string): boolean {
    if (this.members.has(worker)) return false;
    this.members.add(worker);
    return true;
  }

  remove(worker: string): boolean {
    return this.members.delete(worker);
  }

  /** The worker for `key` (the highest hash of worker + key), or undefined with no worker. */
  pick(key: string): string | undefined {
    let best: string | undefined;
    let bestWeight = -1;
    for (const worker of this.members) {
      const weight = hash(`${worker}\n${key}`);
      if (weight > bestWeight || (weight === bestWeight && best !== undefined && worker < best)) {
        best = worker;
        bestWeight = weight;
      }
    }
    return best;
  }
}

/** The topic a worker subscribes to, and the worker a subscription names. */
export const SHARD_PREFIX = 'shard/';
export function shardTopic(worker: string): string {
  return `${SHARD_PREFIX}${worker}/`;
}
export function workerOfSubscription(prefix: string): string | undefined {
  const m = /^shard\/([^/]+)\/$/.exec(prefix);
  return m?.[1];
}
