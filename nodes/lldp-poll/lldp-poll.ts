// lldp poll: asks devices for their LLDP neighbours (SNMP LLDP-MIB, local lldpcli, CLI over SSH)
// or listens to LLDP frames from pcap in, builds the topology and reports what changed.
// Output 1: the topology after each poll; output 2: one message per change event, and the answers
// to the host-key messages (topic "forget-host-key" / "host-keys").
import { failClosed } from '../shared/fail-closed';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { PassiveNeighborTable, type LldpDeviceReport } from '../common/lldp';
import { reportsFromMessage } from './input';
import { capturePortName } from './capture-port';
import { buildTopology, DEFAULT_MANAGEMENT_PORTS, diffTopology, type Topology, type TopologyOptions } from '../common/topology';
import type { CapturedPacket } from '../shared/packet-message';
import { isCapturedPacket } from '../shared/packet-message';
import type { LldpCredentialsNode } from '../lldp-credentials/types';
import { mapLimited } from './sources/limit';
import { pollLldpcli } from './sources/lldpcli';
import { pollSnmp } from './sources/snmp';
import { pollSsh } from './sources/ssh';
import { forgetHostKeys, parseForgetRequest, parsePinnedFingerprints, type HostKeyPolicy, type KnownHostStore } from './sources/hostkey';
import type { PollTarget } from './sources/types';
import { parseTargets } from './targets';

type Source = 'snmp' | 'lldpcli' | 'ssh' | 'passive' | 'input';

interface PollDef extends NodeDef {
  source: Source;
  login: string; // id of the wirescope-lldp-credentials config node
  devices: string;
  interval: number | string;
  timeout: number | string;
  retries: number | string;
  concurrency: number | string;
  stripDomain: boolean;
  domainSuffixes: string;
  excludePorts: string;
  localName: string;
  capturePort: string;
}


interface PollResult { topology: Topology; reports: LldpDeviceReport[]; errors: { device: string; error: string }[]; stale: string[] }

