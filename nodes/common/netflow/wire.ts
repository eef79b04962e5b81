// Wire layouts of NetFlow v9 (RFC 3954 section 5) and IPFIX (RFC 7011 section 3) messages: the
// header offsets and set ids, named in one place, and the header read as one struct that the
// walk (templated.ts) then maps.

export const NETFLOW9_VERSION = 9;
export const IPFIX_VERSION = 10;
export type TemplatedVersion = typeof NETFLOW9_VERSION | typeof IPFIX_VERSION;

/** RFC 3954 section 5.1: version, count, sysUptime, unix secs, sequence, source id. */
export const NETFLOW9_HEADER = { length: 20, count: 2, sysUptime: 4, exportTime: 8, sequence: 12, domain: 16 } as const;

/** RFC 7011 section 3.1: version, length, export time, sequence, observation domain id. */
export const IPFIX_HEADER = { length: 16, messageLength: 2, exportTime: 4, sequence: 8, domain: 12 } as const;

/** Set header (both): set id, then the set's length including these 4 octets. */
export const SET_HEADER = { length: 4, id: 0, setLength: 2 } as const;

/** Set ids (RFC 3954 section 5.2-5.3, RFC 7011 section 3.3.2); data sets use their template's id. */
export const SET_ID = {
  netflow9Template: 0,
  netflow9OptionsTemplate: 1,
  ipfixTemplate: 2,
  ipfixOptionsTemplate: 3,
  /** Lowest id of a data set (and of a template): below it ids are reserved. */
  firstData: 256,
} as const;

export function headerLength(version: TemplatedVersion): number {
  return version === NETFLOW9_VERSION ? NETFLOW9_HEADER.length : IPFIX_HEADER.length;
}

export function isTemplateSet(version: TemplatedVersion, setId: number): boolean {
  return version === NETFLOW9_VERSION
    ? setId === SET_ID.netflow9Template || setId === SET_ID.netflow9OptionsTemplate
    : setId === SET_ID.ipfixTemplate || setId === SET_ID.ipfixOptionsTemplate;
}

export function isOptionsTemplateSet(setId: number): boolean {
  return setId === SET_ID.netflow9OptionsTemplate || setId === SET_ID.ipfixOptionsTemplate;
}

/** One message header, as read (callers checked that `headerLength` octets are there). */
export interface MessageHeader {
  /** Export time, seconds since the epoch. */
  exportSecs: number;
  sequence: number;
  /** v9 source id / IPFIX observation domain id. */
  domainId: number;
  /** v9: the exporter's sysUptime (ms) when it sent the packet; undefined for IPFIX. */
  sysUptimeMs: number | undefined;
  /** IPFIX: the message length the header states; undefined for v9 (one packet per datagram). */
  messageLength: number | undefined;
}

export function readMessageHeader(buf: Buffer, off: number, version: TemplatedVersion): MessageHeader {
  if (version === NETFLOW9_VERSION) {
    const h = NETFLOW9_HEADER;
    return {
      exportSecs: buf.readUInt32BE(off + h.exportTime), sequence: buf.readUInt32BE(off + h.sequence),
      domainId: buf.readUInt32BE(off + h.domain), sysUptimeMs: buf.readUInt32BE(off + h.sysUptime), messageLength: undefined,
    };
  }
  const h = IPFIX_HEADER;
  return {
    exportSecs: buf.readUInt32BE(off + h.exportTime), sequence: buf.readUInt32BE(off + h.sequence),
    domainId: buf.readUInt32BE(off + h.domain), sysUptimeMs: undefined, messageLength: buf.readUInt16BE(off + h.messageLength),
  };
}
