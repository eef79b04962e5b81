// The local lldpd through `lldpcli -f json` (execFile, never a shell), optionally on another
// control socket (-u) — one lldpd per socket.
import { execFile } from 'node:child_process';
import { lldpcliReport, type LldpDeviceReport } from '../../common/lldp';
import type { PollTarget } from './types';

function lldpcli(command: string, socket: string, args: string[], timeoutMs: number): Promise<string> {
  const argv = [...(socket ? ['-u', socket] : []), '-f', 'json', ...args];
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${argv.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

export async function pollLldpcli(target: PollTarget, options: { timeoutMs: number; command?: string }): Promise<LldpDeviceReport> {
  const command = options.command ?? 'lldpcli';
  const [chassis, neighbors] = await Promise.all([
    lldpcli(command, target.host, ['show', 'chassis'], options.timeoutMs),
    lldpcli(command, target.host, ['show', 'neighbors', 'details'], options.timeoutMs),
  ]);
  return lldpcliReport(chassis, neighbors, target.name ?? (target.host || 'localhost'));
}
