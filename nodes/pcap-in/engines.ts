// The two ways pcap in runs libpcap. Both run it in a child process that streams a pcap file on
// its stdout, which pcap in parses with the pack's own reader:
//   cap      the `cap` module (capture-process.ts): no extra program, ~40k packets/s here
//            (one JavaScript call per packet), timestamps taken in the capture process;
//   tcpdump  Debian's tcpdump: libpcap's own timestamps (ns), promiscuous mode off on request,
//            kernel drop counts, and well beyond 100k packets/s.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { capturePermissionProblem, type CaptureRequest, type ChildReport } from './cap-types';

export type EngineName = 'cap' | 'tcpdump';

export interface EngineEvents {
  data(chunk: Buffer): void;
  open(): void;
  /** `fatal`: retrying will not help (no permission, missing program or module, bad filter). */
  error(kind: 'missing' | 'permission' | 'open', message: string, fatal: boolean): void;
  dropped(count: number): void;
  exit(description: string, lastError: string): void;
}

export interface RunningEngine {
  readonly process: ChildProcess;
  /** Ends the capture; resolves when the process has exited. */
  stop(): Promise<void>;
}

const STATS_INTERVAL_MS = 1000;

export function startEngine(name: EngineName, request: CaptureRequest & { promiscuous: boolean }, events: EngineEvents): RunningEngine {
  return name === 'tcpdump' ? startTcpdump(request, events) : startCap(request, events);
}

/** The compiled capture process, or its TypeScript source when the pack runs from source (tests). */
function captureScript(): { path: string; execArgv: string[] } {
  const compiled = join(__dirname, 'capture-process.js');
  if (existsSync(compiled)) return { path: compiled, execArgv: [] };
  return { path: join(__dirname, 'capture-process.ts'), execArgv: ['--import', 'tsx'] };
}

function watch(proc: ChildProcess, events: EngineEvents, onStderrLine?: (line: string) => void): () => string {
  let lastError = '';
  proc.stdout!.on('data', (chunk: Buffer) => events.data(chunk));
  let pending = '';
  proc.stderr!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      lastError = line;
      onStderrLine?.(line);
    }
  });
  proc.on('exit', (code, signal) => events.exit(signal ?? `exit ${code}`, lastError));
  return () => lastError;
}

function stopper(proc: ChildProcess, end: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const killTimer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      proc.once('exit', () => {
        clearTimeout(killTimer);
        resolve();
      });
      end();
    });
}

function startCap(request: CaptureRequest, events: EngineEvents): RunningEngine {
  const script = captureScript();
  const proc = fork(script.path, [JSON.stringify(request)], { execArgv: script.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  watch(proc, events);
  proc.on('message', (report: ChildReport) => {
    if (report.type === 'open') events.open();
    else if (report.type === 'stats') events.dropped(report.dropped);
    else if (report.type === 'error') events.error(report.kind, report.message, report.kind !== 'open');
  });
  proc.on('error', (err) => events.error('missing', `capture process: ${err.message}`, true));
  return { process: proc, stop: stopper(proc, () => proc.disconnect()) };
}

function startTcpdump(request: CaptureRequest & { promiscuous: boolean }, events: EngineEvents): RunningEngine {
  const args = [
    '-i', request.iface,
    '-w', '-', // pcap on stdout
    '-U', // flush per packet into the pipe, not per 4 KiB block
    '--immediate-mode',
    '--time-stamp-precision=nano',
    '-n',
    '-s', String(request.snaplen),
    '-B', String(Math.max(1, Math.round(request.bufferBytes / 1024))),
    ...(request.promiscuous ? [] : ['-p']),
    ...(request.filter ? [request.filter] : []),
  ];
  const proc = spawn('tcpdump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let statsTimer: NodeJS.Timeout | undefined;
  watch(proc, events, (line) => {
    if (/^tcpdump: listening on /.test(line)) {
      events.open();
      // tcpdump prints its counters on SIGUSR1: "N packets captured, N packets received by filter, N packets dropped by kernel".
      statsTimer = setInterval(() => proc.kill('SIGUSR1'), STATS_INTERVAL_MS);
      return;
    }
    const drops = /(\d+) packets dropped by kernel/.exec(line);
    if (drops) return events.dropped(Number(drops[1]));
    if (capturePermissionProblem(line)) events.error('permission', line.replace(/^tcpdump: /, ''), true);
    else if (/syntax error|can't parse filter/i.test(line)) events.error('open', `bad filter: ${line.replace(/^tcpdump: /, '')}`, true);
    else if (/^tcpdump: /.test(line) && !/packets (captured|received)/.test(line)) events.error('open', line.replace(/^tcpdump: /, ''), false);
  });
  proc.on('exit', () => clearInterval(statsTimer));
  proc.on('error', (err) => events.error('missing', `cannot run tcpdump (${err.message}): install it (apt-get install tcpdump) or choose the cap engine`, true));
  return { process: proc, stop: stopper(proc, () => proc.kill('SIGTERM')) };
}
