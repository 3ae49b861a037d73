/**
 * SyncSession over real HistoryStores, two sessions wired back to back (each send goes through the
 * codec and schema check, then to the other side's handle() in a microtask): random differences in a
 * room and the direct conversation converge; a host that rejects everything still lets both finish;
 * ill-formed or unexpected requests are ignored without a throw and never leak another scope.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SYNC_WINDOW_MS,
  MAX_SYNC_TS,
  idToText,
  type SignedMessage,
} from '../../src/daemon/history/reconcile.js';
import { HistoryStore, type StoredMessage } from '../../src/daemon/history/store.js';
import { SyncSession, type SyncMessage } from '../../src/daemon/history/sync-session.js';
import { packValue, parseLinkMessage, unpackValue, type LinkMessage } from '../../src/wire/index.js';

const NOW = 1_750_000_000_000;
const A_ID = 'a1'.repeat(32);
const B_ID = 'b2'.repeat(32);

/** A message as its origin wrote it: `wire` is 'room:a' or 'dm' (between A and B). */
interface Written {
  id: string;
  wire: 'room:a' | 'dm';
  ts: number;
  payload: Buffer;
  sig: Buffer;
}

function written(wire: 'room:a' | 'dm', ts: number): Written {
  return { id: idToText(randomBytes(16)), wire, ts, payload: randomBytes(40), sig: randomBytes(64) };
}

/** How `node` (A_ID or B_ID) stores a message. */
function storedAt(node: string, w: Written, via: 'live' | 'sync' = 'live'): StoredMessage {
  const other = node === A_ID ? B_ID : A_ID;
  return {
    id: w.id,
    scope: w.wire === 'dm' ? `dm:${other}` : w.wire,
    room: w.wire === 'dm' ? null : 'a',
    peer: w.wire === 'dm' ? other : null,
    from: A_ID,
    nick: 'someone',
    ts: w.ts,
    text: 'hello',
    action: false,
    own: false,
    status: null,
    via,
    future: false,
    receivedAt: NOW,
    payload: w.payload,
    sig: w.sig,
  };
}

const localScope = (node: string) => (wire: string) =>
  wire === 'dm' ? `dm:${node === A_ID ? B_ID : A_ID}` : wire;

/** Ingest as the node would: accept only unchanged messages of the universe that belong to the scope. */
function honestIngest(node: string, store: HistoryStore, universe: Map<string, Written>) {
  return (scope: string, msgs: SignedMessage[]): number => {
    const accepted = msgs
      .map((m) => universe.get(idToText(m.id)))
      .filter((w): w is Written => w !== undefined && storedAt(node, w).scope === scope)
      .filter((w) =>
        msgs.some((m) => Buffer.from(m.payload).equals(w.payload) && Buffer.from(m.sig).equals(w.sig)),
      );
    return store.insertMany(accepted.map((w) => storedAt(node, w, 'sync'))).length;
  };
}

function roundTrip(message: LinkMessage): SyncMessage {
  return parseLinkMessage(unpackValue(packValue(message))) as SyncMessage;
}

/** Every microtask chain has run by the time a setImmediate callback does: the exchange is quiet. */
const quiet = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Side {
  session: SyncSession;
  events: unknown[][];
  sent: SyncMessage[];
}

function pair(
  stores: { a: HistoryStore; b: HistoryStore },
  ingest: { a: SyncSessionIngest; b: SyncSessionIngest },
  options: { aInitiates: boolean; scopes?: string[] },
): { a: Side; b: Side } {
  const sides = {} as { a: Side; b: Side };
  for (const name of ['a', 'b'] as const) {
    const node = name === 'a' ? A_ID : B_ID;
    const other = name === 'a' ? 'b' : 'a';
    const side: Side = { events: [], sent: [], session: undefined as unknown as SyncSession };
    side.session = new SyncSession({
      transport: {
        send(message) {
          const parsed = roundTrip(message);
          side.sent.push(parsed);
          // A runaway exchange would starve setImmediate forever: stop delivering so the test fails instead.
          if (side.sent.length > 100_000) return;
          queueMicrotask(() => sides[other].session.handle(parsed));
        },
      },
      host: { store: stores[name], ingest: ingest[name] },
      scopes: options.scopes ?? ['room:a', 'dm'],
      localScope: localScope(node),
      initiator: (name === 'a') === options.aInitiates,
      now: () => NOW,
    });
    side.session.on('scope:done', (scope, n) => side.events.push(['scope:done', scope, n]));
    side.session.on('done', (n) => side.events.push(['done', n]));
    sides[name] = side;
  }
  return sides;
}

