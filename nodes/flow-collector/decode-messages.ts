// What the flow collector's main thread and its decode workers say to each other.
import type { DecoderCounters, PendingDrop, SerializedTemplate } from '../common';
import type { DecodeConfig } from './decode-path';
import type { MessageArrays, PackedResults } from './result-transfer';
import type { ListenOptions } from './udp-listen';

export interface WorkerSetup {
  decode: DecodeConfig;
  templates?: SerializedTemplate[];
  /** SO_REUSEPORT: the worker binds its own sockets (and applies the allow-list). */
  listen?: ListenOptions & { allow: string };
  /** The worker only receives (on its own sockets) and forwards the datagrams; the main thread decodes. */
  receiveOnly: boolean;
  /** Decoded records a worker may have sent and not yet seen acknowledged; above it datagrams wait undecoded. */
  maxUnackedRecords: number;
  /**
   * Octets of datagrams its own sockets received that may wait (to be decoded, or, receive only,
   * forwarded and not yet acknowledged); above it they are dropped, counted.
   */
  maxQueuedBytes: number;
}

/** Datagrams dispatched by the main thread (or forwarded by a receiving worker), packed end to end in one transferred buffer. */
export interface DatagramBatch {
  kind: 'datagrams';
  buffer: ArrayBuffer;
  lengths: number[];
  addresses: string[];
  ports: number[];
  /** Arrival times (ms since the epoch) where they were received. */
  receivedAt: number[];
}

export type ToWorker =
  | DatagramBatch
  /** The main thread delivered a results message of this many records; its arrays come back (transferred) for reuse. */
  | { kind: 'ack'; records: number; arrays: MessageArrays }
  /** The main thread decoded forwarded datagrams of this many octets. */
  | { kind: 'taken'; bytes: number }
  | { kind: 'counters' | 'templates'; id: number };

/** Figures a worker reports every second (and the main thread sums for the status line). */
export interface WorkerSummary {
  records: number;
  datagramsWithErrors: number;
  pendingDropped: number;
  templates: number;
  /** Datagrams its own sockets received, and of those from exporters not allowed (SO_REUSEPORT). */
  datagrams: number;
  notAllowed: number;
  /** Datagrams its own sockets received while its queue was full, dropped. */
  queueDropped: number;
}

export type FromWorker =
  | {
    kind: 'results';
    /** Decode results, packed (result-transfer.ts). */
    results: PackedResults;
    /** Records in `results`, echoed in the ack. */
    records: number;
    /** Octets of dispatched datagrams this message finishes. */
    consumed: number;
    /** Up to date with these results, so the counts of a worker that dies next are not lost. */
    summary: WorkerSummary;
  }
  | DatagramBatch
  /** Every second, after the worker's pending sweep: `drops`, the sets it dropped since the last one. */
  | { kind: 'summary'; summary: WorkerSummary; drops: PendingDrop[] }
  | { kind: 'counters'; id: number; counters: DecoderCounters }
  | { kind: 'templates'; id: number; templates: SerializedTemplate[] }
  | { kind: 'listening'; receiveBuffers: Record<number, number> }
  | { kind: 'socket-error'; port: number; code?: string; message: string }
  | { kind: 'rcvbuf-failed'; message: string }
  | { kind: 'rcvbuf-capped'; port: number; requested: number; got: number; wanted: number };
