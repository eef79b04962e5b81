// Flow collector on one and on two cores, beside goflow2 on the same cores in the same run.
// End to end: real softflowd NetFlow v9 datagrams (24 records each) from the C sender
// (bench/udp-blast.c, 16 exporters: sockets bound to 127.0.1.1-16) into flow collector in a running
// Node-RED, batches of 1000 records into a minimal counting node; goflow2 (scripts/setup.d/bench/
// goflow2.sh builds it) decodes the same datagrams into its protobuf messages, written to /dev/null
// through a buffered transport (its "file" transport makes two system calls per record, which on
// this VM cost more than its decoding), and its decoded data records are read from its Prometheus
// metrics. Fixed offered rates; per rate: delivered %, the % the kernel dropped because a receive
// buffer was full (/proc/net/udp), the CPU seconds the collecting process used (/proc/<pid>/stat),
// records per CPU second (what it does with the CPU it gets, which a busy machine distorts less
// than the delivered %), the sender's CPU (cores), and the CPU seconds by thread (main, workers,
// V8's helpers) of ours.
// - The sender is pinned to CPU 1 in every setup. On loopback its CPU time includes the kernel's
//   delivery of each datagram into the receiving socket.
// - 1 core: Node-RED (every thread) and goflow2 (GOMAXPROCS=1, one socket, one worker) pinned to
//   CPU 0.
// - 2 cores: the collector with 2 workers (SO_REUSEPORT on Node >= 22.12, else dispatch), once
//   decoding in the workers and once receiving only (Node-RED's thread decodes), and goflow2 with
//   GOMAXPROCS=2 and 2 sockets and workers, on CPUs 0-1: one of them is the sender's, so on a 2-CPU
//   machine a collector gets 2 minus the sender's cores.
// Receive buffer: the collector asks for 32 MiB (the kernel grants twice what is asked, capped at
// twice net.core.rmem_max, which is often 208 KiB to 4 MiB); run as root, the bench raises
// net.core.rmem_max to 32 MiB for the run and restores it after (it says so), as docs/flow.md tells
// users to. goflow2 does not set its sockets' buffer: they get net.core.rmem_default, which the
// bench (as root) sets to the 64 MiB ours gets while goflow2 opens its sockets (then restores it).
// goflow2 runs in its blocking mode, so both queue in that buffer (see goflow2()).
//   node --import tsx bench/flow-collector-cores.bench.ts [seconds-per-rate] [rates, records/s, comma-separated]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSink, NodeRed, freePort, freeUdpPort, repoRoot, waitUntil } from '../test/helpers/node-red';
import { RECORDS_PER_DATAGRAM, blast, prepare, reportNodes, reportedCount, settledCount } from './flow-bench-parts';

const SECONDS = Number(process.argv[2] ?? 3);
const RATES = (process.argv[3] ?? '500000,1000000,1700000').split(',').map(Number);
const EXPORTERS = 16;
const RECEIVE_BUFFER = 32 * 1024 * 1024;
const RMEM_MAX = '/proc/sys/net/core/rmem_max';
const RMEM_DEFAULT = '/proc/sys/net/core/rmem_default';
const SENDER = ['taskset', '-c', '1'];
const GOFLOW2 = join(repoRoot, '.cache/bench/bin/goflow2');

interface Setup { name: string; cpus: string; workers: number; role: 'decode' | 'receive' }
const SETUPS: Setup[][] = [
  [{ name: '1 core', cpus: '0', workers: 1, role: 'decode' }],
  [
    { name: '2 cores', cpus: '0,1', workers: 2, role: 'decode' },
    { name: '2 cores', cpus: '0,1', workers: 2, role: 'receive' },
  ],
];

/** Pins a process and all its threads (threads started later inherit it). */
function pin(pid: number, list: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', list, String(pid)], { stdio: 'ignore' });
}

interface Peer { count(): Promise<number>; stop(): Promise<void>; port: number; pid: number }

/** Sockets bound to `port` (/proc/net/udp and udp6). */
function socketsOn(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let n = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) if (line.trim().split(/\s+/)[1]?.endsWith(hex)) n++;
  }
  return n;
}

