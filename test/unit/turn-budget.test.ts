// TurnBudget: jobs run in order, in slices, with the event loop's I/O between slices; runAll
// finishes everything at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { TurnBudget, type SlicedJob } from '../../nodes/shared/turn-budget';

/** A job of `units` pieces of busy work (each about 0.2 ms), logging when it finishes. */
function busyJob(name: string, units: number, log: string[]): SlicedJob & { done: number } {
  const job = {
    done: 0,
    step(deadline: number): boolean {
      while (job.done < units) {
        const until = performance.now() + 0.2;
        while (performance.now() < until) { /* busy */ }
        job.done++;
        if (performance.now() >= deadline) return false;
      }
      log.push(name);
      return true;
    },
  };
  return job;
}

test('jobs finish in order, and datagrams are read between slices of a long job', async () => {
  const log: string[] = [];
  const budget = new TurnBudget(2);
  const receiver = dgram.createSocket('udp4');
  const sender = dgram.createSocket('udp4');
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  let received = 0;
  let receivedWhileBusy = 0;
  const long = busyJob('long', 2000, log); // about 400 ms of work
  receiver.on('message', () => { received++; if (log.length === 0 && long.done > 0) receivedWhileBusy++; });
  budget.push(long);
  budget.push(busyJob('short', 1, log));
  assert.equal(long.done, 0, 'nothing runs in the caller’s turn');
  const timer = setInterval(() => sender.send(Buffer.from('x'), receiver.address().port, '127.0.0.1'), 5);
  try {
    while (log.length < 2) await new Promise((r) => setTimeout(r, 10));
  } finally {
    clearInterval(timer);
    sender.close();
    receiver.close();
  }
  assert.deepEqual(log, ['long', 'short']);
  assert.ok(received > 0 && receivedWhileBusy > 0, `datagrams read while the long job was under way: ${receivedWhileBusy}/${received}`);
  assert.equal(budget.pending.length, 0);
});

test('runAll finishes every job now', () => {
  const log: string[] = [];
  const budget = new TurnBudget(1);
  budget.push(busyJob('a', 50, log));
  budget.push(busyJob('b', 50, log));
  budget.runAll();
  assert.deepEqual(log, ['a', 'b']);
  assert.equal(budget.pending.length, 0);
});
