/**
 * How far behind the event loop runs, as the push tree reads it to decide how long an announced
 * message may take before it is grafted (push-tree.ts, graftWaitMs).
 *
 * Why: in a saturated mesh every copy is late, the eager one too. A fixed graft timeout then asks for
 * messages that are on their way, each graft is answered with a copy that arrives beside the eager
 * one, and that extra work makes the loop later still: the issue measured 9,000-14,000 grafts per
 * 10 s in a saturated 50-node mesh and copies per node rising from 0.98 to 1.4-1.8. A wait that grows
 * with the loop's lag keeps grafting for messages that really missed their tree.
 *
 * The lag is how late a SAMPLE_MS timer fires, averaged over the last finished LAG_WINDOW_MS. Not
 * perf_hooks.monitorEventLoopDelay: its reset() drops the interval under way, and a window is reset
 * from inside a turn, so the long turns it should see were the ones it lost.
 */
import { performance } from 'node:perf_hooks';

/** A reading of the loop's lag in ms; tests hand the push tree a fake one. */
export type LoopLagSource = () => number;

/** The lag is averaged over windows of this long; `lagMs` returns the latest finished one. */
export const LAG_WINDOW_MS = 500;
/** How often the sampling timer is set. */
const SAMPLE_MS = 10;

/**
 * One per process is enough, as the loop is the process's; the nodes of one process (TestMesh, the
 * benchmarks) share one through their VerifyLoad. Sampling starts on the first reading and stops
 * after two windows without one, so an idle node runs no timer; the timer never keeps the process
 * alive.
 */
export class LoopLag {
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private windowStart = 0;
  private sum = 0;
  private count = 0;
  private last = 0;
  private readAt = 0;

  lagMs(): number {
    const now = performance.now();
    this.readAt = now;
    if (!this.timer) {
      this.windowStart = now;
      this.sum = this.count = this.last = 0;
      this.arm(now);
      return 0;
    }
    // A window in which the timer never fired was one long turn: its lag is that turn so far.
    if (now - this.windowStart >= LAG_WINDOW_MS) this.closeWindow(now, now - this.due);
    return this.last;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(now: number): void {
    this.due = now + SAMPLE_MS;
    this.timer = setTimeout(this.sample, SAMPLE_MS);
    this.timer.unref();
  }

  private readonly sample = (): void => {
    const now = performance.now();
    this.sum += Math.max(0, now - this.due);
    this.count++;
    if (now - this.windowStart >= LAG_WINDOW_MS) this.closeWindow(now, 0);
    if (now - this.readAt > 2 * LAG_WINDOW_MS) this.timer = null;
    else this.arm(now);
  };

  private closeWindow(now: number, pending: number): void {
    this.last = this.count > 0 ? this.sum / this.count : Math.max(0, pending);
    this.sum = this.count = 0;
    this.windowStart = now;
  }
}
