/**
 * Where the flood router verifies a signature, on the event loop or on the thread pool, decided from
 * readings of the loop's load. Its own file so that these readings are an object a node is handed,
 * not state every node in a process shares by accident.
 */
import { performance } from 'node:perf_hooks';
import { rawVerifyBackend } from '../../crypto-node/index.js';
import { LoopLag } from './loop-lag.js';

/**
 * Where a flooded message is verified: on the event loop itself, or on the thread pool. The pool's
 * round trip (a thread woken, the result queued back, one more turn of the loop) costs the loop ~21 µs
 * and a delivery more latency than verifying costs the loop, and its threads contend with the loop
 * for the cores: on libsodium (~35 µs a verification) a 50-node mesh at 100 msg/s, 83 % busy with
 * the pool, went from p50 2.83-2.87 / p99 22.8-25.0 ms to 2.05-2.20 / 7.1-8.9 ms verifying on the
 * loop. Only a loop saturated for a whole window gains from the second core: past
 * VERIFY_ON_POOL_ABOVE busy over a window they go to the pool, and come back once a window is at most
 * VERIFY_INLINE_BELOW busy. The gap is wider than what the pool saves the loop (~14 µs a delivery,
 * 0.07 of a second at N = 50 and 100 msg/s), so a loop near the bound does not switch every window;
 * with 0.8 for the way back the highest zero-loss rate at N = 50 fell from 231 to 201 msg/s, with
 * 0.85 it was 232. On node:crypto (~57 µs, where libsodium does not load) the loop gives way at
 * 30 %, as measured before. History sync always uses the pool (its batches verify in parallel).
 */
export const VERIFY_ON_POOL_ABOVE = rawVerifyBackend === 'libsodium' ? 0.95 : 0.3;
export const VERIFY_INLINE_BELOW = rawVerifyBackend === 'libsodium' ? 0.85 : 0.3;
/**
 * Verifications on the event loop in one turn of it, at most (~2 ms on libsodium): a chunk of frames
 * must not hold the loop long. 8 sent one in six verifications of the 50-node mesh to the pool, the
 * two paths mixed, and its p99 was no better than with the pool alone.
 */
export const INLINE_PER_TURN = 64;
/**
 * The event loop's utilization (of the whole process) is sampled when asked, at most once per this
 * many ms, over the time since the previous sample. A second, not less: the pool is for sustained
 * load, and over 100 ms windows a lightly loaded loop (a 10-node mesh at 100 msg/s, 18 % busy)
 * crossed a 30 % bound whenever a collection or a few commits fell into one window, and then sent
 * 3 to 9 % of its verifications to the pool, each a slower delivery, at the moments the loop was
 * already late.
 */
const LOOP_WINDOW_MS = 1000;

/** Whether flooded messages go to the pool for the next window, after one `busy` (0 to 1) spent so. */
export function verifyOnPoolNext(onPool: boolean, busy: number): boolean {
  return onPool ? busy > VERIFY_INLINE_BELOW : busy >= VERIFY_ON_POOL_ABOVE;
}

/**
 * The event loop's load as the flood router reads it. One per process is enough (the loop is the
 * process's); each node makes its own unless handed one, as TestMesh and the benchmarks do.
 *
 * inlineSlot() is true when one more verification may run on the event loop now: the loop is not in a spell of
 * saturation (see VERIFY_ON_POOL_ABOVE), and fewer than INLINE_PER_TURN ran in this turn.
 */
export class VerifyLoad {
  /** How far behind the loop runs: the push tree waits longer before grafting when it lags. */
  readonly lag = new LoopLag();
  private loopMark = performance.eventLoopUtilization();
  private loopMarkAt = performance.now();
  private onPool = false;
  private inlineThisTurn = 0;

  inlineSlot(): boolean {
    const now = performance.now();
    if (now - this.loopMarkAt >= LOOP_WINDOW_MS) {
      const current = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(current, this.loopMark).utilization;
      this.loopMark = current;
      this.loopMarkAt = now;
      this.onPool = verifyOnPoolNext(this.onPool, busy);
    }
    if (this.onPool || this.inlineThisTurn >= INLINE_PER_TURN) return false;
    if (this.inlineThisTurn++ === 0) setImmediate(() => (this.inlineThisTurn = 0));
    return true;
  }
}
