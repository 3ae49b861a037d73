/**
 * Work that can wait a few milliseconds (committing received and sent messages, the full-text index
 * with them, batched `ihave` announcements) waits for a turn of the event loop in which no link
 * received data: a node passes a message on before it writes it down, instead of holding the next hop
 * behind a commit. Process-wide, because the event loop is: with many nodes in one process (the
 * benchmarks, the tests) a commit of one node would otherwise stall the deliveries of all the others.
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

let traffic = 0;
let queue: Waiting[] = [];
let armed = false;
let seen = 0;

/** Called by links on every chunk they receive: this turn is not quiet. */
export function noteTraffic(): void {
  traffic++;
}

/**
 * Runs `work` at the end of the first turn after this call in which no link received data, or once it
 * has waited QUIET_WAIT_MAX_MS; in the order of the calls (work queued by work may run in the same
 * pass). `work` should not throw: if it does, the error is thrown out of that pass as from any
 * callback, and the work after it still runs later.
 */
export function whenQuiet(work: () => void): void {
  queue.push({ work, since: performance.now() });
  if (armed) return;
  armed = true;
  seen = traffic;
  setImmediate(check);
}

function check(): void {
  const start = performance.now();
  const quiet = traffic === seen;
  seen = traffic;
  let done = 0;
  try {
    while (done < queue.length) {
      const next = queue[done];
      const overdue = start - next.since >= QUIET_WAIT_MAX_MS;
      if (!overdue && !(quiet && performance.now() - start < QUIET_SLICE_MS)) break;
      done++;
      next.work();
    }
  } finally {
    // Also when a piece of work threw: the rest must not be stranded with the scheduler armed.
    queue = done === queue.length ? [] : queue.slice(done);
    if (queue.length > 0) setImmediate(check);
    else armed = false;
  }
}
