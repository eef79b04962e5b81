/**
 * Ethernet + IPv4 + UDP from `source` to 10.0.0.2 port 9999 with 64 payload octets of `n & 0xff`,
 * the frame number `n` in the IPv4 identification field: tshark's `ip.id` of a stored frame says
 * which frame it is, so losses and duplicates are counted against what was sent.
 */
export function numberedFrame(n: number, source: readonly number[] = [10, 0, 0, 1]): Buffer {
  const frame = Buffer.alloc(14 + 20 + 8 + 64, 0);
  frame.writeUInt16BE(0x0800, 12);
  frame.writeUInt8(0x45, 14);
  frame.writeUInt16BE(20 + 8 + 64, 16);
  frame.writeUInt16BE(n, 18);
  frame.writeUInt8(64, 22);
  frame.writeUInt8(17, 23);
  Buffer.from([...source, 10, 0, 0, 2]).copy(frame, 26);
  frame.writeUInt16BE(40000, 34);
  frame.writeUInt16BE(9999, 36);
  frame.writeUInt16BE(8 + 64, 38);
  frame.fill(n & 0xff, 42);
  return frame;
}
