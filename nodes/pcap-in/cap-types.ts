// The part of the `cap` module we use, typed; its link-type names as LINKTYPE_* numbers; and the
// messages between pcap in and its capture process.
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

export const CAP_FIX = 'install libpcap-dev (apt-get install libpcap-dev) and run `npm rebuild cap` in the Node-RED user directory';
export const PERMISSION_FIX =
  'run Node-RED as root, or give the node binary the capability: sudo setcap cap_net_raw,cap_net_admin=eip $(readlink -f $(which node))';

export function capturePermissionProblem(libpcapError: string): boolean {
  return /permission|not permitted/i.test(libpcapError);
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

export interface CaptureRequest {
  iface: string;
  filter: string;
  snaplen: number;
  bufferBytes: number;
}

export type ChildReport =
  | { type: 'open'; linkType: number }
  | { type: 'error'; kind: 'missing' | 'permission' | 'open'; message: string }
  | { type: 'stats'; captured: number; dropped: number };
