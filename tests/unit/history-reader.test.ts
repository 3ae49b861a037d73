/**
 * HistoryReader answers as the node's store does, from a database it only reads: the same pages, and a
 * search that finds rows whether or not they have reached the full-text index yet.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryReader, matchesSearch } from '../../src/daemon/history/history-reader.js';
import { HistoryStore, type StoredMessage } from '../../src/daemon/history/store.js';
import { messageIdToString, newMessageId } from '../../src/wire/index.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const T0 = Date.UTC(2026, 0, 1);

function message(i: number, text: string, dmWith?: string): StoredMessage {
  const ts = T0 + i * 1000;
  return {
    id: messageIdToString(newMessageId(ts)),
    scope: dmWith ? `dm:${dmWith}` : 'room:lobby',
    room: dmWith ? null : 'lobby',
    peer: dmWith ?? null,
    from: dmWith ?? ALICE,
    nick: dmWith ? 'bob' : 'alice',
    ts,
    text,
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    receivedAt: ts,
    payload: new Uint8Array(16),
    sig: new Uint8Array(64),
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-reader-'));
  file = join(dir, 'history.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('HistoryReader', () => {
  it('gives the store’s pages and finds indexed and not yet indexed rows alike', () => {
    // ftsBatch 7: the first 7 rows reach the index, the last 5 wait in fts_pending.
    const store = HistoryStore.open(file, { ftsBatch: 7, synchronous: 'NORMAL' });
    const texts = [
      // indexed
      'Café au lait',
      'meeting at noon',
      'message 2',
      'e-mail me',
      'nothing here',
      'email without hyphen',
      'cafe again',
      // pending
      'the café is closed',
      'MEETING moved',
      'message 20',
      'message 0',
    ];
    texts.forEach((t, i) => store.insertMany([message(i, t)]));
    store.insertMany([message(20, 'psst', BOB)]);
    const fromStore = (q: Parameters<HistoryStore['query']>[0]) => store.query(q).map((m) => m.id);
    const expected = {
      page: fromStore({ room: 'lobby', limit: 5 }),
      all: fromStore({ limit: 100 }),
    };
    store.close();
    const bytes = readFileSync(file);
    const raw = new Database(file, { readonly: true });
    const pending = raw.prepare('SELECT COUNT(*) FROM fts_pending').pluck().get() as number;
    raw.close();
    // Both paths of the search are exercised: rows in the index and rows waiting for it.
    expect(pending).toBe(5);

    const reader = HistoryReader.open(file);
    try {
      expect(reader.history({ room: 'lobby', limit: 5 }).map((m) => m.id)).toEqual(expected.page);
      expect(reader.history({ limit: 100 }).map((m) => m.id)).toEqual(expected.all);
      const search = (s: string) =>
        reader.history({ room: 'lobby', search: s, limit: 100 }).map((m) => m.text);
      expect(search('cafe')).toEqual(['Café au lait', 'cafe again', 'the café is closed']);
      expect(search('meeting')).toEqual(['meeting at noon', 'MEETING moved']);
      expect(search('message 0')).toEqual(['message 0']);
      expect(search('e-mail')).toEqual(['e-mail me']);
      const dm = reader.history({ peer: BOB, limit: 10 });
      expect(dm.map((m) => [m.text, m.direct])).toEqual([['psst', true]]);
      expect(reader.conversationPeers()).toMatchObject([{ id: BOB, nick: 'bob' }]);
    } finally {
      reader.close();
    }
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });
});

describe('matchesSearch', () => {
  it('matches as FTS5 unicode61 with diacritics removed: whole tokens, any case, phrases in order', () => {
    expect(matchesSearch('Café au lait', 'CAFE')).toBe(true);
    expect(matchesSearch('message 20', 'message 0')).toBe(false);
    expect(matchesSearch('message 0 here', '0 message')).toBe(true);
    expect(matchesSearch('send an e-mail', 'e-mail')).toBe(true);
    expect(matchesSearch('mail the e', 'e-mail')).toBe(false);
    expect(matchesSearch('email', 'mail')).toBe(false);
  });
});
