/**
 * HistoryStore: insert and dedup, (ts, id) ordering, cursor paging, room/direct filters, full-text
 * search (including hostile query text), receipts, retention, reopening, and the schema settings.
 */
import { existsSync, fstatSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CHECKPOINT_TARGET_FRAMES,
  FTS_BATCH,
  HistoryStore,
  ftsQuery,
  type StoredMessage,
} from '../../src/daemon/history/store.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/daemon/history/store-schema.js';
import { messageIdToString, newMessageId, UsageError } from '../../src/wire/index.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);

let counter = 0;
function message(over: Partial<StoredMessage> & { ts?: number } = {}): StoredMessage {
  const ts = over.ts ?? 1_700_000_000_000 + counter++;
  const room = over.room === undefined ? 'lobby' : over.room;
  return {
    id: over.id ?? messageIdToString(newMessageId(ts)),
    scope: over.scope ?? (room !== null ? `room:${room}` : `dm:${over.peer ?? BOB}`),
    room,
    peer: room !== null ? null : (over.peer ?? BOB),
    from: ALICE,
    nick: 'alice',
    ts,
    text: `message ${counter}`,
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    receivedAt: ts,
    payload: Uint8Array.from([1, 2, 3, counter & 0xff]),
    sig: new Uint8Array(64).fill(7),
    ...over,
  };
}

let dir: string;
let store: HistoryStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-store-'));
  store = HistoryStore.open(join(dir, 'history.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('insert and lookup', () => {
  it('stores a message once and reads it back exactly', () => {
    const m = message({ action: true, own: true, future: true, via: 'sync', text: 'héllo' });
    expect(store.insert(m)).toBe(true);
    expect(store.insert({ ...m, text: 'changed' })).toBe(false);
    const got = store.get(m.id)!;
    expect({ ...got, payload: [...got.payload], sig: [...got.sig] }).toEqual({
      ...m,
      payload: [...m.payload],
      sig: [...m.sig],
    });
    expect(store.has(m.id)).toBe(true);
    expect(store.get(messageIdToString(newMessageId()))).toBeUndefined();
    expect(store.count()).toBe(1);
  });

  it('sync() flushes the WAL through a descriptor of the live WAL file, and the commit survives reopening', async () => {
    const walSync = (store as unknown as { walSync: { flushes: number; fd: number } }).walSync;
    const file = join(dir, 'history.db');
    expect(fstatSync(walSync.fd).ino).toBe(statSync(`${file}-wal`).ino);
    const m = message();
    store.insert(m);
    const before = walSync.flushes;
    await store.sync();
    expect(walSync.flushes).toBe(before + 1);
    store.close();
    store = HistoryStore.open(file);
    expect(store.has(m.id)).toBe(true);
  });

  it('insertMany reports only the new ids, including repeats within the batch', () => {
    const a = message();
    const b = message();
    store.insert(a);
    expect(store.insertMany([a, b, b, message({ id: b.id })])).toEqual([b.id]);
    expect(store.count()).toBe(2);
  });

  it('finds older ids stored after newer ones, and every id after reopening (ids above the newest are skipped)', () => {
    const newer = message({ ts: 1_800_000_000_000 });
    const older = message({ ts: 1_600_000_000_000 });
    const newest = messageIdToString(newMessageId(1_900_000_000_000));
    store.insertMany([newer, older]);
    expect([store.has(newer.id), store.has(older.id), store.has(newest)]).toEqual([true, true, false]);
    store.close();
    store = HistoryStore.open(join(dir, 'history.db'));
    expect([store.has(newer.id), store.has(older.id), store.has(newest)]).toEqual([true, true, false]);
    expect(store.missing([older.id, newest])).toEqual([newest]);
  });

  it('missing lists the ids that are not stored', () => {
    const a = message();
    const b = message();
    store.insert(a);
    expect(store.missing([a.id, b.id])).toEqual([b.id]);
  });

  it('counts per scope and lists scopes', () => {
    store.insertMany([message({ room: 'a' }), message({ room: 'a' }), message({ room: null, peer: BOB })]);
    expect(store.count('room:a')).toBe(2);
    expect(store.count(`dm:${BOB}`)).toBe(1);
    expect(store.count('room:none')).toBe(0);
    expect(store.scopes()).toEqual([`dm:${BOB}`, 'room:a']);
  });
});

