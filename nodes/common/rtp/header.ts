// RTP fixed header (RFC 3550 §5.1), read straight from the UDP payload.

export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Bytes of header: fixed part, CSRC list and header extension. */
  headerLength: number;
  /** Bytes of payload after the header, without padding. */
  payloadLength: number;
}

/**
 * Parses an RTP header; returns undefined when the bytes cannot be RTP: version other than 2,
 * too short for the CSRC list / extension / padding it announces, or a payload type 72–76,
 * which RFC 5761 §4 reserves so that RTCP (packet types 200–204) is never taken for RTP.
 */
export function parseRtpHeader(b: Buffer): RtpHeader | undefined {
  if (b.length < 12) return undefined;
  const first = b[0];
  const version = first >> 6;
  if (version !== 2) return undefined;
  const payloadType = b[1] & 0x7f;
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  const csrcCount = first & 0x0f;
  const extension = (first & 0x10) !== 0;
  const padding = (first & 0x20) !== 0;
  let headerLength = 12 + 4 * csrcCount;
  if (b.length < headerLength) return undefined;
  if (extension) {
    // §5.3.1: 16-bit profile-defined id, 16-bit length in 32-bit words, not counting these 4 bytes.
    if (b.length < headerLength + 4) return undefined;
    headerLength += 4 + 4 * b.readUInt16BE(headerLength + 2);
    if (b.length < headerLength) return undefined;
  }
  let paddingLength = 0;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included.
    paddingLength = b[b.length - 1];
    if (paddingLength === 0 || headerLength + paddingLength > b.length) return undefined;
  }
  return {
    version,
    padding,
    extension,
    csrcCount,
    marker: (b[1] & 0x80) !== 0,
    payloadType,
    sequence: b.readUInt16BE(2),
    timestamp: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    headerLength,
    payloadLength: b.length - headerLength - paddingLength,
  };
}

/** RTP clock rates of the static payload types (RFC 3551 §6, tables 4 and 5); dynamic types need configuring. */
export const STATIC_CLOCK_RATES: Readonly<Record<number, number>> = {
  0: 8000, 3: 8000, 4: 8000, 5: 8000, 6: 16000, 7: 8000, 8: 8000, 9: 8000, 10: 44100, 11: 44100,
  12: 8000, 13: 8000, 14: 90000, 15: 8000, 16: 11025, 17: 22050, 18: 8000,
  25: 90000, 26: 90000, 28: 90000, 31: 90000, 32: 90000, 33: 90000, 34: 90000,
};