async function goflow2(setup: Setup): Promise<Peer> {
  const port = await freeUdpPort();
  const http = await freePort();
  // Blocking: datagrams wait in the socket buffer (as big as ours) rather than in its user-space
  // queue of up to 1M 9 KB buffers, whose allocation cost it a third of its rate here.
  const listen = `netflow://127.0.0.1:${port}?count=${setup.workers}&workers=${setup.workers}&blocking=true`;
  // The receive buffer ours gets (twice what it asks), as the default for the sockets goflow2 opens now.
  const restoreDefault = setSysctl(RMEM_DEFAULT, 2 * RECEIVE_BUFFER);
  const child: ChildProcess = spawn('taskset', ['-c', setup.cpus, GOFLOW2, '-listen', listen, '-addr', `127.0.0.1:${http}`, '-format', 'bin', '-transport', 'bufferedfile', '-transport.bufferedfile', '/dev/null', '-loglevel', 'warn'], {
    env: { ...process.env, GOMAXPROCS: String(setup.workers) }, stdio: 'ignore',
  });
  const count = async () => {
    const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^goflow2_flow_process_nf_flowset_records_total\{[^}]*type="DataFlowSet"[^}]*\} (\S+)$/gm)) n += Number(m[1]);
    return n;
  };
  try {
    await waitUntil('goflow2 to answer', () => count().then(() => true, () => false), 20_000, 200);
    await waitUntil('goflow2 to open its sockets', () => socketsOn(port) === setup.workers, 20_000, 100);
  } finally {
    restoreDefault();
  }
  // taskset execs goflow2: the same process.
  return { port, count, pid: child.pid!, stop: async () => { child.kill(); await new Promise((r) => child.once('exit', r)); } };
}

async function collector(red: NodeRed, sink: MessageSink, setup: Setup): Promise<Peer> {
  const port = await freeUdpPort();
  const suffix = `-${setup.workers}-${setup.role}`;
  const tag = `workers${suffix}`;
  await red.deploy([
    {
      id: `c${suffix}`, type: 'wirescope-flow-collector', ports: String(port), bind: '127.0.0.1', rcvbuf: String(RECEIVE_BUFFER),
      output: 'batch', batchSize: '1000', batchMs: '100', persist: false, workers: String(setup.workers), workerRole: setup.role, wires: [[`count${suffix}`], [], []],
    },
    { id: `count${suffix}`, type: 'bench-record-counter', wires: [[`sink${suffix}`]] },
    ...reportNodes(sink, `count${suffix}`, suffix, tag),
  ]);
  await red.waitForStatus(`c${suffix}`, (s) => String(s.text).includes('listening'), 120_000);
  pin(red.pid!, setup.cpus);
  return { port, count: () => reportedCount(sink, tag), pid: red.pid!, stop: async () => {} };
}

/** Datagrams the kernel dropped on the sockets bound to `port` (receive buffer full), from /proc/net/udp. */
function kernelDrops(port: number): number {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(hex)) drops += Number(fields[fields.length - 1]);
    }
  }
  return drops;
}

/** CPU seconds a process (all its threads) has used, from /proc/<pid>/stat (utime + stime, in USER_HZ = 100). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds by thread: `main` (Node-RED's thread), `workers` (threads named like it: worker threads
 * take the name of the thread that started them), and the others by name (V8's helpers are `node`).
 */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  const mainName = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const name = Number(tid) === pid ? 'main' : comm === mainName ? 'workers' : comm;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/** Where the CPU went between two threadCpu readings, largest first. */
function cpuByThread(before: Map<string, number>, after: Map<string, number>): string {
  return [...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const).filter(([, s]) => s >= 0.05)
    .sort((a, b) => b[1] - a[1]).map(([name, s]) => `${name} ${s.toFixed(2)}`).join(', ');
}

/**
 * Per rate: offered and delivered records per second, delivered %, the share the kernel dropped, the
 * CPU seconds the process used (while the sender ran and while it drained its queues after),
 * records per CPU second (what the process decoded per second of CPU it got: on a shared machine
 * the delivered % says how much CPU the process got, this says what it does with it), and the
 * cores the sender used (its CPU seconds per second).
 */
async function measure(peer: Peer, blaster: string, threads: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const rate of RATES) {
    const threadsBefore = threadCpu(peer.pid);
    const before = await settledCount(() => peer.count());
    const dropsBefore = kernelDrops(peer.port);
    const cpuBefore = cpuSeconds(peer.pid);
    const start = Date.now();
    const { sent, cpuSeconds: senderCpu } = await blast(blaster, peer.port, Math.round(rate / RECORDS_PER_DATAGRAM), SECONDS, EXPORTERS, SENDER);
    const elapsed = (Date.now() - start) / 1000;
    const delivered = (await settledCount(() => peer.count())) - before;
    const offered = sent * RECORDS_PER_DATAGRAM;
    const kernel = (kernelDrops(peer.port) - dropsBefore) * RECORDS_PER_DATAGRAM;
    // Including what it decoded from its queues after the sender stopped.
    const used = Math.max(0.01, cpuSeconds(peer.pid) - cpuBefore);
    threads.push(`${rate}/s: ${cpuByThread(threadsBefore, threadCpu(peer.pid))}`);
    out.push([
      String(Math.round(offered / elapsed)).padStart(9), String(Math.round(delivered / elapsed)).padStart(9), `${(100 * delivered / offered).toFixed(2).padStart(7)}%`,
      `${(100 * kernel / offered).toFixed(1).padStart(6)}%`, used.toFixed(2).padStart(5), String(Math.round(delivered / used)).padStart(9), (senderCpu / elapsed).toFixed(2).padStart(6),
    ].join(' '));
  }
  return out;
}

