/** Sleeping, pacing and bounded waiting for benchmark loops: every loop here ends by itself. */
import { performance } from 'node:perf_hooks';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `fn(i)` for i = 0..count-1 at `ratePerSecond`, catching up in small bursts when a timer fires
 * late (so the average rate holds even above the 1 ms timer granularity). Returns the seconds it took.
 */
export async function paced(count: number, ratePerSecond: number, fn: (i: number) => void): Promise<number> {
  const start = performance.now();
  const periodMs = 1000 / ratePerSecond;
  let i = 0;
  while (i < count) {
    const due = Math.min(count, Math.floor((performance.now() - start) / periodMs) + 1);
    while (i < due) fn(i++);
    if (i >= count) break;
    await sleep(Math.max(0, start + i * periodMs - performance.now()));
  }
  return (performance.now() - start) / 1000;
}

/** Polls `check` every `intervalMs` until it is truthy or `timeoutMs` passes; returns whether it held. */
export async function until(
  check: () => boolean,
  { timeoutMs, intervalMs = 10 }: { timeoutMs: number; intervalMs?: number },
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (performance.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Like `until`, but throws naming what was awaited (for set-up steps that must succeed). */
export async function mustReach(
  check: () => boolean,
  what: string,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  if (!(await until(check, options)))
    throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
}

/** Process CPU time (user + system) in seconds since `since` (from process.cpuUsage()). */
export function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1e6;
}