describe('history queries', () => {
  it('orders by (ts, id), ids breaking ties among equal timestamps', () => {
    const ts = 1_700_000_000_000;
    const ids = Array.from({ length: 20 }, () => messageIdToString(newMessageId(ts)));
    for (const id of [...ids].reverse()) store.insert(message({ id, ts }));
    store.insert(message({ ts: ts - 1 }));
    const got = store.query({ room: 'lobby' });
    expect(got.map((m) => m.ts)).toEqual([ts - 1, ...ids.map(() => ts)]);
    expect(got.slice(1).map((m) => m.id)).toEqual([...ids].sort());
  });

  it('shows a message from a clock far ahead where it arrived, flagged, instead of below everything', () => {
    const t = 1_700_000_000_000;
    const early = message({ ts: t });
    const ahead = message({ ts: t + 86_400_000, receivedAt: t + 500, future: true, text: 'from the future' });
    const later = message({ ts: t + 1000 });
    for (const m of [early, ahead, later]) store.insert(m);
    const got = store.query({ room: 'lobby' });
    expect(got.map((m) => m.id)).toEqual([early.id, ahead.id, later.id]);
    expect(got[1]).toMatchObject({ future: true, ts: t + 86_400_000 });
    // Paging from the flagged message continues from where it is shown, not from its own clock.
    expect(store.query({ room: 'lobby', before: { ts: ahead.ts, id: ahead.id } }).map((m) => m.id)).toEqual([
      early.id,
    ]);
  });

  it('pages back with a (ts, id) cursor without gaps or repeats, across equal timestamps', () => {
    const all = Array.from({ length: 250 }, (_, i) => message({ ts: 1000 + Math.floor(i / 7) }));
    store.insertMany([...all].reverse());
    const expected = [...all].sort((x, y) => x.ts - y.ts || (x.id < y.id ? -1 : 1)).map((m) => m.id);
    const seen: string[] = [];
    let page = store.query({ room: 'lobby', limit: 100 });
    while (page.length > 0) {
      seen.unshift(...page.map((m) => m.id));
      page = store.query({ room: 'lobby', limit: 100, before: { ts: page[0].ts, id: page[0].id } });
    }
    expect(seen).toEqual(expected);
  });

  it('returns the newest `limit` messages, oldest first; 100 by default', () => {
    store.insertMany(Array.from({ length: 150 }, (_, i) => message({ ts: 5000 + i })));
    const page = store.query({ room: 'lobby', limit: 3 });
    expect(page.map((m) => m.ts)).toEqual([5147, 5148, 5149]);
    expect(store.query({ room: 'lobby' })).toHaveLength(100);
    expect(store.query({ room: 'lobby', limit: 0 })).toEqual([]);
  });

  it('separates rooms from direct conversations', () => {
    store.insertMany([
      message({ room: 'a', text: 'in a' }),
      message({ room: 'b', text: 'in b' }),
      message({ room: null, peer: BOB, text: 'to bob' }),
      message({ room: null, peer: 'c'.repeat(64), text: 'to carol' }),
    ]);
    expect(store.query({ room: 'a' }).map((m) => m.text)).toEqual(['in a']);
    const direct = store.query({ peer: BOB });
    expect(direct.map((m) => [m.text, m.direct, m.room, m.peer])).toEqual([['to bob', true, null, BOB]]);
    expect(store.query({ room: 'a' })[0].direct).toBe(false);
    expect(store.query({})).toHaveLength(4);
  });

  it('refuses a query for a room and a peer at once, and a bad limit', () => {
    expect(() => store.query({ room: 'a', peer: BOB })).toThrow(UsageError);
    expect(() => store.query({ limit: -1 })).toThrow(UsageError);
    expect(() => store.query({ limit: 1.5 })).toThrow(UsageError);
  });
});

