/**
 * Marker batching (PROTOCOL.md §20) on a manual clock: whatever the message rate, a key (a room, a
 * peer) gets at most one marker per second, only when its position moved, and the newest position is
 * the one that goes out.
 */
import { describe, expect, it } from 'vitest';
import {
  MARKER_INTERVAL_MS,
  MarkerBatcher,
  type Position,
  seenIntervalMs,
} from '../../src/daemon/trust/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function setup(clock = new ManualClock(), members?: number, random = Math.random) {
  const sent: { key: string; at: number; position: Position }[] = [];
  const pacing = members === undefined ? undefined : { intervalMs: () => seenIntervalMs(members), random };
  const batcher = new MarkerBatcher(
    clock,
    (key, position) => sent.push({ key, at: clock.now(), position }),
    pacing,
  );
  return { clock, sent, batcher };
}

/** A seeded generator (mulberry32), so a failure replays. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Notes `rate` messages a second for `seconds` on each key, spread evenly, in clock order. */
function drive(
  { clock, batcher }: ReturnType<typeof setup>,
  keys: string[],
  rate: number,
  seconds: number,
): number {
  const step = 1000 / rate;
  let n = 0;
  for (let i = 0; i < rate * seconds; i++) {
    const due = Math.round(i * step);
    clock.advance(due - clock.now());
    for (const key of keys) batcher.note(key, { ts: clock.now(), id: id(++n) });
  }
  clock.advance(seconds * 1000 - clock.now() + 2 * MARKER_INTERVAL_MS); // let the last batch go
  return n;
}

describe('marker batcher', () => {
  for (const rate of [1, 10, 100, 1000]) {
    it(`at ${rate} messages a second: at most one marker per key per second, the newest one last`, () => {
      const env = setup();
      const keys = ['lobby', 'ops', 'peer:bob'];
      const seconds = 10;
      const total = drive(env, keys, rate, seconds);
      for (const key of keys) {
        const mine = env.sent.filter((s) => s.key === key);
        // One a second at most (plus the first, which goes at once, and the last, after the run).
        expect(mine.length).toBeLessThanOrEqual(seconds + 2);
        expect(mine.length).toBeGreaterThanOrEqual(Math.min(rate * seconds, seconds));
        for (let i = 1; i < mine.length; i++)
          expect(mine[i].at - mine[i - 1].at).toBeGreaterThanOrEqual(MARKER_INTERVAL_MS);
        // Positions only move forward, and the last one is the newest noted for the key.
        for (let i = 1; i < mine.length; i++)
          expect(mine[i].position.ts >= mine[i - 1].position.ts).toBe(true);
        const newest = mine.at(-1)!.position;
        expect(newest).toEqual(env.batcher.get(key));
      }
      expect(env.batcher.count).toBe(env.sent.length);
      expect(total).toBe(rate * seconds * keys.length);
    });
  }

  it('sends nothing when the position did not move, and ignores older positions', () => {
    const { clock, sent, batcher } = setup();
    batcher.note('lobby', { ts: 100, id: id(5) });
    clock.advance(10);
    expect(sent).toHaveLength(1);
    batcher.note('lobby', { ts: 100, id: id(5) }); // the same
    batcher.note('lobby', { ts: 99, id: id(9) }); // older
    batcher.note('lobby', { ts: 100, id: id(4) }); // same time, smaller id
    clock.advance(5 * MARKER_INTERVAL_MS);
    expect(sent).toHaveLength(1);
    batcher.note('lobby', { ts: 100, id: id(6) }); // same time, larger id: newer
    clock.advance(5 * MARKER_INTERVAL_MS);
    expect(sent.map((s) => s.position.id)).toEqual([id(5), id(6)]);
  });

  it('stop() cancels the pending batch', () => {
    const { clock, sent, batcher } = setup();
    batcher.note('lobby', { ts: 1, id: id(1) });
    clock.advance(1);
    batcher.note('lobby', { ts: 2, id: id(2) });
    batcher.stop();
    clock.advance(10 * MARKER_INTERVAL_MS);
    expect(sent).toHaveLength(1);
  });

  it('a room of up to 5 members keeps one marker a second, the first after a quiet spell at once', () => {
    expect(seenIntervalMs(1)).toBe(MARKER_INTERVAL_MS);
    expect(seenIntervalMs(5)).toBe(MARKER_INTERVAL_MS);
    const { clock, sent, batcher } = setup(new ManualClock(), 5, () => 0.99);
    batcher.note('lobby', { ts: 1, id: id(1) });
    clock.advance(0);
    expect(sent).toHaveLength(1);
  });

  it('the interval grows with the room: 200 ms a member past 5 (10 s at 50, 40 s at 200)', () => {
    expect(seenIntervalMs(6)).toBe(1200);
    expect(seenIntervalMs(50)).toBe(10_000);
    expect(seenIntervalMs(200)).toBe(40_000);
  });

  it("a large room's members spread their markers: ~10 a second for the room, never a burst", () => {
    // 50 members all get the same messages at the same moments (one process's clock): with one
    // marker a second each, all 50 went out in the same millisecond every second.
    const members = 50;
    const clock = new ManualClock();
    const random = seeded(7);
    const envs = Array.from({ length: members }, () => setup(clock, members, random));
    const seconds = 120;
    const rate = 20;
    let n = 0;
    for (let i = 0; i < rate * seconds; i++) {
      clock.advance(Math.round((i * 1000) / rate) - clock.now());
      const position = { ts: clock.now(), id: id(++n) };
      for (const env of envs) env.batcher.note('lobby', position);
    }
    const sent = envs.flatMap((e) => e.sent).filter((s) => s.at < seconds * 1000);
    const perSecond = sent.length / seconds;
    // Each member waits 5-10 s (half to all of its 10 s interval) between two markers: 5 to 10 a
    // second for the room, against 50 with the fixed second.
    expect(perSecond).toBeGreaterThan(4);
    expect(perSecond).toBeLessThan(11);
    const inOneMs = new Map<number, number>();
    for (const s of sent) inOneMs.set(s.at, (inOneMs.get(s.at) ?? 0) + 1);
    // The first batch of each member too: no more than a few in any one millisecond.
    expect(Math.max(...inOneMs.values())).toBeLessThanOrEqual(4);
    for (const env of envs) {
      for (let i = 1; i < env.sent.length; i++) {
        const gap = env.sent[i].at - env.sent[i - 1].at;
        expect(gap).toBeGreaterThanOrEqual(seenIntervalMs(members) / 2);
        expect(gap).toBeLessThanOrEqual(seenIntervalMs(members) + 1000 / rate);
      }
      // The newest position still goes out: the last marker is at most one interval old.
      const last = env.sent.at(-1)!;
      expect(last.at).toBeGreaterThan(seconds * 1000 - seenIntervalMs(members) - 1000);
    }
  });

  it('flush() sends every key that moved at once, and the next marker waits at least a second', () => {
    const { clock, sent, batcher } = setup(new ManualClock(), 50, () => 0);
    batcher.note('lobby', { ts: 1, id: id(1) });
    batcher.note('ops', { ts: 1, id: id(2) });
    expect(sent).toHaveLength(0); // a large room: the first waits too
    batcher.flush();
    expect(sent.map((s) => s.key).sort()).toEqual(['lobby', 'ops']);
    batcher.note('lobby', { ts: 2, id: id(3) });
    clock.advance(MARKER_INTERVAL_MS - 1);
    expect(sent).toHaveLength(2);
    clock.advance(seenIntervalMs(50));
    expect(sent).toHaveLength(3);
  });
});
