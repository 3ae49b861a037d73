import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/daemon/flood/token-bucket.js';

describe('TokenBucket', () => {
  it('allows exactly the burst at once, and not one more', () => {
    const b = new TokenBucket({ ratePerSec: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.msUntilToken(0)).toBe(100);
  });

  it('refills at the rate: a token exactly at 1/rate, none just before', () => {
    const b = new TokenBucket({ ratePerSec: 10, burst: 1 }, 1000);
    expect(b.take(1000)).toBe(true);
    expect(b.take(1099)).toBe(false);
    expect(b.msUntilToken(1099)).toBe(1);
    expect(b.take(1100)).toBe(true);
    expect(b.take(1100)).toBe(false);
  });

  it('sustains the rate over time and never holds more than the burst', () => {
    const b = new TokenBucket({ ratePerSec: 100, burst: 20 }, 0);
    let taken = 0;
    for (let t = 0; t <= 10_000; t++) while (b.take(t)) taken++;
    expect(taken).toBe(20 + 100 * 10); // the first burst, then 100 a second for 10 s
    expect(b.available(1_000_000)).toBe(20);
    expect(b.full(1_000_000)).toBe(true);
  });

  it('a clock stepping back neither adds nor removes tokens', () => {
    const b = new TokenBucket({ ratePerSec: 1, burst: 2 }, 5000);
    expect(b.take(5000)).toBe(true);
    expect(b.available(1000)).toBe(1);
    expect(b.take(1000)).toBe(true);
    expect(b.take(5999)).toBe(false);
    expect(b.take(6000)).toBe(true);
  });

  it('refuses limits that would make it useless', () => {
    expect(() => new TokenBucket({ ratePerSec: 0, burst: 5 }, 0)).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSec: 5, burst: 0 }, 0)).toThrow(RangeError);
  });
});