describe('full-text search', () => {
  beforeEach(() => {
    store.insertMany([
      message({ room: 'a', text: 'the deploy failed again' }),
      message({ room: 'b', text: 'deploy went fine' }),
      message({ room: 'a', text: 'lunch?' }),
      message({ room: 'a', text: 'it\'s "quoted" AND (odd) NEAR stuff*' }),
      message({ room: null, peer: BOB, text: 'secret deploy plan' }),
    ]);
  });

  it('finds words, combined with a room or peer filter', () => {
    expect(store.query({ search: 'deploy' }).map((m) => m.text)).toHaveLength(3);
    expect(store.query({ room: 'a', search: 'deploy' }).map((m) => m.text)).toEqual([
      'the deploy failed again',
    ]);
    expect(store.query({ peer: BOB, search: 'DEPLOY' }).map((m) => m.text)).toEqual(['secret deploy plan']);
    expect(store.query({ room: 'a', search: 'deploy again' })).toHaveLength(1);
    expect(store.query({ room: 'a', search: 'deploy lunch' })).toHaveLength(0);
  });

  it('treats quotes, operators and punctuation as text, never as FTS syntax', () => {
    for (const search of [
      '"',
      '"quoted',
      'AND',
      'OR NOT',
      '(odd',
      'NEAR(',
      'stuff*',
      '-x',
      '^',
      ':',
      "it's",
      '""""',
    ]) {
      expect(() => store.query({ search })).not.toThrow();
    }
    expect(store.query({ search: '"quoted"' }).map((m) => m.room)).toEqual(['a']);
    expect(store.query({ search: 'NEAR(' })).toHaveLength(1);
    expect(store.query({ search: "it's" })).toHaveLength(1);
    expect(store.query({ search: '"  *  )' })).toEqual([]);
  });

  it('escapes each word as a quoted phrase', () => {
    expect(ftsQuery('a "b" c')).toBe('"a" """b""" "c"');
    expect(ftsQuery(' ** ')).toBeNull();
  });

  it('pages search results with a cursor', () => {
    const hits = store.query({ search: 'deploy' });
    const older = store.query({ search: 'deploy', before: { ts: hits[2].ts, id: hits[2].id } });
    expect(older.map((m) => m.id)).toEqual(hits.slice(0, 2).map((m) => m.id));
  });

  it('forgets pruned messages', () => {
    const small = HistoryStore.open(join(dir, 'small.db'), { maxMessagesPerScope: 1, now: () => 10 });
    try {
      small.insertMany([
        message({ room: 'a', text: 'old deploy', ts: 1 }),
        message({ room: 'a', text: 'new', ts: 2 }),
      ]);
      expect(small.prune()).toBe(1);
      expect(small.query({ search: 'deploy' })).toEqual([]);
    } finally {
      small.close();
    }
  });
});

