// Source "input": neighbour tables that arrive in the message instead of being polled — saved
// `lldpcli -f json` answers ({chassis, neighbors}, parsed JSON or text) or device reports.
import { lldpcliReport, type LldpDeviceReport } from '../common/lldp';

function isReport(value: unknown): value is LldpDeviceReport {
  const v = value as LldpDeviceReport;
  return !!v && typeof v === 'object' && typeof v.device === 'string' && Array.isArray(v.neighbors);
}

export function reportsFromMessage(payload: unknown): LldpDeviceReport[] {
  const items = Array.isArray(payload) ? payload : [payload];
  return items.map((item, index) => {
    if (isReport(item)) return item;
    const entry = item as { chassis?: unknown; neighbors?: unknown; name?: string };
    if (entry && typeof entry === 'object' && entry.chassis !== undefined && entry.neighbors !== undefined) {
      return lldpcliReport(entry.chassis as string, entry.neighbors as string, entry.name ?? `device ${index + 1}`);
    }
    throw new Error(`msg.payload[${index}] is neither a device report {device, neighbors} nor lldpcli JSON {chassis, neighbors}`);
  });
}
