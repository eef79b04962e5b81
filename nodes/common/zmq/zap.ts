// Pure parts of client authentication for CURVE servers: Z85 (ZeroMQ RFC 32), the allow-list
// text of the editor, and the ZAP decision (ZeroMQ RFC 27). No sockets here: nodes/shared/zmq-zap.ts
// binds the handler and feeds it the request frames.

const Z85_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_VALUE = new Map([...Z85_ALPHABET].map((c, i) => [c, i]));

/** RFC 32: every 4 bytes (big-endian) become 5 base-85 digits, most significant first. */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Error(`Z85 encodes multiples of 4 bytes, not ${bytes.length}`);
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    const digits: string[] = [];
    for (let d = 0; d < 5; d++) {
      digits.unshift(Z85_ALPHABET[value % 85]);
      value = Math.floor(value / 85);
    }
    text += digits.join('');
  }
  return text;
}

/** RFC 32 decoding; undefined when the text is not Z85 (wrong length, character, or a group above 2^32 − 1). */
export function z85Decode(text: string): Buffer | undefined {
  if (text.length % 5 !== 0) return undefined;
  const bytes = Buffer.alloc((text.length / 5) * 4);
  for (let i = 0; i < text.length; i += 5) {
    let value = 0;
    for (let d = 0; d < 5; d++) {
      const digit = Z85_VALUE.get(text[i + d]);
      if (digit === undefined) return undefined;
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) return undefined;
    bytes.writeUInt32BE(value, (i / 5) * 4);
  }
  return bytes;
}

/** A CURVE public key as ZeroMQ writes it: 32 bytes, 40 Z85 characters. */
function isCurveKeyText(text: string): boolean {
  return text.length === 40 && z85Decode(text) !== undefined;
}

/**
 * The "Allowed client keys" text: one Z85 public key per line; `#` starts a comment at the start
 * of a line or after a space. `#` is also a Z85 digit, but never the first of a key: its value 84
 * × 85^4 exceeds 2^32 − 1, so a line starting with `#` is always a comment. Throws on the first
 * bad line, naming its number, so a typo never silently locks out (or lets in) a client.
 */
export function parseAllowedKeys(text: string): string[] {
  const keys: string[] = [];
  String(text ?? '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const [first = ''] = line.split(/\s/, 1);
    const rest = line.slice(first.length).trim();
    if (isCurveKeyText(first) && (rest === '' || rest.startsWith('#'))) keys.push(first);
    else if (line !== '' && !line.startsWith('#')) {
      throw new Error(`allowed client keys, line ${index + 1}: "${line.length > 48 ? `${line.slice(0, 45)}...` : line}" is not a CURVE public key (40 Z85 characters)`);
    }
  });
  return keys;
}

export interface ZapDecision {
  /** The six reply frames of RFC 27: version, request id, status code, status text, user id, metadata. */
  reply: (string | Buffer)[];
  accepted: boolean;
  domain: string;
  address: string;
  /** The client's long-term public key (Z85) of a CURVE request. */
  clientKey?: string;
}

/**
 * Answers one ZAP request (RFC 27 §2: version "1.0", request id, domain, address, identity,
 * mechanism, credentials…). `allowed(domain)` gives the domain's key set; a domain nobody
 * registered is answered 200, because libzmq asks the handler about every CURVE server socket of
 * the context, including those of nodes that have no allow-list.
 */
export function decideZap(frames: Buffer[], allowed: (domain: string) => ReadonlySet<string> | undefined): ZapDecision {
  const requestId = frames[1] ?? Buffer.alloc(0);
  const domain = frames[2]?.toString() ?? '';
  const address = frames[3]?.toString() ?? '';
  const answer = (code: '200' | '400' | '500', text: string, clientKey?: string): ZapDecision => ({
    reply: ['1.0', requestId, code, text, code === '200' ? (clientKey ?? '') : '', Buffer.alloc(0)],
    accepted: code === '200', domain, address, clientKey,
  });
  // RFC 27: a request in another version is answered as an internal error, never accepted.
  if (frames.length < 6 || frames[0].toString() !== '1.0') return answer('500', 'malformed ZAP request');
  const keys = allowed(domain);
  const mechanism = frames[5].toString();
  const clientKey = mechanism === 'CURVE' && frames[6]?.length === 32 ? z85Encode(frames[6]) : undefined;
  if (!keys) return answer('200', 'OK', clientKey);
  if (!clientKey) return answer('400', `${mechanism} is not CURVE with a 32-byte key`);
  return keys.has(clientKey) ? answer('200', 'OK', clientKey) : answer('400', 'client key not allowed', clientKey);
}
