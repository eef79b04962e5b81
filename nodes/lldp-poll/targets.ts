// Device lists: one per line in the config ("host[:port] [platform] [name]"), or msg.devices as
// strings of the same form or objects {host, port, platform, name}.
import { CLI_PLATFORMS, type CliPlatform } from '../common/lldp';
import type { PollTarget } from './sources/types';

function fromText(line: string): PollTarget {
  const [address, ...rest] = line.trim().split(/\s+/);
  const target: PollTarget = { host: address };
  // host:port, [v6]:port; a bare IPv6 address keeps its colons.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  const hostPort = /^([^:]+):(\d+)$/.exec(address);
  if (bracketed) { target.host = bracketed[1]; if (bracketed[2]) target.port = Number(bracketed[2]); }
  else if (hostPort) { target.host = hostPort[1]; target.port = Number(hostPort[2]); }
  for (const word of rest) {
    if ((CLI_PLATFORMS as readonly string[]).includes(word.toLowerCase())) target.platform = word.toLowerCase() as CliPlatform;
    else target.name = word;
  }
  return target;
}

export function parseTargets(value: unknown): PollTarget[] {
  if (typeof value === 'string') return value.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map(fromText);
  if (!Array.isArray(value)) throw new Error('devices must be text (one per line) or an array');
  return value.map((item) => {
    if (typeof item === 'string') return fromText(item);
    if (item && typeof item === 'object' && typeof (item as PollTarget).host === 'string') {
      const t = item as PollTarget;
      if (t.platform && !CLI_PLATFORMS.includes(t.platform)) throw new Error(`unknown platform "${t.platform}" (one of ${CLI_PLATFORMS.join(', ')})`);
      return { host: t.host, port: t.port, platform: t.platform, name: t.name };
    }
    throw new Error(`bad device entry ${JSON.stringify(item)}: a "host[:port] [platform] [name]" string or {host, port, platform, name}`);
  });
}