export = function (RED: NodeAPI) {
  function LldpPollNode(this: Node, config: PollDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const source: Source = config.source ?? 'snmp';
    const timeoutMs = Math.max(0.1, Number(config.timeout) || 5) * 1000;
    const retries = Math.max(0, Number(config.retries ?? 1));
    const concurrency = Math.max(1, Number(config.concurrency) || 8);
    const credentials = config.login ? (RED.nodes.getNode(config.login) as LldpCredentialsNode | null) : null;
    let topologyOptions: TopologyOptions;
    try {
      topologyOptions = {
        stripDomain: config.stripDomain !== false,
        domainSuffixes: (config.domainSuffixes ?? '').split(/[\s,]+/).filter(Boolean),
        excludePorts: config.excludePorts === undefined ? DEFAULT_MANAGEMENT_PORTS : config.excludePorts.trim() ? new RegExp(config.excludePorts, 'i') : undefined,
      };
    } catch (error) {
      return failClosed(node, RED._('lldp-poll.status.badConfig'), `bad management port pattern: ${(error as Error).message}`);
    }

    // SSH host keys: checked before any credential is sent. Trust-on-first-use keys live in this
    // node's context ("sshHostKeys": {"host:port": "SHA256:..."}), so they persist when the
    // context store does. Updates are chained so parallel polls do not lose each other's entries.
    const context = node.context();
    let storeQueue: Promise<unknown> = Promise.resolve();
    const contextGet = () => new Promise<Record<string, string>>((resolve, reject) => {
      context.get('sshHostKeys', (error: Error | undefined, value: unknown) => error ? reject(error) : resolve((value as Record<string, string>) ?? {}));
    });
    const contextSet = (known: Record<string, string>) => new Promise<void>((resolve, reject) => {
      context.set('sshHostKeys', known, (error?: Error) => error ? reject(error) : resolve());
    });
    /** Runs a read-modify-write of "sshHostKeys" after the ones already queued. */
    function queued<T>(update: () => Promise<T>): Promise<T> {
      const next = storeQueue.then(update);
      storeQueue = next.catch(() => undefined);
      return next;
    }
    const knownHosts: KnownHostStore = {
      get: async (id) => (await contextGet())[id],
      set: (id, fingerprint) => queued(async () => {
        await contextSet({ ...(await contextGet()), [id]: fingerprint });
        node.log(`trusting the host key of ${id} on first use: ${fingerprint}`);
      }),
    };
    // A really replaced device key (RMA, re-install) is forgotten on request, so the next poll
    // trusts the key it then sees.
    async function forgetRequested(msg: NodeMessageInFlow): Promise<NodeMessageInFlow> {
      const request = parseForgetRequest(msg.payload);
      const outcome = await queued(async () => {
        const result = forgetHostKeys(await contextGet(), request);
        if (Object.keys(result.forgotten).length) await contextSet(result.remaining);
        return result;
      });
      const forgotten = Object.entries(outcome.forgotten).map(([device, fingerprint]) => ({ device, fingerprint }));
      const names = forgotten.map((f) => `${f.device} (${f.fingerprint})`).join(', ') || 'none';
      node.log(`forgot SSH host keys: ${names}${outcome.notKnown.length ? `; not known: ${outcome.notKnown.join(', ')}` : ''}`);
      node.status({ fill: 'blue', shape: 'dot', text: RED._('lldp-poll.status.hostKeysForgotten', { forgotten: forgotten.length, notKnown: outcome.notKnown.length }) });
      return { ...msg, topic: 'forget-host-key', payload: { forgotten, notKnown: outcome.notKnown } } as NodeMessageInFlow;
    }
    let hostKeyPolicy: HostKeyPolicy | undefined;
    let hostKeyProblem: string | undefined;
    const acceptAnyHostKey = source === 'ssh' && credentials?.hostKeyMode === 'any';
    if (source === 'ssh' && credentials) {
      try {
        hostKeyPolicy = { mode: credentials.hostKeyMode ?? 'tofu', pinned: parsePinnedFingerprints(credentials.hostKeys ?? ''), store: knownHosts };
      } catch (error) {
        hostKeyProblem = (error as Error).message;
        node.error(hostKeyProblem);
      }
      if (acceptAnyHostKey) {
        node.warn(RED._('lldp-poll.errors.anyHostKey'));
        node.status({ fill: 'yellow', shape: 'ring', text: RED._('lldp-poll.status.anyHostKey') });
      }
    }

    let previous: Topology | undefined;
    const lastGood = new Map<string, LldpDeviceReport>();
    const passive = new PassiveNeighborTable();
    const counters = { polls: 0, failures: 0, skipped: 0, notLldp: 0, badFrames: 0 };
    let busy = false;
    let closed = false;

    async function pollOne(target: PollTarget): Promise<LldpDeviceReport> {
      if (source === 'lldpcli') return pollLldpcli(target, { timeoutMs });
      if (!credentials) throw new Error(RED._('lldp-poll.errors.noCredentials'));
      const secrets = credentials.credentials ?? {};
      if (source === 'snmp') {
        return pollSnmp(target, {
          version: credentials.snmpVersion, community: secrets.community, user: credentials.snmpUser,
          authProtocol: credentials.authProtocol, authKey: secrets.authKey, privProtocol: credentials.privProtocol, privKey: secrets.privKey,
        }, { timeoutMs, retries, maxRepetitions: 20 });
      }
      if (!hostKeyPolicy) throw new Error(hostKeyProblem ?? 'no host-key policy');
      return pollSsh(target, { username: credentials.sshUsername, password: secrets.sshPassword, privateKey: secrets.sshPrivateKey, passphrase: secrets.sshPassphrase }, { timeoutMs, hostKeys: hostKeyPolicy });
    }

    async function poll(targets: PollTarget[]): Promise<PollResult> {
      const errors: PollResult['errors'] = [];
      const stale: string[] = [];
      const outcomes = await mapLimited(targets, concurrency, async (target) => {
        const key = `${target.host}:${target.port ?? ''}`;
        try {
          const report = await pollOne(target);
          lastGood.set(key, report);
          return report;
        } catch (error) {
          errors.push({ device: target.name ?? target.host, error: (error as Error).message });
          // A device that does not answer keeps its last known neighbours, so one lost poll
          // is not reported as all its links going down.
          const known = lastGood.get(key);
          if (known) stale.push(known.device);
          return known;
        }
      });
      const reports = outcomes.filter((r): r is LldpDeviceReport => r !== undefined);
      return { topology: buildTopology(reports, topologyOptions), reports, errors, stale };
    }

    function emit(result: PollResult, msg: NodeMessageInFlow, send: (m: (NodeMessageInFlow | NodeMessageInFlow[] | null)[]) => void): void {
      const events = diffTopology(previous, result.topology);
      // The first poll has nothing to compare with: its events say everything appeared.
      const baseline = previous === undefined;
      previous = result.topology;
      const eventMessages = events.map((event) => ({ topic: event.type, payload: event }) as unknown as NodeMessageInFlow);
      send([{ ...msg, payload: result.topology, events, baseline, reports: result.reports, errors: result.errors, stale: result.stale, stats: { ...counters } } as NodeMessageInFlow, eventMessages]);
      const { devices, links } = result.topology;
      const oneWay = links.filter((l) => l.state === 'one-way').length;
      node.status({
        fill: result.errors.length || acceptAnyHostKey ? 'yellow' : 'green',
        shape: acceptAnyHostKey ? 'ring' : 'dot',
        text: `${devices.length} dev, ${links.length} links${oneWay ? `, ${oneWay} one-way` : ''}${result.errors.length ? `, ${result.errors.length} failed` : ''}` +
          (acceptAnyHostKey ? ` — ${RED._('lldp-poll.status.anyHostKey')}` : ''),
      });
    }

    async function runPoll(msg: NodeMessageInFlow & { devices?: unknown }, send: (m: (NodeMessageInFlow | NodeMessageInFlow[] | null)[]) => void): Promise<void> {
      const targets = parseTargets(msg.devices ?? config.devices ?? '');
      if (targets.length === 0 && source !== 'lldpcli') throw new Error(RED._('lldp-poll.errors.noDevices'));
      if (busy) { counters.skipped++; node.warn(RED._('lldp-poll.errors.busy')); return; }
      busy = true;
      node.status({ fill: 'blue', shape: 'ring', text: RED._('lldp-poll.status.polling') });
      try {
        const result = await poll(targets.length ? targets : [{ host: '' }]);
        counters.polls++;
        counters.failures += result.errors.length;
        if (closed) return;
        for (const failure of result.errors) node.error(`${failure.device}: ${failure.error}`, { ...msg, payload: failure });
        emit(result, msg, send);
      } finally {
        busy = false;
      }
    }

    function observeFrames(msg: NodeMessageInFlow, send: (m: (NodeMessageInFlow | NodeMessageInFlow[] | null)[]) => void): void {
      const packets: unknown[] = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      let changed = false;
      for (const packet of packets) {
        if (!isCapturedPacket(packet)) { counters.badFrames++; continue; }
        const captured = packet as CapturedPacket;
        const result = passive.observe(captured.frame, capturePortName(captured.interface, config.capturePort), captured.timestamp);
        if (result.kind === 'not-lldp') counters.notLldp++;
        else if (result.kind === 'error') { counters.badFrames++; node.warn(`bad LLDPDU on ${capturePortName(captured.interface, config.capturePort)}: ${result.errors.join('; ')}`); }
        else if (result.kind === 'shutdown' || result.isNew) changed = true;
        if (result.kind !== 'not-lldp' && result.kind !== 'error') changed ||= passive.expire(captured.timestamp) > 0;
      }
      if (!changed) return;
      const now = packets.filter(isCapturedPacket).reduce((t, p) => Math.max(t, (p as CapturedPacket).timestamp), 0);
      const report = passive.report(config.localName || 'capture', now);
      emit({ topology: buildTopology([report], topologyOptions), reports: [report], errors: [], stale: [] }, msg, send);
    }

    node.on('input', (msg: NodeMessageInFlow & { devices?: unknown }, send, done) => {
      const sendAll = send as (m: (NodeMessageInFlow | NodeMessageInFlow[] | null)[]) => void;
      if (msg.topic === 'forget-host-key' || msg.topic === 'host-keys') {
        const answer = msg.topic === 'host-keys'
          ? queued(contextGet).then((known) => ({ ...msg, payload: known }) as NodeMessageInFlow)
          : forgetRequested(msg);
        answer.then((reply) => { sendAll([null, reply]); done(); }, (error: Error) => done(error));
        return;
      }
      if (source === 'passive') {
        try { observeFrames(msg, sendAll); done(); } catch (error) { done(error as Error); }
        return;
      }
      if (source === 'input') {
        try {
          const reports = reportsFromMessage(msg.payload);
          emit({ topology: buildTopology(reports, topologyOptions), reports, errors: [], stale: [] }, msg, sendAll);
          done();
        } catch (error) {
          node.status({ fill: 'red', shape: 'ring', text: (error as Error).message.slice(0, 60) });
          done(error as Error);
        }
        return;
      }
      runPoll(msg, sendAll).then(() => done(), (error: Error) => {
        node.status({ fill: 'red', shape: 'ring', text: error.message.slice(0, 60) });
        done(error);
      });
    });

    const intervalSeconds = Number(config.interval) || 0;
    const timer = source !== 'passive' && source !== 'input' && intervalSeconds > 0
      ? setInterval(() => {
        runPoll({ _msgid: RED.util.generateId() } as NodeMessageInFlow, (messages) => node.send(messages)).catch((error: Error) => {
          node.status({ fill: 'red', shape: 'ring', text: error.message.slice(0, 60) });
          node.error(error.message);
        });
      }, intervalSeconds * 1000)
      : undefined;

    node.on('close', (done: () => void) => {
      closed = true;
      if (timer) clearInterval(timer);
      done();
    });
  }

  RED.nodes.registerType('wirescope-lldp-poll', LldpPollNode as unknown as Parameters<NodeAPI['nodes']['registerType']>[1]);
};
