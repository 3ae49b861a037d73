/**
 * HistoryStore's reconciliation queries (digests, id lists, split points, signed messages) answer
 * exactly as the in-memory reference MemorySyncStore does, for any contents and any range: two nodes
 * must compute the same digest from the same messages whatever store they run.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SYNC_TS, SYNC_FANOUT, idToText } from '../../src/daemon/history/reconcile.js';
import { MemorySyncStore, type MemoryEntry } from '../../src/daemon/history/store-memory.js';
import { HistoryStore, type StoredMessage } from '../../src/daemon/history/store.js';

const BASE = 1_750_000_000_000;

function stored(e: MemoryEntry): StoredMessage {
  const direct = e.scope.startsWith('dm:');
  return {
    id: e.id,
    scope: e.scope,
    room: direct ? null : e.scope.slice(5),
    peer: direct ? e.scope.slice(3) : null,
    from: 'f'.repeat(64),
    nick: 'n',
    ts: e.ts,
    text: 'x',
    action: false,
    own: false,
    status: null,
    via: 'sync',
    future: false,
    receivedAt: BASE,
    payload: e.payload,
    sig: e.sig,
  };
}

const ts = fc.oneof(
  fc.integer({ min: 0, max: 8 }).map((d) => BASE + d),
  fc.integer({ min: BASE - 1_000_000, max: BASE + 1_000_000 }),
  fc.constantFrom(0, MAX_SYNC_TS, MAX_SYNC_TS - 1),
);
const entryArb = fc
  .tuple(
    ts,
    fc.constantFrom('room:a', 'dm:' + 'b'.repeat(64)),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
  )
  .map(([t, scope, id]): MemoryEntry => ({
    id: idToText(id),
    scope,
    ts: t,
    payload: randomBytes(8),
    sig: randomBytes(64),
  }));
const rangeArb = fc.oneof(
  fc.tuple(ts, ts).map(([x, y]) => [Math.min(x, y), Math.max(x, y)] as const),
  ts.map((x) => [x, MAX_SYNC_TS] as const),
  ts.map((x) => [x, x + 1] as const),
);

describe('HistoryStore as a SyncStore', () => {
  it('agrees with the reference on digests, id lists and split points', () => {
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 150 }),
        fc.array(rangeArb, { minLength: 1, maxLength: 10 }),
        (entries, ranges) => {
          const store = HistoryStore.open(':memory:');
          try {
            store.insertMany(entries.map(stored));
            const reference = new MemorySyncStore(entries);
            for (const scope of ['room:a', 'dm:' + 'b'.repeat(64), 'room:none']) {
              for (const [from, to] of ranges) {
                const mine = store.rangeDigest(scope, from, to);
                const ref = reference.rangeDigest(scope, from, to);
                expect({ count: mine.count, hash: [...mine.hash] }).toEqual({
                  count: ref.count,
                  hash: [...ref.hash],
                });
                expect(store.rangeIds(scope, from, to)).toEqual(reference.rangeIds(scope, from, to));
                expect(store.rangeQuantiles(scope, from, to, SYNC_FANOUT)).toEqual(
                  reference.rangeQuantiles(scope, from, to, SYNC_FANOUT),
                );
              }
            }
          } finally {
            store.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts a message at the top timestamp only in the top range', () => {
    const store = HistoryStore.open(':memory:');
    try {
      const e: MemoryEntry = {
        id: idToText(randomBytes(16)),
        scope: 'room:a',
        ts: MAX_SYNC_TS,
        payload: randomBytes(4),
        sig: randomBytes(64),
      };
      store.insert(stored(e));
      expect(store.rangeDigest('room:a', 0, MAX_SYNC_TS).count).toBe(1);
      expect(store.rangeDigest('room:a', 0, MAX_SYNC_TS - 1).count).toBe(0);
      expect(store.rangeIds('room:a', MAX_SYNC_TS - 1, MAX_SYNC_TS)).toEqual([e.id]);
    } finally {
      store.close();
    }
  });

  it('serves signed messages only from the asked scope, byte for byte', () => {
    const store = HistoryStore.open(':memory:');
    try {
      const room: MemoryEntry = {
        id: idToText(randomBytes(16)),
        scope: 'room:a',
        ts: BASE,
        payload: randomBytes(300),
        sig: randomBytes(64),
      };
      const dm: MemoryEntry = {
        id: idToText(randomBytes(16)),
        scope: 'dm:' + 'c'.repeat(64),
        ts: BASE,
        payload: randomBytes(30),
        sig: randomBytes(64),
      };
      store.insertMany([stored(room), stored(dm)]);
      const unknown = idToText(randomBytes(16));
      const got = store.signedMessages('room:a', [room.id, dm.id, unknown]);
      expect(got.map((m) => [idToText(m.id), Buffer.from(m.payload), Buffer.from(m.sig)])).toEqual([
        [room.id, Buffer.from(room.payload), Buffer.from(room.sig)],
      ]);
      expect(store.missing([room.id, dm.id, unknown])).toEqual([unknown]);
    } finally {
      store.close();
    }
  });

  it('answers digests from the covering index, without reading table rows', () => {
    const store = HistoryStore.open(':memory:');
    try {
      const db = (
        store as unknown as { db: { prepare(s: string): { all(...a: unknown[]): { detail: string }[] } } }
      ).db;
      const plan = db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT COUNT(*), SUM(h0), SUM(h1), SUM(h2), SUM(h3)
           FROM messages WHERE scope = ? AND ts BETWEEN ? AND ?`,
        )
        .all('room:a', 0, 1);
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING COVERING INDEX messages_scope_ts_id/);
    } finally {
      store.close();
    }
  });
});
