// The part of the `cap` module we use, typed, and its link-type names as LINKTYPE_* numbers.
import type { EventEmitter } from 'node:events';

export interface CapDevice {
  name: string;
  description?: string;
  addresses?: Array<{ addr: string }>;
}

export interface CapHandle extends EventEmitter {
  /** Opens the device; returns the link type's name. Throws libpcap's error text. */
  open(device: string, filter: string, bufferSize: number, buffer: Buffer): string;
  close(): void;
  setMinBytes?(bytes: number): void;
}

export interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

const LINK_TYPES: Record<string, number> = {
  NULL: 0,
  ETHERNET: 1,
  RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  IEEE802_11_RADIO: 127,
};

export function linkTypeOfCapName(name: string): number {
  const linkType = LINK_TYPES[name];
  if (linkType === undefined) throw new Error(`unsupported link type: ${name}`);
  return linkType;
}