type SyncSessionIngest = (scope: string, msgs: SignedMessage[]) => number | Promise<number>;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-sync-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function openStores(run: number) {
  return { a: HistoryStore.open(join(dir, `a${run}.db`)), b: HistoryStore.open(join(dir, `b${run}.db`)) };
}

describe('two sessions back to back', () => {
  const ts = fc.oneof(
    fc.integer({ min: NOW - DEFAULT_SYNC_WINDOW_MS, max: NOW + 1000 }),
    fc.integer({ min: 0, max: 3 }).map((d) => NOW - 50 + d),
    fc.constant(MAX_SYNC_TS),
  );
  const spec = fc.array(
    fc.tuple(fc.constantFrom('room:a' as const, 'dm' as const), ts, fc.constantFrom('a', 'b', 'both')),
    {
      maxLength: 250,
    },
  );

  it('converge on the union of both histories, in the room and the direct conversation', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(spec, fc.boolean(), async (list, aInitiates) => {
        const stores = openStores(run++);
        try {
          const all = list.map(([wire, t, holder]) => ({ w: written(wire, t), holder }));
          const universe = new Map(all.map(({ w }) => [w.id, w]));
          stores.a.insertMany(all.filter((x) => x.holder !== 'b').map((x) => storedAt(A_ID, x.w)));
          stores.b.insertMany(all.filter((x) => x.holder !== 'a').map((x) => storedAt(B_ID, x.w)));
          const { a, b } = pair(
            stores,
            { a: honestIngest(A_ID, stores.a, universe), b: honestIngest(B_ID, stores.b, universe) },
            { aInitiates },
          );
          a.session.start();
          b.session.start();
          await quiet();

          for (const wire of ['room:a', 'dm'] as const) {
            const expected = all
              .filter((x) => x.w.wire === wire)
              .map((x) => x.w)
              .sort((x, y) => x.ts - y.ts || (x.id < y.id ? -1 : 1))
              .map((w) => w.id);
            expect(stores.a.rangeIds(localScope(A_ID)(wire), 0, MAX_SYNC_TS)).toEqual(expected);
            expect(stores.b.rangeIds(localScope(B_ID)(wire), 0, MAX_SYNC_TS)).toEqual(expected);
          }
          const onlyB = all.filter((x) => x.holder === 'b').length;
          const onlyA = all.filter((x) => x.holder === 'a').length;
          expect([a.session.finished, b.session.finished]).toEqual([true, true]);
          expect([a.session.fetched, b.session.fetched]).toEqual([onlyB, onlyA]);
          expect(a.events.at(-1)).toEqual(['done', onlyB]);
          expect(b.events.at(-1)).toEqual(['done', onlyA]);
          expect(a.events.filter((e) => e[0] === 'scope:done').map((e) => e[1])).toEqual(
            expect.arrayContaining(['room:a', `dm:${B_ID}`]),
          );
        } finally {
          stores.a.close();
          stores.b.close();
        }
      }),
      { numRuns: 25 },
    );
  });

  it('report a scope done only once an asynchronous ingest (verification off the event loop) resolved', async () => {
    const stores = openStores(0);
    try {
      const held = Array.from({ length: 5 }, (_, i) => written('room:a', NOW - 1000 + i));
      const universe = new Map(held.map((w) => [w.id, w]));
      stores.a.insertMany(held.map((w) => storedAt(A_ID, w)));
      const releases: (() => void)[] = [];
      const slowIngest = (scope: string, msgs: SignedMessage[]) =>
        new Promise<number>((resolve) =>
          releases.push(() => resolve(honestIngest(B_ID, stores.b, universe)(scope, msgs) as number)),
        );
      const { a, b } = pair(
        stores,
        { a: honestIngest(A_ID, stores.a, universe), b: slowIngest },
        { aInitiates: true, scopes: ['room:a'] },
      );
      a.session.start();
      b.session.start();
      await quiet();
      expect(releases.length).toBeGreaterThan(0);
      expect(b.session.finished).toBe(true);
      expect(b.events).toEqual([]);
      for (const release of releases) release();
      await quiet();
      expect(b.events).toEqual([
        ['scope:done', 'room:a', 5],
        ['done', 5],
      ]);
      expect(stores.b.count('room:a')).toBe(5);
    } finally {
      stores.a.close();
      stores.b.close();
    }
  });

  it('finish even when the host rejects everything, storing nothing', async () => {
    const stores = openStores(0);
    try {
      const mine = Array.from({ length: 300 }, (_, i) => written(i % 2 ? 'room:a' : 'dm', NOW - i * 1000));
      const theirs = Array.from({ length: 300 }, (_, i) => written(i % 2 ? 'room:a' : 'dm', NOW - i * 777));
      stores.a.insertMany(mine.map((w) => storedAt(A_ID, w)));
      stores.b.insertMany(theirs.map((w) => storedAt(B_ID, w)));
      let offered = 0;
      const liar = (_scope: string, msgs: SignedMessage[]) => {
        offered += msgs.length;
        return 0;
      };
      const { a, b } = pair(stores, { a: liar, b: liar }, { aInitiates: true });
      a.session.start();
      b.session.start();
      await quiet();
      expect(offered).toBe(600);
      expect([stores.a.count(), stores.b.count()]).toEqual([300, 300]);
      expect([a.session.finished, b.session.finished]).toEqual([true, true]);
      expect(a.events.at(-1)).toEqual(['done', 0]);
      expect(b.events.at(-1)).toEqual(['done', 0]);
    } finally {
      stores.a.close();
      stores.b.close();
    }
  });

  it('finish at once with nothing to share, and start only once', async () => {
    const stores = openStores(0);
    try {
      const { a, b } = pair(stores, { a: () => 0, b: () => 0 }, { aInitiates: true });
      a.session.start();
      a.session.start();
      b.session.start();
      await quiet();
      // Initiator: one digest and one sync-done per scope, then one closing sync-done per scope.
      expect(a.sent.map((m) => m.kind)).toEqual(['sync-digest', 'sync-done', 'sync-digest', 'sync-done']);
      expect(b.sent.map((m) => m.kind)).toEqual(['sync-done', 'sync-done']);
      const digest = a.sent[0] as Extract<SyncMessage, { kind: 'sync-digest' }>;
      expect(digest.ranges.map((r) => ({ ...r, hash: [...r.hash] }))).toEqual([
        { from: NOW - DEFAULT_SYNC_WINDOW_MS, to: MAX_SYNC_TS, count: 0, hash: new Array(16).fill(0) },
      ]);
      expect([a.session.finished, b.session.finished]).toEqual([true, true]);

      const none = pair(stores, { a: () => 0, b: () => 0 }, { aInitiates: true, scopes: [] });
      none.a.session.start();
      expect(none.a.events).toEqual([['done', 0]]);
      expect(none.a.sent).toEqual([]);
    } finally {
      stores.a.close();
      stores.b.close();
    }
  });
});

