/**
 * Marker batching (PROTOCOL.md §20) on a manual clock: whatever the message rate, a key (a room, a
 * peer) gets at most one marker per second, only when its position moved, and the newest position is
 * the one that goes out.
 */
import { describe, expect, it } from 'vitest';
import { MARKER_INTERVAL_MS, MarkerBatcher, type Position } from '../../src/daemon/trust/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;

function setup() {
  const clock = new ManualClock();
  const sent: { key: string; at: number; position: Position }[] = [];
  const batcher = new MarkerBatcher(clock, (key, position) => sent.push({ key, at: clock.now(), position }));
  return { clock, sent, batcher };
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
});
