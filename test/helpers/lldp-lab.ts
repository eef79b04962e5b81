// The LLDP lab: devices as network namespaces joined by veth pairs, each running a real lldpd
// (own hostname, own control socket, 1 s transmit interval) and, when asked, a real snmpd AgentX
// master on its own 127.0.0.1 UDP port in the root namespace (so the poller can reach it) that
// lldpd feeds through `lldpd -x -X <agentx socket>`. Every name carries a random suffix and
// everything lives in one temp dir, removed by stop().
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface LabDevice {
  index: number;
  hostname: string;
  namespace: string;
  socket: string;
  snmpPort?: number;
  interfaces: string[];
}
export interface LabLink { a: { device: number; ifname: string }; b: { device: number; ifname: string } }
export interface LabOptions {
  devices: number;
  /** Pairs of device indexes to join; default: a ring over all but the last device, the last one a leaf of device 2. */
  links?: [number, number][];
  snmp?: boolean;
  /** Host names (without the lab domain) by device index; default dev0, dev1… */
  names?: string[];
  /** SNMPv3 authPriv user every snmpd accepts besides community "public". */
  v3?: { user: string; authKey: string; privKey: string };
}

export const LAB_V3 = { user: 'labuser', authKey: 'lab-auth-pass', privKey: 'lab-priv-pass' };

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

// Generous: the machine is shared, and lldpd/snmpd start slowly under load.
async function waitFor(what: string, check: () => boolean, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`lab: timed out waiting for ${what}`);
}

export function ringWithLeaf(devices: number): [number, number][] {
  const ring = devices - 1;
  const links: [number, number][] = [];
  for (let i = 0; i < ring; i++) links.push([i, (i + 1) % ring]);
  links.push([Math.min(2, ring - 1), devices - 1]);
  return links;
}

