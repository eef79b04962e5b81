// Test hosts in network namespaces, joined to this one by veth pairs. Names carry a random
// suffix so parallel runs do not collide; `remove` deletes everything (the veth goes with the ns).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function sh(command: string, ...args: string[]): string {
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export interface VethHost {
  namespace: string;
  /** the veth end in this (the test's) namespace */
  localInterface: string;
  remoteInterface: string;
  localAddress: string;
  remoteAddress: string;
  remove(): void;
  /** Runs a command inside the namespace. */
  exec(command: string, ...args: string[]): string;
}

/** A namespace with a veth pair to the current one; IPv4 /30 from 10.250.<n>.0 and IPv6 fd00:ws:<n>::/64. */
export function createVethHost(subnet = 1 + Math.floor(Math.random() * 250)): VethHost {
  const id = randomBytes(3).toString('hex');
  const namespace = `ws-${id}`;
  const localInterface = `wsa${id}`;
  const remoteInterface = `wsb${id}`;
  const localAddress = `10.250.${subnet}.1`;
  const remoteAddress = `10.250.${subnet}.2`;
  sh('ip', 'netns', 'add', namespace);
  try {
    sh('ip', 'link', 'add', localInterface, 'type', 'veth', 'peer', 'name', remoteInterface);
    sh('ip', 'link', 'set', remoteInterface, 'netns', namespace);
    sh('ip', 'addr', 'add', `${localAddress}/30`, 'dev', localInterface);
    sh('ip', 'addr', 'add', `fd00:5753:${subnet}::1/64`, 'dev', localInterface, 'nodad');
    sh('ip', 'link', 'set', localInterface, 'up');
    sh('ip', '-n', namespace, 'addr', 'add', `${remoteAddress}/30`, 'dev', remoteInterface);
    sh('ip', '-n', namespace, 'addr', 'add', `fd00:5753:${subnet}::2/64`, 'dev', remoteInterface, 'nodad');
    sh('ip', '-n', namespace, 'link', 'set', remoteInterface, 'up');
    sh('ip', '-n', namespace, 'link', 'set', 'lo', 'up');
  } catch (err) {
    sh('ip', 'netns', 'del', namespace);
    throw err;
  }
  return {
    namespace,
    localInterface,
    remoteInterface,
    localAddress,
    remoteAddress,
    exec: (command, ...args) => sh('ip', 'netns', 'exec', namespace, command, ...args),
    remove: () => {
      try { sh('ip', 'link', 'del', localInterface); } catch { /* gone with the namespace */ }
      try { sh('ip', 'netns', 'del', namespace); } catch { /* already removed */ }
    },
  };
}

export function macOf(iface: string, namespace?: string): string {
  const out = namespace ? sh('ip', '-n', namespace, 'link', 'show', iface) : sh('ip', 'link', 'show', iface);
  return /link\/ether ([0-9a-f:]{17})/.exec(out)![1];
}
