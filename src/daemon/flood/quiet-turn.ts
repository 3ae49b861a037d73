/**
 * Work that can wait a few milliseconds (committing received and sent messages, the full-text index
 * with them, batched `ihave` announcements) waits for a turn of the event loop in which no link
 * received data: a node passes a message on before it writes it down, instead of holding the next hop
 * behind a commit. The scheduler is an object, not module state: a node builds its own unless it is handed
 * one (`components.quietTurns`). Nodes sharing one process (the benchmarks, the tests) should share one
 * scheduler, because they share the event loop: with one each, a commit of one node would stall the
 * deliveries of all the others.
 *
 * A quiet turn runs waiting work for at most QUIET_SLICE_MS, so that many nodes' commits falling due
 * together do not become one long stall; the rest waits for the next quiet turn. Nothing waits longer
 * than QUIET_WAIT_MAX_MS: under sustained traffic, where no turn is quiet, work that old runs anyway.
 * A turn with traffic costs one setImmediate check (the loop does not block in poll while one is
 * pending, so the next turn comes as soon as this one's I/O is handled).
 */
import { performance } from 'node:perf_hooks';

/** The longest work waits for a quiet turn before it runs regardless. */
export const QUIET_WAIT_MAX_MS = 25;
/** A quiet turn stops starting waiting work after this long. */
export const QUIET_SLICE_MS = 1;

interface Waiting {
  work: () => void;
  since: number;
}

export class QuietTurns {
  private traffic = 0;
  private queue: Waiting[] = [];
  private armed = false;
  private seen = 0;

  /** Called by links on every chunk they receive: this turn is not quiet. */
  noteTraffic(): void {
    this.traffic++;
  }

  /**
   * Runs `work` at the end of the first turn after this call in which no link received data, or once
   * it has waited QUIET_WAIT_MAX_MS; in the order of the calls (work queued by work may run in the same
   * pass). `work` should not throw: if it does, the error is thrown out of that pass as from any
   * callback, and the work after it still runs later.
   */
  whenQuiet(work: () => void): void {
    this.queue.push({ work, since: performance.now() });
    if (this.armed) return;
    this.armed = true;
    this.seen = this.traffic;
    setImmediate(this.check);
  }

  private readonly check = (): void => {
    const start = performance.now();
    const quiet = this.traffic === this.seen;
    this.seen = this.traffic;
    let done = 0;
    try {
      while (done < this.queue.length) {
        const next = this.queue[done];
        const overdue = start - next.since >= QUIET_WAIT_MAX_MS;
        if (!overdue && !(quiet && performance.now() - start < QUIET_SLICE_MS)) break;
        done++;
        next.work();
      }
    } finally {
      // Also when a piece of work threw: the rest must not be stranded with the scheduler armed.
      this.queue = done === this.queue.length ? [] : this.queue.slice(done);
      if (this.queue.length > 0) setImmediate(this.check);
      else this.armed = false;
    }
  };
}