describe('ill-formed and unexpected requests', () => {
  let store: HistoryStore;
  let sent: LinkMessage[];
  let session: SyncSession;
  const room = written('room:a', NOW - 10);
  const dm = written('dm', NOW - 20);

  beforeEach(() => {
    store = HistoryStore.open(join(dir, 'one.db'));
    store.insertMany([storedAt(A_ID, room), storedAt(A_ID, dm)]);
    sent = [];
    session = new SyncSession({
      transport: { send: (m) => sent.push(m) },
      host: { store, ingest: () => 0 },
      scopes: ['room:a', 'dm'],
      localScope: localScope(A_ID),
      initiator: false,
      now: () => NOW,
    });
    session.start();
  });
  afterEach(() => store.close());

  const bytes = (id: string) => new Uint8Array(Buffer.from(id.replace(/-/g, ''), 'hex'));

  it('answers a digest for a scope it does not share with a lone sync-done, and nothing else', () => {
    session.handle({
      kind: 'sync-digest',
      scope: 'room:other',
      ranges: [{ from: 0, to: 10, count: 1, hash: new Uint8Array(16) }],
    });
    session.handle({ kind: 'sync-want', scope: 'room:other', ids: [bytes(room.id)] });
    session.handle({ kind: 'sync-ids', scope: 'room:other', from: 0, to: MAX_SYNC_TS, ids: [] });
    session.handle({ kind: 'sync-done', scope: 'room:other' });
    expect(sent).toEqual([{ kind: 'sync-done', scope: 'room:other' }]);
  });

  it('serves a want only from the scope it names: no direct message through a room', () => {
    session.handle({
      kind: 'sync-want',
      scope: 'room:a',
      ids: [bytes(dm.id), bytes(idToText(randomBytes(16)))],
    });
    expect(sent).toEqual([]);
    session.handle({ kind: 'sync-want', scope: 'room:a', ids: [bytes(room.id), bytes(room.id)] });
    expect(sent).toHaveLength(1);
    const reply = sent[0] as Extract<LinkMessage, { kind: 'sync-msgs' }>;
    expect(reply.msgs.map((m) => idToText(m.id))).toEqual([room.id]);
  });

  it('ignores inverted and empty ranges', () => {
    session.handle({
      kind: 'sync-digest',
      scope: 'room:a',
      ranges: [{ from: 10, to: 10, count: 5, hash: new Uint8Array(16) }],
    });
    session.handle({
      kind: 'sync-digest',
      scope: 'room:a',
      ranges: [{ from: 20, to: 3, count: 5, hash: new Uint8Array(16) }],
    });
    session.handle({ kind: 'sync-ids', scope: 'room:a', from: MAX_SYNC_TS, to: 0, ids: [] });
    expect(sent).toEqual([]);
  });

  it('lists its ids for a differing range and sends what the peer lacks when told its ids', () => {
    session.handle({
      kind: 'sync-digest',
      scope: 'room:a',
      ranges: [{ from: 0, to: MAX_SYNC_TS, count: 1, hash: new Uint8Array(16) }],
    });
    expect(sent).toEqual([
      { kind: 'sync-ids', scope: 'room:a', from: 0, to: MAX_SYNC_TS, ids: [bytes(room.id)] },
    ]);
    sent.length = 0;
    const theirs = idToText(randomBytes(16));
    session.handle({ kind: 'sync-ids', scope: 'dm', from: 0, to: MAX_SYNC_TS, ids: [bytes(theirs)] });
    expect(sent.map((m) => m.kind)).toEqual(['sync-want', 'sync-msgs']);
    expect((sent[0] as Extract<LinkMessage, { kind: 'sync-want' }>).ids).toEqual([bytes(theirs)]);
    expect((sent[1] as Extract<LinkMessage, { kind: 'sync-msgs' }>).msgs.map((m) => idToText(m.id))).toEqual([
      dm.id,
    ]);
  });

  it('ignores everything once stopped, and a second sync-done after a scope finished', () => {
    expect(session.reconciling('room:a')).toBe(true);
    session.handle({ kind: 'sync-done', scope: 'room:a' }); // an empty batch: room:a is finished
    expect(sent).toEqual([]);
    expect(session.reconciling('room:a')).toBe(false);
    expect(session.reconciling('dm')).toBe(true);
    expect(session.reconciling('room:other')).toBe(false);
    session.handle({ kind: 'sync-done', scope: 'room:a' });
    session.handle({ kind: 'sync-msgs', scope: 'room:a', msgs: [] });
    expect(sent).toEqual([]);
    session.stop();
    expect(session.reconciling('dm')).toBe(false);
    session.handle({
      kind: 'sync-digest',
      scope: 'dm',
      ranges: [{ from: 0, to: MAX_SYNC_TS, count: 1, hash: new Uint8Array(16) }],
    });
    expect(sent).toEqual([]);
    expect(session.finished).toBe(false);
  });
});