export class LldpLab {
  readonly suffix = randomBytes(3).toString('hex');
  readonly dir: string;
  readonly devices: LabDevice[] = [];
  readonly links: LabLink[] = [];
  private readonly children: ChildProcess[] = [];

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'lldp-lab-'));
    // lldpd drops privileges; its control socket must be reachable through this directory.
    chmodSync(this.dir, 0o755);
  }

  static async start(options: LabOptions): Promise<LldpLab> {
    const lab = new LldpLab();
    try {
      await lab.build(options);
    } catch (error) {
      await lab.stop();
      throw error;
    }
    return lab;
  }

  private async build(options: LabOptions): Promise<void> {
    for (let i = 0; i < options.devices; i++) {
      const namespace = `lldplab-${this.suffix}-${i}`;
      run('ip', ['netns', 'add', namespace]);
      run('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
      this.devices.push({ index: i, hostname: `${options.names?.[i] ?? `dev${i}`}.lab.example`, namespace, socket: join(this.dir, `lldpd-${i}.sock`), interfaces: [] });
    }
    for (const [a, b] of options.links ?? ringWithLeaf(options.devices)) {
      const n = this.links.length;
      const ifA = `lw${this.suffix}${n}a`;
      const ifB = `lw${this.suffix}${n}b`;
      run('ip', ['link', 'add', ifA, 'netns', this.devices[a].namespace, 'type', 'veth', 'peer', 'name', ifB, 'netns', this.devices[b].namespace]);
      run('ip', ['-n', this.devices[a].namespace, 'link', 'set', ifA, 'up']);
      run('ip', ['-n', this.devices[b].namespace, 'link', 'set', ifB, 'up']);
      this.devices[a].interfaces.push(ifA);
      this.devices[b].interfaces.push(ifB);
      this.links.push({ a: { device: a, ifname: ifA }, b: { device: b, ifname: ifB } });
    }
    for (const device of this.devices) {
      const agentx = options.snmp ? await this.startSnmpd(device, options.v3 ?? LAB_V3) : undefined;
      const args = ['netns', 'exec', device.namespace, 'lldpd', '-d', '-u', device.socket, '-p', join(this.dir, `lldpd-${device.index}.pid`)];
      if (agentx) args.push('-x', '-X', agentx);
      this.spawn('ip', args);
      await waitFor(`lldpd ${device.index} control socket`, () => existsSync(device.socket));
      this.lldpcli(device.index, 'configure', 'system', 'hostname', device.hostname);
      this.lldpcli(device.index, 'configure', 'lldp', 'tx-interval', '1');
      // Half the devices send interface names as port IDs, like switches; lldpd's default is the MAC.
      if (device.index % 2 === 0) this.lldpcli(device.index, 'configure', 'lldp', 'portidsubtype', 'ifname');
      this.lldpcli(device.index, 'resume');
    }
  }

  private async startSnmpd(device: LabDevice, v3: { user: string; authKey: string; privKey: string }): Promise<string> {
    const dir = join(this.dir, `snmpd-${device.index}`);
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const agentx = join(dir, 'agentx.sock');
    device.snmpPort = await freeUdpPort();
    writeFileSync(join(dir, 'snmpd.conf'), [
      `[snmp] persistentDir ${dir}`,
      'master agentx',
      `agentXSocket ${agentx}`,
      'agentXPerms 0777 0755',
      'rocommunity public 127.0.0.1',
      `createUser ${v3.user} SHA ${v3.authKey} AES ${v3.privKey}`,
      `rouser ${v3.user} priv`,
      '',
    ].join('\n'));
    // MIBS/MIBDIRS empty: snmpd needs no MIB files, and would log pages of warnings without them.
    this.spawn('snmpd', ['-f', '-C', '-c', join(dir, 'snmpd.conf'), '-Lf', join(dir, 'snmpd.log'), '-p', join(dir, 'snmpd.pid'), `udp:127.0.0.1:${device.snmpPort}`], { MIBS: '', MIBDIRS: dir });
    await waitFor(`snmpd ${device.index} AgentX socket`, () => existsSync(agentx));
    return agentx;
  }

  private spawn(command: string, args: string[], env: Record<string, string> = {}): void {
    const child = spawn(command, args, { stdio: 'ignore', env: { ...process.env, ...env } });
    this.children.push(child);
  }

  lldpcli(device: number, ...args: string[]): string {
    return run('lldpcli', ['-u', this.devices[device].socket, ...args]);
  }

  /** Names of the neighbours a device's lldpd currently lists. */
  neighborNames(device: number): string[] {
    const kv = this.lldpcli(device, '-f', 'keyvalue', 'show', 'neighbors');
    return [...kv.matchAll(/^lldp\.[^.]+\.chassis\.name=(.*)$/gm)].map((m) => m[1]).sort();
  }

  /** Waits until lldpd on `device` lists exactly `count` neighbours. */
  async waitForNeighborCount(device: number, count: number, timeoutMs = 60000): Promise<void> {
    await waitFor(`device ${device} to list ${count} neighbours`, () => this.neighborNames(device).length === count, timeoutMs);
  }

  async waitForAllNeighbors(): Promise<void> {
    for (const device of this.devices) await this.waitForNeighborCount(device.index, device.interfaces.length);
  }

  /** snmpd answers for lldpd once the AgentX session is up. */
  async waitForSnmp(): Promise<void> {
    for (const device of this.devices) {
      await waitFor(`snmpd ${device.index} to serve LLDP-MIB`, () => {
        try {
          return run('snmpget', ['-v2c', '-c', 'public', '-t', '1', '-r', '0', '-Oqv', `127.0.0.1:${device.snmpPort}`, '1.0.8802.1.1.2.1.3.3.0']).includes(device.hostname);
        } catch {
          return false;
        }
      });
    }
  }

  setLinkDown(link: number): void {
    const { a } = this.links[link];
    run('ip', ['-n', this.devices[a.device].namespace, 'link', 'set', a.ifname, 'down']);
  }

  /** The port keeps listening but stops sending: its neighbour loses us, we still hear it. */
  setRxOnly(device: number, ifname: string): void {
    this.lldpcli(device, 'configure', 'ports', ifname, 'lldp', 'status', 'rx-only');
  }

  /** Stops every daemon (waiting for each to exit, so none is left behind), removes namespaces and files. */
  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => { clearTimeout(force); resolve(); });
      child.kill('SIGTERM');
    })));
    for (const device of this.devices) { try { run('ip', ['netns', 'del', device.namespace]); } catch { /* not created */ } }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
