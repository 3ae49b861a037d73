/** IdRing: a bounded, insertion-ordered set of short latin1 keys in typed arrays (issue 20). */
import { describe, expect, it } from 'vitest';
import { IdRing } from '../../src/daemon/flood/id-ring.js';

/** A deterministic PRNG, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const key = (n: number) => String.fromCharCode(n & 0xff, (n >> 8) & 0xff, 7, 0);

describe('IdRing', () => {
  it('finds what it holds and nothing else; keys differ by length and by every byte', () => {
    const r = new IdRing(8, 4);
    r.push('a');
    r.push('a\0');
    r.push('\xff\xfe');
    expect(r.has('a')).toBe(true);
    expect(r.has('a\0')).toBe(true);
    expect(r.has('\xff\xfe')).toBe(true);
    expect(r.has('')).toBe(false);
    expect(r.has('b')).toBe(false);
    expect(r.has('a\0\0')).toBe(false);
    expect(r.has('\u01ff\xfe')).toBe(false); // not latin1: never equal to a stored byte
    expect(r.has('toolongkey')).toBe(false);
    expect(r.size).toBe(3);
  });

  it('refuses keys it cannot hold exactly', () => {
    const r = new IdRing(4, 4);
    expect(() => r.push('12345')).toThrow(RangeError);
    expect(() => r.push('\u0100')).toThrow(RangeError);
  });

  it('drops the oldest when full, around the ring many times', () => {
    const r = new IdRing(5, 4);
    for (let i = 0; i < 53; i++) {
      r.push(key(i));
      expect(r.size).toBe(Math.min(i + 1, 5));
      for (let j = Math.max(0, i - 10); j <= i; j++) expect(r.has(key(j))).toBe(j > i - 5);
    }
  });

  it('deletes out of order, and the oldest then skips the deleted', () => {
    const r = new IdRing(4, 4);
    for (const k of ['a', 'b', 'c', 'd']) r.push(k);
    expect(r.delete('b')).toBe(true);
    expect(r.delete('b')).toBe(false);
    expect(r.size).toBe(3);
    r.dropOldest(); // a
    expect(r.has('a')).toBe(false);
    expect(r.oldest()).toBeGreaterThanOrEqual(0);
    r.dropOldest(); // c (b was deleted)
    expect(r.has('c')).toBe(false);
    expect(r.has('d')).toBe(true);
    expect(r.size).toBe(1);
    r.dropOldest();
    expect(r.size).toBe(0);
    expect(r.oldest()).toBe(-1);
  });

  it('agrees with a model over random pushes, deletes and drops (collisions, wraparound)', () => {
    // The model: ring slots oldest first; a deleted key keeps its slot (dead) until it reaches the head.
    for (const [capacity, universe] of [
      [1, 3],
      [3, 8],
      [7, 20],
      [64, 300],
    ]) {
      const next = rng(capacity * 7919);
      const r = new IdRing(capacity, 4);
      const slots: { k: string; dead: boolean }[] = [];
      const live = () => slots.filter((s) => !s.dead).map((s) => s.k);
      const trim = () => {
        while (slots.length > 0 && slots[0].dead) slots.shift();
      };
      for (let step = 0; step < 5000; step++) {
        const k = key(Math.floor(next() * universe));
        const op = next();
        if (op < 0.55) {
          if (slots.some((x) => x.k === k && !x.dead)) continue;
          if (slots.length === capacity) slots.shift();
          trim();
          slots.push({ k, dead: false });
          r.push(k);
        } else if (op < 0.85) {
          const s = slots.find((x) => x.k === k && !x.dead);
          if (s) s.dead = true;
          trim();
          expect(r.delete(k)).toBe(s !== undefined);
        } else {
          slots.shift();
          trim();
          r.dropOldest();
        }
        const held = new Set(live());
        expect(r.size).toBe(held.size);
        expect(r.size).toBeLessThanOrEqual(capacity);
        for (let u = 0; u < universe; u++) expect(r.has(key(u))).toBe(held.has(key(u)));
      }
    }
  });
});
