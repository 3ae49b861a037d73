/** The dedup cache is bounded in count and in age. */
import { describe, expect, it } from 'vitest';
import { SeenCache } from '../../src/daemon/index.js';

/** A 16-byte id as the flood router keys it (latin1). */
const id = (n: number) =>
  Buffer.from(`${'0'.repeat(24)}${n.toString(16).padStart(8, '0')}`, 'hex').toString('latin1');

describe('SeenCache', () => {
  it('reports a key once', () => {
    const c = new SeenCache();
    expect(c.add('a', 0)).toBe(true);
    expect(c.add('a', 1)).toBe(false);
    expect(c.has('a', 2)).toBe(true);
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const c = new SeenCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) c.add(k, 0);
    expect(c.size).toBe(3);
    expect(c.has('a', 0)).toBe(false);
    expect(c.has('d', 0)).toBe(true);
  });

  it('forgets entries older than maxAgeMs', () => {
    const c = new SeenCache({ maxAgeMs: 100 });
    c.add('a', 0);
    expect(c.has('a', 100)).toBe(true);
    expect(c.has('a', 101)).toBe(false);
    c.add('b', 200);
    expect(c.size).toBe(1);
  });

  it('takes a key back once it is older than maxAgeMs, as fresh', () => {
    const c = new SeenCache({ maxAgeMs: 100 });
    expect(c.add('a', 0)).toBe(true);
    expect(c.add('a', 50)).toBe(false);
    expect(c.add('a', 101)).toBe(true);
    expect(c.add('a', 150)).toBe(false);
    expect(c.size).toBe(1);
  });

  it('renews a stale key that is not the oldest (the clock went back)', () => {
    const c = new SeenCache({ maxAgeMs: 100 });
    c.add('a', 1000);
    c.add('b', 0); // clock went back: b is older than a but behind it
    expect(c.add('b', 150)).toBe(true); // b is stale although a (at the head) is fresh
    expect(c.has('b', 150)).toBe(true);
    expect(c.has('a', 150)).toBe(true);
    expect(c.size).toBe(2);
  });

  it('dedups 16-byte ids exactly through many wraparounds of a full cache', () => {
    const c = new SeenCache({ maxEntries: 1000 });
    for (let n = 0; n < 10_000; n++) {
      expect(c.add(id(n), n)).toBe(true);
      expect(c.add(id(n), n)).toBe(false);
      if (n >= 1000) expect(c.has(id(n - 1000), n)).toBe(false);
      if (n >= 999) expect(c.has(id(n - 999), n)).toBe(true);
    }
    expect(c.size).toBe(1000);
    // Ids differing in one byte only are distinct.
    expect(c.add(id(9999).slice(0, 15) + '\xff', 10_000)).toBe(true);
  });

  it('evicts by age and by count together', () => {
    const c = new SeenCache({ maxEntries: 4, maxAgeMs: 10 });
    for (let n = 0; n < 4; n++) c.add(id(n), n); // 0..3 at t=0..3
    c.add(id(4), 12); // 0, 1 too old (12 - 1 > 10); 2 and 3 kept; 4 added
    expect(c.size).toBe(3);
    expect([0, 1, 2, 3, 4].map((n) => c.has(id(n), 12))).toEqual([false, false, true, true, true]);
    c.add(id(5), 12);
    c.add(id(6), 12); // full: 2 goes by count
    expect(c.size).toBe(4);
    expect([2, 3, 4, 5, 6].map((n) => c.has(id(n), 12))).toEqual([false, true, true, true, true]);
    expect(c.add(id(3), 12)).toBe(false);
  });
});
