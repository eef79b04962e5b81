// What the picture remembers between polls: links and devices that went away stay drawn ("down
// since 14:32") until they come back, are acknowledged, or have been gone for the configured time;
// and a bounded list of recent changes for a dashboard. All of it bounded: at most maxLost lost
// items (the oldest dropped first, counted) and maxChanges changes.
import type { Topology, TopologyDevice, TopologyEvent, TopologyEventType, TopologyLink } from './types';

export interface HistoryOptions {
  /** How long a lost link or device stays drawn, in ms. */
  keepLostMs: number;
  /** At most this many lost links + devices are remembered. */
  maxLost: number;
  /** Length of the recent-changes list. */
  maxChanges: number;
}

export const DEFAULT_HISTORY: HistoryOptions = { keepLostMs: 60 * 60_000, maxLost: 200, maxChanges: 20 };

export interface LostItem {
  kind: 'link' | 'device';
  id: string;
  link?: TopologyLink;
  device?: TopologyDevice;
  /** When it went away (ms since the epoch). */
  since: number;
}

export type ChangeType = TopologyEventType | 'acknowledged' | 'expired';

export interface ChangeEntry {
  time: number;
  type: ChangeType;
  /** Link or device id. */
  id: string;
  text: string;
}

export interface HistoryCounters { acknowledged: number; expired: number; dropped: number }

function linkText(link: TopologyLink): string {
  return `${link.a.device} ${link.a.port} — ${link.b.device} ${link.b.port}`;
}

const EVENT_TEXT: Record<TopologyEventType, string> = {
  'link-up': 'link up',
  'link-down': 'link down',
  'link-one-way': 'one-way',
  'device-appeared': 'new device',
  'device-disappeared': 'device gone',
};

export function describeEvent(event: TopologyEvent): string {
  const what = event.link ? linkText(event.link) : event.device?.name ?? '?';
  if (event.type === 'link-one-way' && event.link) return `${what}: one-way, only ${event.link.seenBy.join(', ')} hears`;
  return `${what}: ${EVENT_TEXT[event.type]}`;
}

export class TopologyHistory {
  private readonly lost = new Map<string, LostItem>();
  private readonly recent: ChangeEntry[] = [];
  readonly counters: HistoryCounters = { acknowledged: 0, expired: 0, dropped: 0 };

  constructor(private readonly options: HistoryOptions = DEFAULT_HISTORY) {}

  /**
   * Takes the topology of a poll and the events of its diff. A baseline (first poll) only records
   * nothing: every event then says "appeared".
   */
  observe(topology: Topology, events: readonly TopologyEvent[], now: number, baseline = false): void {
    // Whatever is back is no longer lost (its link-up/device-appeared event is the change).
    for (const link of topology.links) this.lost.delete(`link:${link.id}`);
    for (const device of topology.devices) this.lost.delete(`device:${device.id}`);
    if (!baseline) {
      for (const event of events) {
        this.note({ time: now, type: event.type, id: event.link?.id ?? event.device?.id ?? '', text: describeEvent(event) });
        if (event.type === 'link-down' && event.link) this.remember({ kind: 'link', id: event.link.id, link: event.link, since: now });
        if (event.type === 'device-disappeared' && event.device) this.remember({ kind: 'device', id: event.device.id, device: event.device, since: now });
      }
    }
    this.expire(now);
  }

  /** Forgets lost items: all, or those whose link/device id is listed. Returns how many. */
  acknowledge(ids: readonly string[] | 'all', now: number): number {
    let count = 0;
    for (const [key, item] of this.lost) {
      if (ids !== 'all' && !ids.includes(item.id)) continue;
      this.lost.delete(key);
      this.note({ time: now, type: 'acknowledged', id: item.id, text: `${item.link ? linkText(item.link) : item.device!.name}: acknowledged` });
      count++;
    }
    this.counters.acknowledged += count;
    return count;
  }

  /** Drops lost items older than keepLostMs. */
  expire(now: number): void {
    for (const [key, item] of this.lost) {
      if (now - item.since < this.options.keepLostMs) continue;
      this.lost.delete(key);
      this.counters.expired++;
      this.note({ time: now, type: 'expired', id: item.id, text: `${item.link ? linkText(item.link) : item.device!.name}: no longer shown (lost since ${new Date(item.since).toISOString()})` });
    }
  }

  lostItems(): LostItem[] {
    return [...this.lost.values()];
  }

  /** Recent changes, newest first. */
  changes(): ChangeEntry[] {
    return [...this.recent].reverse();
  }

  private remember(item: LostItem): void {
    const key = `${item.kind}:${item.id}`;
    if (this.lost.has(key)) return;
    this.lost.set(key, item);
    // Map order is insertion order: the first entries are the oldest.
    while (this.lost.size > this.options.maxLost) {
      this.lost.delete(this.lost.keys().next().value as string);
      this.counters.dropped++;
    }
  }

  private note(entry: ChangeEntry): void {
    this.recent.push(entry);
    if (this.recent.length > this.options.maxChanges) this.recent.splice(0, this.recent.length - this.options.maxChanges);
  }
}
