// flow aggregate: flow records (any output mode of flow collector / flow decode, or another flow
// aggregate's bins) -> output 1: one message per closed time bin with top-N rows + `others`
// (pmacct's memory/print plugins); output 2: replies to topic "query" (the open bin, not closed)
// and "stats", kept apart so a query never reaches what stores the bins. "flush" closes bins.
import { createHash } from 'node:crypto';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
  Aggregator, compileRecordFilter, parsePrimitives, type AggregateContext, type BinResult, type FlowRecord, type Metric,
} from '../common';
import { RateMeter, shortNumber } from '../shared/rate';

interface FlowAggregateDef extends NodeDef {
  primitives: string;
  filter: string;
  interval: string | number;
  lateness: string | number;
  idle: string | number;
  timeField: 'end' | 'start';
  split: boolean;
  netMask: string | number;
  netMask6: string | number;
  maxKeys: string | number;
  orderBy: Metric;
  topN: string | number;
}

/** An aggregator and where its bins go, kept across a redeploy of the same node (see close). */
interface Kept {
  signature: string;
  aggregator: Aggregator;
  sink: { emit: (bin: BinResult) => void };
  binsSent: number;
}
const kept = new Map<string, Kept>();

function optionalInt(value: unknown, min: number, max: number, what: string): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be an integer ${min}-${max}, got "${value}"`);
  return n;
}

export = function (RED: NodeAPI) {
  function FlowAggregateNode(this: Node, config: FlowAggregateDef) {
    RED.nodes.createNode(this, config);
    const node = this;

    let make: (emit: (bin: BinResult) => void) => Aggregator;
    let signature: string;
    let idleMs: number;
    try {
      const intervalS = optionalInt(config.interval, 1, 31 * 86400, 'interval') ?? 60;
      const latenessS = optionalInt(config.lateness, 0, 7 * 86400, 'lateness') ?? 30;
      idleMs = (optionalInt(config.idle, 0, 31 * 86400, 'idle') ?? intervalS + latenessS) * 1000;
      const primitives = parsePrimitives(config.primitives || 'src_host, dst_host, src_port, dst_port, proto', {
        netMask: optionalInt(config.netMask, 0, 32, 'IPv4 network mask'),
        netMask6: optionalInt(config.netMask6, 0, 128, 'IPv6 network mask'),
      });
      const filter = compileRecordFilter(config.filter || '');
      const orderBy: Metric = config.orderBy === 'packets' || config.orderBy === 'flows' ? config.orderBy : 'bytes';
      const options = {
        primitives, filter, orderBy,
        intervalMs: intervalS * 1000,
        latenessMs: latenessS * 1000,
        timeField: config.timeField === 'start' ? 'start' as const : 'end' as const,
        split: !!config.split,
        maxKeys: optionalInt(config.maxKeys, 1, 10_000_000, 'max keys') ?? 100_000,
        topN: optionalInt(config.topN, 0, 1_000_000, 'top N') ?? 10,
      };
      signature = JSON.stringify([config.primitives, config.filter, config.netMask, config.netMask6, options.intervalMs,
        options.latenessMs, options.timeField, options.split, options.maxKeys, options.orderBy, options.topN]);
      // Each row names its aggregation: this node (its id survives redeploys and restarts, so a
      // replay makes the same rows) in these settings (a redeploy with others restarts the open bins,
      // and its rows must not replace the ones the old settings sent for the same bin).
      const aggregation = `${node.id}/${createHash('sha256').update(signature).digest('hex').slice(0, 12)}`;
      make = (emit) => new Aggregator({ ...options, aggregation }, emit);
    } catch (err) {
      const message = (err as Error).message;
      node.status({ fill: 'red', shape: 'ring', text: RED._('flow-aggregate.status.bad-config') });
      node.error(message);
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(RED._('flow-aggregate.errors.not-aggregated', { message }))));
      return;
    }

    const binMessage = (bin: BinResult, topic: string) => ({
      topic, payload: bin.rows, binStart: bin.binStart, binEnd: bin.binEnd, totals: bin.totals,
      primitives: config.primitives, ...(bin.approximate ? { approximate: bin.approximate } : {}),
    });

    // A redeploy of this node with the same settings continues its open bins; with other
    // settings the old bins are closed and sent first, so no counted traffic disappears.
    const previous = kept.get(node.id);
    kept.delete(node.id);
    const emit = (bin: BinResult) => { state.binsSent++; node.send([binMessage(bin, 'aggregate'), null]); };
    let state: Kept;
    if (previous && previous.signature === signature) {
      state = previous;
      state.sink.emit = emit;
    } else {
      const sink = { emit };
      state = { signature, aggregator: make((bin) => sink.emit(bin)), sink, binsSent: 0 };
      if (previous) {
        previous.sink.emit = (bin) => { state.binsSent++; node.send([{ ...binMessage(bin, 'aggregate'), restored: true }, null]); };
        setImmediate(() => previous.aggregator.flush());
      }
    }
    const aggregator = state.aggregator;

    const rate = new RateMeter();
    let lastInput = Date.now();
    const timer = setInterval(() => {
      if (aggregator.openBins > 0 && idleMs > 0 && Date.now() - lastInput >= idleMs) aggregator.flush();
      const late = aggregator.counters.late;
      node.status({
        fill: late ? 'yellow' : 'green', shape: 'dot',
        text: RED._('flow-aggregate.status.running', {
          rate: shortNumber(rate.sample()), keys: shortNumber(aggregator.openKeys), bins: state.binsSent, late: shortNumber(late),
        }),
      });
    }, 1000);

    const stats = () => ({
      topic: 'stats',
      payload: { ...aggregator.counters, openBins: aggregator.openBins, openKeys: aggregator.openKeys, binsSent: state.binsSent },
    });

    node.on('input', (msg: NodeMessageInFlow, send, done) => {
      try {
        if (msg.topic === 'query') {
          const open = aggregator.query();
          send([null, open ? { ...binMessage(open, 'query'), open: true } : { topic: 'query', payload: [], open: false }]);
          done();
          return;
        }
        if (msg.topic === 'flush') { aggregator.flush(); done(); return; }
        if (msg.topic === 'stats') { send([null, stats()]); done(); return; }
        const m = msg as unknown as Record<string, unknown>;
        const payload = m.payload;
        const items = Array.isArray(payload) ? payload : [payload];
        const exporter = (m.exporter as { address?: unknown } | undefined)?.address;
        const received = m.receivedAt;
        const context: AggregateContext = {
          exporter: typeof exporter === 'string' ? exporter : undefined,
          receivedAt: received instanceof Date ? received.getTime() : typeof received === 'number' ? received : undefined,
        };
        let bad = 0;
        for (const r of items) {
          if (r === null || typeof r !== 'object' || Array.isArray(r) || Buffer.isBuffer(r)) { bad++; continue; }
          aggregator.add(r as FlowRecord, context);
        }
        rate.add(items.length - bad);
        lastInput = Date.now();
        done(bad ? new Error(RED._('flow-aggregate.errors.not-records', { count: bad })) : undefined);
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      clearInterval(timer);
      // Redeploy: keep the open bins for the node that replaces this one (same process). Removed:
      // nothing is wired to send to any more.
      if (!removed) kept.set(node.id, state);
      done();
    });
  }

  RED.nodes.registerType('wirescope-flow-aggregate', FlowAggregateNode);
};
