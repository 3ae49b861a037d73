/**
 * A token bucket: `ratePerSec` tokens a second accrue up to `burst`, and each unit of work takes one.
 * The flood router keeps one per link and one per origin so that no single peer or identity can make
 * this node do more than a bounded amount of work a second (issue 15). Pure: time comes in as `now`
 * (milliseconds from any clock), so tests drive it exactly.
 */

export interface TokenBucketLimits {
  /** Tokens added per second, and so the sustained rate allowed. */
  ratePerSec: number;
  /** Tokens held at most: the burst allowed after a quiet spell. */
  burst: number;
}

/** Tokens are counted in thousandths, so whole rates and millisecond clocks stay exact integers. */
const UNIT = 1000;

export class TokenBucket {
  /** Thousandths of a token. */
  private milli: number;
  private at: number;

  constructor(
    private readonly limits: TokenBucketLimits,
    now: number,
  ) {
    if (!(limits.ratePerSec > 0) || !(limits.burst >= 1)) {
      throw new RangeError(`a token bucket needs a rate > 0 and a burst >= 1, got ${JSON.stringify(limits)}`);
    }
    this.milli = limits.burst * UNIT;
    this.at = now;
  }

  /** Takes one token if there is one; false (and nothing taken) when the bucket is empty. */
  take(now: number): boolean {
    this.refill(now);
    if (this.milli < UNIT) return false;
    this.milli -= UNIT;
    return true;
  }

  /** Tokens available now (fractions included). */
  available(now: number): number {
    this.refill(now);
    return this.milli / UNIT;
  }

  /** Milliseconds from `now` until one token is available (0 when one is). */
  msUntilToken(now: number): number {
    this.refill(now);
    if (this.milli >= UNIT) return 0;
    // ratePerSec tokens a second is ratePerSec thousandths a millisecond.
    return Math.ceil((UNIT - this.milli) / this.limits.ratePerSec);
  }

  /** True when the bucket is full, so it says nothing a fresh one would not (it may be forgotten). */
  full(now: number): boolean {
    this.refill(now);
    return this.milli >= this.limits.burst * UNIT;
  }

  private refill(now: number): void {
    // A clock that steps back adds nothing rather than taking tokens away.
    const elapsed = Math.max(0, now - this.at);
    this.at = Math.max(this.at, now);
    this.milli = Math.min(this.limits.burst * UNIT, this.milli + elapsed * this.limits.ratePerSec);
  }
}
