import { describe, expect, it } from 'vitest';
import { comparePositions, type Position } from '../../src/daemon/trust/marker-batcher.js';
import { SeenTracker } from '../../src/daemon/trust/seen-tracker.js';

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

describe('SeenTracker', () => {
  it('counts, after any sequence of markers, the members whose latest position is at or past each message', () => {
    const random = rng(7);
    const tracker = new SeenTracker();
    const rooms = ['a', 'b'];
    const members = ['m0', 'm1', 'm2', 'm3', 'm4'];
    const latest = new Map<string, Position>(); // room|member → newest position accepted
    const own: { id: string; room: string; position: Position; members: string[] }[] = [];
    const counts = new Map<string, number>(); // what the changes said last
    const expected = (o: (typeof own)[number]) =>
      new Set(o.members).size === 0
        ? 0
        : [...new Set(o.members)].filter((m) => {
            const at = latest.get(`${o.room}|${m}`);
            return at !== undefined && comparePositions(at, o.position) >= 0;
          }).length;
    for (let step = 0; step < 800; step++) {
      const room = rooms[Math.floor(random() * rooms.length)];
      const ts = Math.floor(random() * 100);
      const id = `id-${Math.floor(random() * 1000)
        .toString()
        .padStart(4, '0')}`;
      if (random() < 0.2) {
        const online = members.filter(() => random() < 0.6);
        if (online.length > 0) online.push(online[0]); // a member listed twice counts once
        const ownId = `own-${step}`;
        const got = tracker.track(ownId, room, ts, online);
        const o = { id: ownId, room, position: { ts, id: ownId }, members: online };
        own.push(o);
        expect(got).toEqual({ count: expected(o), of: new Set(online).size });
        counts.set(ownId, got.count);
      } else {
        const member = members[Math.floor(random() * members.length)];
        const position = { ts, id };
        const key = `${room}|${member}`;
        const before = latest.get(key);
        if (!before || comparePositions(position, before) > 0) latest.set(key, position);
        for (const change of tracker.update(room, member, position)) counts.set(change.id, change.count);
      }
      for (const o of own) {
        expect(counts.get(o.id), `${o.id} at step ${step}`).toBe(expected(o));
        expect(tracker.get(o.id)).toEqual({ count: expected(o), of: new Set(o.members).size });
      }
    }
  });
});
