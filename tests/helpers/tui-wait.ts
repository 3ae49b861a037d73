/**
 * Waiting for a frame without fixed sleeps: poll (yielding to the event loop between looks) until the
 * frame holds what is expected, or fail after a bound with what was expected and the last frame seen.
 */

const SGR = /\u001B\[[0-9;]*m/g;

/** A frame without colour and style codes (what a person reads). */
export function plain(frame: string | undefined): string {
  return (frame ?? '').replace(SGR, '');
}

export interface WaitOptions {
  /**
   * Give up after this long: a safety net, not a measurement. A frame that takes milliseconds here
   * can take seconds on a 2-core machine at load 15, and a wait ends as soon as the frame is there.
   * @default 20000
   */
  timeoutMs?: number;
  /** Said in the failure message. */
  description?: string;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false; fails with `describe()` after the bound. */
export async function waitUntil<T>(
  check: () => T | undefined | false,
  options: WaitOptions & { describeFailure?: () => string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const what = options.description ?? 'condition';
      const detail = options.describeFailure ? `\n${options.describeFailure()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    // Yield: first to pending promises, then to timers (frames are throttled by timers).
    await (attempt < 5 ? new Promise((resolve) => setImmediate(resolve)) : pause(5));
  }
}

/**
 * Waits until the last frame (without styles) satisfies `expected`: a string it contains, a RegExp it
 * matches, or a predicate. Resolves with that frame.
 */
export async function waitForFrame(
  lastFrame: () => string | undefined,
  expected: string | RegExp | ((frame: string) => boolean),
  options: WaitOptions = {},
): Promise<string> {
  const test =
    typeof expected === 'string'
      ? (frame: string) => frame.includes(expected)
      : expected instanceof RegExp
        ? (frame: string) => expected.test(frame)
        : expected;
  const description =
    options.description ??
    (typeof expected === 'function'
      ? 'a frame satisfying the predicate'
      : `a frame with ${String(expected)}`);
  return waitUntil(
    () => {
      const frame = plain(lastFrame());
      return test(frame) ? frame : undefined;
    },
    { ...options, description, describeFailure: () => `last frame:\n${plain(lastFrame())}` },
  );
}
