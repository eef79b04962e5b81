// Work done in slices off the caller's turn: at most `budgetMs` of it per event-loop turn, then
// the loop goes back to I/O. es bulk shapes flow records this way: a flow collector in the same
// Node-RED reads its UDP socket between slices, so a burst of datagrams waits in memory (bounded
// by es bulk's queue) instead of overflowing the kernel's socket buffer while documents are built.
export interface SlicedJob {
  /** Does some of the job, stopping once `performance.now()` passes `deadline`; true when finished. */
  step(deadline: number): boolean;
}

export class TurnBudget<J extends SlicedJob> {
  private readonly jobs: J[] = [];
  private scheduled?: NodeJS.Immediate;

  constructor(private readonly budgetMs: number) {}

  /** Jobs not finished yet (the first may be partly done). */
  get pending(): readonly J[] {
    return this.jobs;
  }

  push(job: J): void {
    this.jobs.push(job);
    this.scheduled ??= setImmediate(() => this.turn());
  }

  /** Runs every job to its end now (at close, when nothing may be left behind). */
  runAll(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    while (this.jobs.length) if (this.jobs[0].step(Infinity)) this.jobs.shift();
  }

  private turn(): void {
    this.scheduled = undefined;
    const deadline = performance.now() + this.budgetMs;
    while (this.jobs.length && performance.now() < deadline) if (this.jobs[0].step(deadline)) this.jobs.shift();
    // setImmediate from inside an immediate runs in the next turn, after the poll phase's I/O.
    if (this.jobs.length) this.scheduled = setImmediate(() => this.turn());
  }
}
