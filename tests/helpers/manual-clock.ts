/** A Clock the test moves by hand: timers (one-shot and interval) fire in order as time is advanced. */
import type { Clock, Timer } from '../../src/daemon/index.js';

interface ManualTimer extends Timer {
  at: number;
  fn: () => void;
  every: number | null;
}

export class ManualClock implements Clock {
  private t = 0;
  private timers: ManualTimer[] = [];

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, null);
  }
  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, ms);
  }
  clearTimeout(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
  }
  clearInterval(timer: Timer): void {
    this.clearTimeout(timer);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = due.at;
      if (due.every === null) this.timers = this.timers.filter((t) => t !== due);
      else due.at += due.every;
      due.fn();
    }
    this.t = end;
  }

  private add(fn: () => void, ms: number, every: number | null): Timer {
    const timer: ManualTimer = { at: this.t + ms, fn, every, unref: () => undefined };
    this.timers.push(timer);
    return timer;
  }
}
