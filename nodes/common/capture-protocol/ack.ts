// The acknowledged mode's back channel (zmq in ROUTER → zmq out DEALER). The receiver tells the
// sender, per (source, session), the number of the next packet it needs: "ack" after it has
// passed packets on (the sender forgets everything below), "resend" when a message arrived ahead
// of a gap (the sender sends again from its oldest unacknowledged message).
import { CAPTURE_PROTOCOL_VERSION, CaptureProtocolError } from './index';

export type ControlKind = 'ack' | 'resend';

export interface SourcePosition {
  source: string;
  session: string;
  /** The sequence number of the next packet the receiver needs. */
  next: number;
}

export interface CaptureControl {
  kind: ControlKind;
  positions: SourcePosition[];
}

export function encodeCaptureControl(kind: ControlKind, positions: readonly SourcePosition[]): Buffer[] {
  return [Buffer.from(`${kind}/`), Buffer.from(JSON.stringify({ v: CAPTURE_PROTOCOL_VERSION, kind, positions }))];
}

/** Decodes a control message; throws CaptureProtocolError on anything malformed. */
export function decodeCaptureControl(frames: readonly Buffer[]): CaptureControl {
  if (frames.length !== 2) throw new CaptureProtocolError(`control message has ${frames.length} frames, expected 2`);
  const kind = frames[0].toString().replace(/\/$/, '');
  if (kind !== 'ack' && kind !== 'resend') throw new CaptureProtocolError(`unknown control topic ${JSON.stringify(kind.slice(0, 40))}`);
  let body: { v?: unknown; kind?: unknown; positions?: unknown };
  try {
    body = JSON.parse(frames[1].toString()) as typeof body;
  } catch (err) {
    throw new CaptureProtocolError(`control frame is not JSON: ${(err as Error).message}`);
  }
  if (body?.v !== CAPTURE_PROTOCOL_VERSION || body.kind !== kind || !Array.isArray(body.positions)) throw new CaptureProtocolError('control header is not {v: 1, kind, positions: []}');
  const positions = body.positions.map((p: Partial<SourcePosition>) => {
    if (typeof p?.source !== 'string' || typeof p.session !== 'string' || !Number.isSafeInteger(p.next) || (p.next as number) < 0) {
      throw new CaptureProtocolError('a position needs a string source and session and a non-negative integer next');
    }
    return { source: p.source, session: p.session, next: p.next as number };
  });
  return { kind, positions };
}
