// "show lldp neighbors [detail]" over SSH (ssh2), parsed by the platform's CLI parser.
import { Client } from 'ssh2';
import { CLI_COMMANDS, parseCliNeighbors, type LldpDeviceReport } from '../../common/lldp';
import { checkHostKey, sshFingerprint, type HostKeyPolicy } from './hostkey';
import type { PollTarget, SshCredentials } from './types';

/**
 * Runs one command and returns its standard output; the whole exchange is bounded by `timeoutMs`.
 * The server's host key is checked against `hostKeys` before any authentication: a refused key
 * ends the connection before credentials are sent or a command runs.
 */
function sshExec(target: PollTarget, credentials: SshCredentials, command: string, timeoutMs: number, hostKeys: HostKeyPolicy): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let output = '';
    let errors = '';
    let settled = false;
    let refused: string | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      if (error) reject(error);
      else resolve(output);
    };
    const timer = setTimeout(() => { client.destroy(); finish(new Error(`SSH to ${target.host} timed out after ${timeoutMs} ms`)); }, timeoutMs);
    client.on('error', (error: Error) => finish(new Error(refused ?? `SSH to ${target.host}: ${error.message}`)));
    client.on('ready', () => {
      client.exec(command, (error, channel) => {
        if (error) { finish(error); return; }
        channel.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
        channel.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString('utf8'); });
        channel.on('close', (code: number | null) => {
          if (code && !output.trim()) finish(new Error(`"${command}" on ${target.host} exited with ${code}: ${errors.trim()}`));
          else finish();
        });
      });
    });
    client.connect({
      host: target.host,
      port: target.port ?? 22,
      username: credentials.username,
      password: credentials.password || undefined,
      privateKey: credentials.privateKey || undefined,
      passphrase: credentials.passphrase || undefined,
      readyTimeout: timeoutMs,
      // No hostHash: ssh2 then hands over the raw key blob, which we fingerprint like ssh-keygen.
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        checkHostKey(hostKeys, target, sshFingerprint(key)).then((problem) => {
          refused = problem;
          verify(problem === undefined);
        }, (error: Error) => {
          refused = `host key of ${target.host} not checked: ${error.message}`;
          verify(false);
        });
      },
    });
  });
}

export async function pollSsh(target: PollTarget, credentials: SshCredentials, options: { timeoutMs: number; hostKeys: HostKeyPolicy }): Promise<LldpDeviceReport> {
  const platform = target.platform ?? 'ios';
  const output = await sshExec(target, credentials, CLI_COMMANDS[platform], options.timeoutMs, options.hostKeys);
  return { device: target.name ?? target.host, source: 'ssh', neighbors: parseCliNeighbors(output, platform) };
}
