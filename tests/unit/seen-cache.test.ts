/** The dedup cache is bounded in count and in age. */
import { describe, expect, it } from 'vitest';
import { SeenCache } from '../../src/daemon/index.js';

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
});
