// NetFlow's time base: record times counted in ms of the exporter's uptime (v1/v5/v7 records, v9
// FIRST/LAST_SWITCHED, RFC 3954 section 8), made epoch ms from the header's export time and uptime.

/** Converts a sysUptime-relative time to epoch ms, allowing for a 32-bit uptime wrap (49.7 days). */
export function uptimeToEpochMs(exportTimeMs: number, sysUptimeMs: number, at: number): number {
  let delta = sysUptimeMs - at;
  if (delta < -0x80000000) delta += 0x100000000;
  return exportTimeMs - delta;
}
