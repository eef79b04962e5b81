// Text forms of the binary fields LLDP carries.

export function macText(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function hexText(bytes: Buffer): string {
  return bytes.toString('hex');
}

/** RFC 5952 text of a 16-byte IPv6 address: lower case, longest run of zero groups (2+) as "::". */
export function ipv6Text(bytes: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Address in an IANA family: IPv4/IPv6 as text, 802 MAC as aa:bb:.., anything else hex. */
export function familyAddressText(family: number, bytes: Buffer): string {
  if (family === 1 && bytes.length === 4) return [...bytes].join('.');
  if (family === 2 && bytes.length === 16) return ipv6Text(bytes);
  if (family === 6 && bytes.length === 6) return macText(bytes);
  return hexText(bytes);
}

/** UTF-8 when the bytes are printable text, hex otherwise (a port ID may be any octet string). */
export function printableOrHex(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  return /^[^\x00-\x1f\x7f\ufffd]*$/.test(text) ? text : hexText(bytes);
}

export function bitNames(bits: number, names: readonly string[]): string[] {
  return names.filter((_, index) => (bits & (1 << index)) !== 0);
}

/** Cisco "aabb.ccdd.eeff" and "aa-bb-cc-dd-ee-ff" → "aa:bb:cc:dd:ee:ff"; anything else trimmed, unchanged. */
export function normalizeMac(text: string): string {
  const trimmed = text.trim();
  const isMac = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(trimmed) || /^([0-9a-f]{4}\.){2}[0-9a-f]{4}$/i.test(trimmed);
  return isMac ? trimmed.toLowerCase().replace(/[.:-]/g, '').match(/../g)!.join(':') : trimmed;
}

/** A text TLV; some agents (Extreme XOS) NUL-terminate their strings, which is not part of the text. */
export function tlvText(value: Buffer): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  return value.toString('utf8', 0, end);
}