/** As root, sets a sysctl (a /proc/sys file) for a while; returns how to put it back. */
function setSysctl(file: string, value: number): () => void {
  if (process.getuid?.() !== 0) return () => {};
  const was = readFileSync(file, 'utf8').trim();
  writeFileSync(file, String(value));
  return () => writeFileSync(file, was);
}

/** As root, raises net.core.rmem_max to what the collector asks for; returns how to put it back. */
function raiseRmemMax(): () => void {
  const was = Number(readFileSync(RMEM_MAX, 'utf8'));
  if (was >= RECEIVE_BUFFER) return () => {};
  if (process.getuid?.() !== 0) {
    console.log(`net.core.rmem_max is ${was}: the collector gets a ${2 * was} octet receive buffer (run as root to raise it for the bench)`);
    return () => {};
  }
  writeFileSync(RMEM_MAX, String(RECEIVE_BUFFER));
  console.log(`net.core.rmem_max raised from ${was} to ${RECEIVE_BUFFER} for this run`);
  const restore = () => {
    writeFileSync(RMEM_MAX, String(was));
    console.log(`net.core.rmem_max restored to ${was}`);
  };
  // Interrupted too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => { restore(); process.exit(130); });
  return restore;
}

async function main(): Promise<void> {
  if (!existsSync(GOFLOW2)) throw new Error(`no goflow2 at ${GOFLOW2}: run bash scripts/setup.d/bench/goflow2.sh (needs Go)`);
  const work = mkdtempSync(join(tmpdir(), 'wirescope-cores-bench-'));
  const { blaster, nodesDir } = prepare(work);
  const red = await NodeRed.start({ settings: { nodesDir } });
  const sink = await MessageSink.start();
  // A go build prints no version: the setup script records the one it built.
  const goflow2Version = `goflow2 ${readFileSync(`${GOFLOW2}.version`, 'utf8').trim()}`;
  console.log(`flow collector (Node-RED ${red.runtime.nodeRedVersion} on Node ${red.runtime.nodeVersion}) beside ${goflow2Version}; ` +
    `softflowd NetFlow v9, ${RECORDS_PER_DATAGRAM} records/datagram, ${EXPORTERS} exporters, ${SECONDS}s per rate; ${cpus().length} CPUs, load ${execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')}`);
  const restoreRmemMax = raiseRmemMax();
  try {
    for (const group of SETUPS) {
      const ours: string[][] = [];
      const threads: string[][] = [];
      for (const setup of group) {
        threads.push([]);
        ours.push(await measure(await collector(red, sink, setup), blaster, threads[threads.length - 1]));
      }
      const peer = await goflow2(group[0]);
      const theirs = await measure(peer, blaster).finally(() => peer.stop());
      group.forEach((setup, g) => {
        const what = setup.workers === 1 ? '1 worker (decodes on Node-RED\'s thread)' : `${setup.workers} workers that ${setup.role === 'decode' ? 'decode' : 'receive (Node-RED\'s thread decodes)'}`;
        console.log(`\n${setup.name} (CPU ${setup.cpus}): flow collector with ${what} | goflow2 GOMAXPROCS=${setup.workers}`);
        const head = (who: string) => ['offered/s', `${who}/s`.padStart(9), who.padStart(8), ' kernel', 'cpu-s', 'rec/cpu-s', 'sender'].join(' ');
        console.log(`${head('ours')} | ${head('goflow2')}`);
        ours[g].forEach((line, i) => console.log(`${line} | ${theirs[i]}`));
        console.log(`CPU seconds by thread (ours): ${threads[g].join('; ')}`);
      });
    }
  } catch (err) {
    console.error(`Node-RED's last log lines:\n${red.logs.slice(-30).join('\n')}\nstatuses: ${JSON.stringify([...red.statuses.entries()])}`);
    throw err;
  } finally {
    await red.stop();
    await sink.stop();
    rmSync(work, { recursive: true, force: true });
    restoreRmemMax();
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1; });
