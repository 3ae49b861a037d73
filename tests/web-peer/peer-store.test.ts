/**
 * The page's history store in IndexedDB (fake-indexeddb): the queries ChatApi.history needs (one
 * conversation, newest N oldest first, before a cursor, a search), duplicates refused, delivery marks;
 * the page answers history() at once without reading its whole history (the sync index is built only
 * when a link needs it); and the reconnect backoff stays within its bounds.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { backoffMs, DEFAULT_WEB_PEER_TIMINGS, PeerStore, type StoredRow } from '../../src/web/peer/index.js';
import { openDb } from '../../src/web/peer/idb.js';
import { openTestPage, type TestPage } from '../helpers/web-peer.js';

const env = {
  indexedDB: new IDBFactory() as unknown as globalThis.IDBFactory,
  IDBKeyRange: IDBKeyRange as unknown as typeof globalThis.IDBKeyRange,
};

function row(i: number, conv: string, extra: Partial<StoredRow> = {}): StoredRow {
  const id = `0190${i.toString(16).padStart(4, '0')}-0000-7000-8000-000000000000`;
  const room = conv.startsWith('room:') ? conv.slice(5) : null;
  return {
    id,
    conv,
    room,
    peer: room === null ? conv.slice(3) : null,
    direct: room === null,
    from: 'ab'.repeat(32),
    nick: 'x',
    ts: 1_700_000_000_000 + Math.floor(i / 2), // two messages per ms: the id breaks ties
    text: `message ${i}`,
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    payload: Uint8Array.of(i & 0xff),
    sig: new Uint8Array(64),
    ...extra,
  };
}

let page: TestPage | undefined;
afterEach(async () => {
  await page?.peer.close();
  page = undefined;
  vi.restoreAllMocks();
});

describe('page history store', () => {
  it('answers history queries over 1,000 messages', async () => {
    const db = await openDb(env, `store-${Math.random()}`);
    const store = new PeerStore(db, env);
    const dm = `dm:${'cd'.repeat(32)}`;
    for (let i = 0; i < 1000; i++) await store.add(row(i, i % 10 === 0 ? dm : 'room:lobby'));
    expect(await store.add(row(1, 'room:lobby'))).toBe(false);

    const newest = await store.history({ room: 'lobby', limit: 50 });
    expect(newest).toHaveLength(50);
    expect(newest.at(-1)!.text).toBe('message 999');
    const ts = newest.map((m) => m.ts);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(newest[0]).not.toHaveProperty('payload');

    const older = await store.history({
      room: 'lobby',
      limit: 50,
      before: { ts: newest[0].ts, id: newest[0].id },
    });
    expect(older).toHaveLength(50);
    expect(older.at(-1)!.id < newest[0].id).toBe(true);
    expect(older.some((m) => newest.some((n) => n.id === m.id))).toBe(false);

    const direct = await store.history({ peer: 'cd'.repeat(32), limit: 1000 });
    expect(direct).toHaveLength(100);
    expect(direct.every((m) => m.direct)).toBe(true);
    // 990 is in the direct conversation (every tenth is).
    const found = await store.history({ room: 'lobby', search: 'MESSAGE 99' });
    expect(found.map((m) => m.text)).toEqual([
      'message 99',
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => `message 99${d}`),
    ]);
    expect(await store.history({ limit: 3 })).toHaveLength(3);

    await store.add(row(2000, dm, { own: true, status: 'sent' }));
    expect((await store.undelivered(10)).map((r) => r.text)).toEqual(['message 2000']);
    expect((await store.markDelivered(row(2000, dm).id))?.status).toBe('delivered');
    expect(await store.markDelivered(row(2000, dm).id)).toBeUndefined();
    expect(await store.undelivered(10)).toEqual([]);
    db.close();
  });

  it('answers history() without reading the whole store while no link is up', async () => {
    const readAll = vi.spyOn(PeerStore.prototype, 'allSigned');
    // Nothing listens there: the page stays unlinked.
    page = await openTestPage('ws://127.0.0.1:9/ws');
    expect(await page.peer.history({ room: 'lobby' })).toEqual([]);
    const sent = await page.peer.send({ kind: 'room', room: 'lobby' }, 'kept while offline');
    expect((await page.peer.history({ room: 'lobby' })).map((m) => m.id)).toEqual([sent.id]);
    expect(readAll).not.toHaveBeenCalled();
  });

  it('backs off exponentially from 250 ms to 5 s with jitter', () => {
    const t = DEFAULT_WEB_PEER_TIMINGS;
    expect(backoffMs(0, t, () => 1)).toBe(250);
    expect(backoffMs(0, t, () => 0)).toBe(125);
    expect(backoffMs(3, t, () => 1)).toBe(2000);
    expect(backoffMs(30, t, () => 1)).toBe(5000);
    for (let n = 0; n < 40; n++) {
      const ms = backoffMs(n, t);
      expect(ms).toBeGreaterThanOrEqual(125);
      expect(ms).toBeLessThanOrEqual(5000);
    }
  });
});