describe('full-text index kept up to date in bulk', () => {
  const raw = () => (store as unknown as { db: Database.Database }).db;
  const pending = () => raw().prepare('SELECT COUNT(*) FROM fts_pending').pluck().get() as number;
  const indexed = () => raw().prepare('SELECT COUNT(*) FROM messages_fts_docsize').pluck().get() as number;
  /** FTS5's own check that the index matches the rows it was given; throws SQLITE_CORRUPT_VTAB if not. */
  const integrity = () =>
    raw().exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`);

  it('a stored row waits outside the index, and a search indexes it first', () => {
    store.insert(message({ text: 'fresh words' }));
    expect([pending(), indexed()]).toEqual([1, 0]);
    expect(store.query({ search: 'fresh' }).map((m) => m.text)).toEqual(['fresh words']);
    expect([pending(), indexed()]).toEqual([0, 1]);
    integrity();
  });

  it('refuses a bad option before it opens the file', () => {
    for (const bad of [
      { ftsBatch: 0 },
      { ftsBatch: Infinity },
      { ftsBatch: 1.5 },
      { maxMessagesPerScope: -1 },
      { maxAgeMs: 0 },
    ]) {
      expect(() => HistoryStore.open(join(dir, 'never.db'), bad)).toThrow(UsageError);
    }
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  });

  it('indexes by itself every ftsBatch rows, by default FTS_BATCH ± 25 % drawn per store', () => {
    store.close();
    store = HistoryStore.open(join(dir, 'batch.db'), { ftsBatch: 100 });
    store.insertMany(Array.from({ length: 99 }, (_, i) => message({ text: `row ${i}` })));
    expect(pending()).toBe(99);
    // One row in a transaction of its own counts, but never runs the index...
    store.insert(message({ text: 'the 100th' }));
    expect([pending(), indexed()]).toEqual([100, 0]);
    // ...the next batch (written at a quiet turn) does.
    store.insertMany([message({ text: 'the last one' })]);
    expect([pending(), indexed()]).toEqual([0, 101]);
    const drawn = Array.from({ length: 20 }, (_, i) => {
      const s = HistoryStore.open(join(dir, `drawn-${i}.db`));
      const n = (s as unknown as { ftsBatch: number }).ftsBatch;
      s.close();
      return n;
    });
    for (const n of drawn) expect(n).toBeGreaterThanOrEqual(FTS_BATCH * 0.75);
    for (const n of drawn) expect(n).toBeLessThanOrEqual(FTS_BATCH * 1.25);
    expect(new Set(drawn).size).toBeGreaterThan(1);
  });

  it('checkpoints once the WAL holds CHECKPOINT_TARGET_FRAMES, read from the -shm file, not inside an insert', () => {
    const frames = () => (store as unknown as { walFrames: { count(): number } }).walFrames.count();
    const pragma = vi.spyOn(raw(), 'pragma');
    const checkpoints = () => pragma.mock.calls.filter(([sql]) => /wal_checkpoint/.test(String(sql))).length;
    // The count read from the wal-index header is SQLite's own: a checkpoint reports the same log.
    store.insertMany([message({ text: 'one' })]);
    expect(frames()).toBeGreaterThan(0);
    const before = frames();
    const [reported] = raw().pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(reported.log).toBe(before);
    pragma.mockClear();
    let batches = 0;
    let peak = 0;
    while (!store.checkpointWhenDue()) {
      expect(batches++, 'batches before the WAL reached its target').toBeLessThan(2000);
      expect(checkpoints(), 'a checkpoint before it was due').toBe(0);
      store.insertMany([message({ text: `batch ${batches}` })]);
      store.insert(message({ text: `own ${batches}` }));
      peak = Math.max(peak, frames());
    }
    expect(peak).toBeGreaterThanOrEqual(CHECKPOINT_TARGET_FRAMES);
    expect(peak, 'SQLite checkpointed by itself first').toBeLessThan(1000);
    expect(checkpoints()).toBe(1);
    store.insertMany([message({ text: 'after' })]); // the log starts over
    expect(frames()).toBeLessThan(CHECKPOINT_TARGET_FRAMES / 10);
    expect(store.checkpointWhenDue()).toBe(false);
  });

  it('without a -shm file to read (in memory), checkpoints every 64 batches', () => {
    const memory = HistoryStore.open(':memory:');
    try {
      let n = 0;
      do memory.insertMany([message({ text: `batch ${n}` })]);
      while (!memory.checkpointWhenDue() && ++n < 1000);
      expect(n + 1).toBe(64);
    } finally {
      memory.close();
    }
  });

  it('deleting rows indexed or not keeps the index exact', () => {
    const small = HistoryStore.open(join(dir, 'small.db'), { maxMessagesPerScope: 2, now: () => 10 });
    const smallRaw = (small as unknown as { db: Database.Database }).db;
    try {
      small.insertMany([message({ room: 'a', text: 'old deploy', ts: 1 })]);
      expect(small.query({ search: 'deploy' })).toHaveLength(1); // indexed now
      small.insertMany([
        message({ room: 'a', text: 'older deploy, not indexed yet', ts: 0 }),
        message({ room: 'a', text: 'new deploy', ts: 3 }),
        message({ room: 'a', text: 'newest', ts: 4 }),
      ]);
      expect(small.prune()).toBe(2); // one row indexed, one pending
      expect(small.query({ search: 'deploy' }).map((m) => m.text)).toEqual(['new deploy']);
      // Checks index against rows, so only valid once nothing is pending (the search saw to that).
      smallRaw.exec(`INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`);
    } finally {
      small.close();
    }
  });

  it('a row that reuses the seq of a deleted, indexed row is indexed with its own text', () => {
    const a = message({ room: 'a', text: 'first words', ts: 1 });
    const b = message({ room: 'a', text: 'greatest seq', ts: 2 });
    store.insertMany([a, b]);
    store.indexPending();
    raw().prepare('DELETE FROM messages WHERE id = ?').run(b.id); // seq is a plain rowid: it comes back
    const c = message({ room: 'a', text: 'reused slot', ts: 3 });
    store.insert(c);
    expect(store.query({ search: 'greatest' })).toEqual([]);
    expect(store.query({ search: 'reused' }).map((m) => m.id)).toEqual([c.id]);
    integrity();
  });

  it('a database of schema 2 (every row indexed by trigger) migrates and stays searchable', () => {
    const file = join(dir, 'v2.db');
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(MIGRATIONS[0]);
    old.exec(MIGRATIONS[1]);
    old.pragma('user_version = 2');
    old
      .prepare(
        `INSERT INTO messages (id, scope, room, origin, nick, ts, text, action, own, via, future, received_at,
                             payload, sig, h0, h1, h2, h3, shown_ts)
       VALUES (?, 'room:a', 'a', ?, 'alice', 5, 'kept from before', 0, 0, 'live', 0, 5, x'01', x'02', 0, 0, 0, 0, 5)`,
      )
      .run(messageIdToString(newMessageId(5)), ALICE);
    old.close();
    const migrated = HistoryStore.open(file, { maxMessagesPerScope: 1, now: () => 10 });
    try {
      expect(migrated.query({ search: 'kept' })).toHaveLength(1);
      migrated.insert(message({ room: 'a', text: 'after the upgrade', ts: 6 }));
      expect(migrated.prune()).toBe(1); // removes the row the old trigger indexed
      expect(migrated.query({ search: 'kept' })).toEqual([]);
      expect(migrated.query({ search: 'upgrade' })).toHaveLength(1);
      (migrated as unknown as { db: Database.Database }).db.exec(
        `INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)`,
      );
    } finally {
      migrated.close();
    }
  });
});

describe('receipts', () => {
  it('marks an own direct message delivered once', () => {
    const mine = message({ room: null, peer: BOB, own: true, status: 'sent' });
    const theirs = message({ room: null, peer: BOB, own: false });
    const roomMessage = message({ own: true });
    store.insertMany([mine, theirs, roomMessage]);
    expect(store.markDelivered(mine.id, ALICE)).toBe(false); // a receipt from someone else
    expect(store.markDelivered(mine.id, BOB)).toBe(true);
    expect(store.markDelivered(mine.id, BOB)).toBe(false);
    expect(store.markDelivered(theirs.id, BOB)).toBe(false);
    expect(store.markDelivered(roomMessage.id, BOB)).toBe(false);
    expect(store.query({ peer: BOB }).map((m) => m.status)).toEqual(['delivered', null]);
  });
});

describe('retention', () => {
  it('keeps the newest maxMessagesPerScope per scope', () => {
    const small = HistoryStore.open(join(dir, 'count.db'), {
      maxMessagesPerScope: 5,
      now: () => 1_600_000_100_000,
    });
    try {
      const a = Array.from({ length: 8 }, (_, i) => message({ room: 'a', ts: 1_600_000_000_000 + i }));
      small.insertMany([...a, ...Array.from({ length: 3 }, () => message({ room: 'b' }))]);
      expect(small.prune()).toBe(3);
      expect(small.query({ room: 'a' }).map((m) => m.ts)).toEqual(
        [3, 4, 5, 6, 7].map((i) => 1_600_000_000_000 + i),
      );
      expect(small.count('room:b')).toBe(3);
      expect(small.prune()).toBe(0);
    } finally {
      small.close();
    }
  });

  it('drops messages older than maxAgeMs by the injected clock', () => {
    let now = 1_000_000;
    const aged = HistoryStore.open(join(dir, 'age.db'), { maxAgeMs: 1000, now: () => now });
    try {
      aged.insertMany([message({ ts: 998_000 }), message({ ts: 999_500 }), message({ room: null, ts: 10 })]);
      expect(aged.prune()).toBe(2);
      expect(aged.query({ room: 'lobby' }).map((m) => m.ts)).toEqual([999_500]);
      now = 2_000_000;
      expect(aged.prune()).toBe(1);
      expect(aged.count()).toBe(0);
    } finally {
      aged.close();
    }
  });

  it('refuses nonsense limits', () => {
    expect(() => HistoryStore.open(join(dir, 'x.db'), { maxMessagesPerScope: 0 })).toThrow(UsageError);
  });
});

describe('on disk', () => {
  it('keeps data across close and reopen; close is idempotent', () => {
    const file = join(dir, 'history.db');
    const m = message({ text: 'persisted' });
    store.insert(m);
    store.close();
    store.close();
    store = HistoryStore.open(file);
    expect(store.get(m.id)?.text).toBe('persisted');
    expect(store.query({ search: 'persisted' })).toHaveLength(1);
    expect(store.recoveredFrom).toBeNull();
  });

  it('flushes the WAL SQLite really writes when history.db is a symlink (beside the target)', () => {
    store.close();
    const elsewhere = mkdtempSync(join(tmpdir(), 'konnect-store-target-'));
    try {
      const link = join(dir, 'linked.db');
      symlinkSync(join(elsewhere, 'history.db'), link);
      store = HistoryStore.open(link);
      store.insert(message());
      const walSync = (store as unknown as { walSync: { fd: number } }).walSync;
      expect(fstatSync(walSync.fd).ino).toBe(statSync(join(elsewhere, 'history.db-wal')).ino);
      store.close();
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('uses WAL, the documented synchronous mode, and records the schema version', () => {
    const file = join(dir, 'history.db');
    store.close();
    const raw = new Database(file);
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      raw.close();
    }
    // Commits never wait for the disk (NORMAL, read through the store's own connection: it is per
    // connection); durability is HistoryStore.sync()'s flush, present only as FULL asks.
    const internals = () => store as unknown as { db: Database.Database; walSync: unknown };
    store = HistoryStore.open(file, { synchronous: 'NORMAL' });
    expect(internals().db.pragma('synchronous', { simple: true })).toBe(1);
    expect(internals().walSync).toBeNull();
    store.close();
    store = HistoryStore.open(file);
    expect(internals().db.pragma('synchronous', { simple: true })).toBe(1);
    expect(internals().walSync).not.toBeNull();
  });

  it('refuses a database written by a newer schema without moving it aside', () => {
    const file = join(dir, 'newer.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => HistoryStore.open(file)).toThrow(/newer/);
  });

  it('serves history queries from the (scope, ts, id) index', () => {
    const db = (store as unknown as { db: Database.Database }).db;
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM messages m
         WHERE m.scope = ? AND m.ts <= ? AND (m.ts < ? OR m.id < ?) ORDER BY m.ts DESC, m.id DESC LIMIT 10`,
      )
      .all('room:a', 1, 1, 'x') as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(
      /USING (COVERING )?INDEX messages_scope_ts_id \(scope=\? AND ts<\?\)/,
    );
    expect(plan.map((p) => p.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
  });
});
