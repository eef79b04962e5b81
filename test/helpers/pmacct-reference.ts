// pmacct as the aggregation reference: pmacctd reads a capture and aggregates it with the given
// `aggregate` primitives and filter; its table is what flow aggregate must produce.
// Why the print plugin and pcap_filter (pmacctd 1.7.7, Debian 12), both checked against tcpdump's
// packet count of the same capture and filter:
//  - the memory plugin needs pcap_savefile_wait to stay up for `pmacct -s`, and waiting at the end
//    of a savefile pmacctd hands part of the capture over a second time (680 packets for 676);
//    the print plugin writes the same cache as JSON (`print_output: json`, the fields of
//    `pmacct -s -O json`) when pmacctd exits at the end of the file;
//  - aggregate_filter is not applied to a savefile (every packet is aggregated), so the same
//    libpcap expression goes in as pcap_filter, one pmacctd per primitive set.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PmacctSet {
  primitives: string;
  filter?: string;
  /** networks_mask (pmacctd_net: mask), for src_net / dst_net (with src_mask / dst_mask: pmacct needs them). */
  netMask?: number;
}

export type PmacctRow = Record<string, string | number>;

/** Packets of `capture` that libpcap's compiled `filter` passes (tcpdump -r). */
export function tcpdumpCount(capture: string, filter = ''): number {
  const out = execFileSync('tcpdump', ['-n', '-r', capture, ...(filter ? [filter] : [])], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 }).toString();
  return out.split('\n').filter(Boolean).length;
}

export async function pmacctTable(capture: string, dir: string, name: string, set: PmacctSet): Promise<PmacctRow[]> {
  const output = join(dir, `${name}.json`);
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, [
    'daemonize: false', `pcap_savefile: ${capture}`, 'plugins: print', 'print_output: json', `print_output_file: ${output}`,
    'print_refresh_time: 86400', `aggregate: ${set.primitives}`,
    ...(set.filter ? [`pcap_filter: ${set.filter}`] : []),
    ...(set.netMask !== undefined ? ['pmacctd_net: mask', `networks_mask: ${set.netMask}`] : []), '',
  ].join('\n'));
  await new Promise<void>((resolve, reject) => {
    execFile('pmacctd', ['-f', conf], { timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`pmacctd: ${err.message}\n${stderr}`)) : resolve()));
  });
  const rows = readFileSync(output, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as PmacctRow);
  const packets = rows.reduce((n, r) => n + Number(r.packets), 0);
  const expected = tcpdumpCount(capture, set.filter);
  if (packets !== expected) throw new Error(`pmacct ${name}: ${packets} packets in its table, tcpdump passes ${expected}`);
  return rows;
}

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

/** A pmacct row's value of one of our primitives (pmacct prints net and mask apart, protocols by name). */
export function pmacctValue(row: PmacctRow, primitive: string): string | number | undefined {
  switch (primitive) {
    case 'src_host': return row.ip_src;
    case 'dst_host': return row.ip_dst;
    case 'src_port': return row.port_src;
    case 'dst_port': return row.port_dst;
    case 'proto': return PROTOCOLS[String(row.ip_proto)] ?? Number(row.ip_proto);
    case 'src_net': return `${row.net_src}/${row.mask_src}`;
    case 'dst_net': return `${row.net_dst}/${row.mask_dst}`;
    case 'src_mask': return row.mask_src;
    case 'dst_mask': return row.mask_dst;
    default: throw new Error(`no pmacct field for ${primitive}`);
  }
}
