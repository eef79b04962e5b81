// A real snmpd serving the IF-MIB of a network namespace (a veth host, see netns.ts), as a router's
// agent would: its interface table is the namespace's links. net-snmp keeps ifAlias itself (set
// over SNMP, as an operator sets an interface description; it does not read the kernel's alias)
// and keeps the ifName it first saw for an ifIndex while the row lives (`ip link set name` shows
// only in ifDescr). A removed link's row lives interface_fadeout seconds (300 by default); at 1 s
// the row goes at the agent's next interface reload, so a link removed and made again under a new
// name with the same ifIndex is served under its new ifName (see the flow enrich node test).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VethHost } from './netns';

export interface SnmpAgent {
  address: string;
  port: number;
  community: string;
  /** Sets ifAlias.<ifIndex> on the agent (snmpset), as an operator describing the interface would. */
  setAlias(ifIndex: number, alias: string): void;
  stop(): Promise<void>;
}

export function startIfMibAgent(host: VethHost, port: number, community = `c${Math.random().toString(36).slice(2, 10)}`): SnmpAgent {
  const dir = mkdtempSync(join(tmpdir(), 'wirescope-snmpd-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'snmpd.conf'), [`[snmp] persistentDir ${dir}`, `rwcommunity ${community}`, 'interface_fadeout 1', ''].join('\n'));
  // MIBS/MIBDIRS empty: snmpd needs no MIB files, and would log pages of warnings without them.
  const child: ChildProcess = spawn('ip', ['netns', 'exec', host.namespace, 'snmpd', '-f', '-C', '-c', join(dir, 'snmpd.conf'), '-Lf', join(dir, 'snmpd.log'),
    '-p', join(dir, 'snmpd.pid'), `udp:${host.remoteAddress}:${port}`], { stdio: 'ignore', env: { ...process.env, MIBS: '', MIBDIRS: dir } });
  return {
    address: host.remoteAddress, port, community,
    setAlias: (ifIndex, alias) => {
      execFileSync('snmpset', ['-v2c', '-c', community, '-t', '2', '-r', '3', `${host.remoteAddress}:${port}`, `1.3.6.1.2.1.31.1.1.1.18.${ifIndex}`, 's', alias], { stdio: 'ignore' });
    },
    stop: () => new Promise<void>((resolve) => {
      const finish = () => { rmSync(dir, { recursive: true, force: true }); resolve(); };
      if (child.exitCode !== null || child.signalCode !== null) { finish(); return; }
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(force); finish(); });
      child.kill('SIGTERM');
    }),
  };
}

/** The namespace's links as the kernel lists them: ifindex -> {name, alias}. */
export function kernelLinks(host: VethHost): Map<number, { name: string; alias?: string }> {
  const links = JSON.parse(host.exec('ip', '-j', 'link', 'show')) as Array<{ ifindex: number; ifname: string; ifalias?: string }>;
  return new Map(links.map((l) => [l.ifindex, { name: l.ifname, ...(l.ifalias ? { alias: l.ifalias } : {}) }]));
}

/** What the agent says for one OID (snmpget's value), the reference for our decoded table. */
export function snmpGetValue(agent: SnmpAgent, oid: string): string {
  return execFileSync('snmpget', ['-v2c', '-c', agent.community, '-t', '2', '-r', '3', '-Oqv', `${agent.address}:${agent.port}`, oid]).toString().trim();
}
