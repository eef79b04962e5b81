// Passive LLDP: which local port a captured LLDP frame arrived on.
/**
 * The local port of a captured frame: the interface it names (pcap in's interface, pcapng's
 * if_name), else the configured capture port. A classic pcap file names no interface: pcap file in
 * then gives its interface number ("0"), which is no port name.
 */
export function capturePortName(frameInterface: string | undefined, configured: string | undefined): string {
  const named = frameInterface !== undefined && frameInterface.trim() !== '' && !/^\d+$/.test(frameInterface.trim());
  if (named) return frameInterface!.trim();
  return configured?.trim() || frameInterface?.trim() || 'unknown';
}
