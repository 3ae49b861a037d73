/**
 * MessageWriter asks SQLite once per new message: the router's duplicate checks (before and after the
 * link's limit) and storeReceived's own check share one store lookup, and what is written after a
 * lookup said "absent" is found again (the remembered absence never hides a stored message).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock/index.js';
import type { QuietTurns } from '../../src/daemon/flood/index.js';
import { HistoryStore, MAX_ABSENT_IDS, MessageWriter } from '../../src/daemon/history/index.js';
import { silentLogger } from '../../src/daemon/logger.js';
import { type ChatPayload, messageIdToString, newMessageId } from '../../src/wire/index.js';

const ALICE = new Uint8Array(32).fill(0xaa);
const SELF = 'b'.repeat(64);

let dir: string;
let store: HistoryStore;
let writer: MessageWriter;
let storeLookups: number;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-writer-'));
  store = HistoryStore.open(join(dir, 'history.db'));
  const has = store.has.bind(store);
  storeLookups = 0;
  store.has = (id) => {
    storeLookups++;
    return has(id);
  };
  // No quiet turn comes: what waits is written when the test says flush().
  const quietTurns = { whenQuiet: () => {} } as unknown as QuietTurns;
  writer = new MessageWriter({
    store,
    clock: systemClock,
    logger: silentLogger,
    quietTurns,
    self: SELF,
    onStored: () => {},
  });
});

afterEach(() => {
  writer.flush();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function chat(text: string): ChatPayload {
  return {
    kind: 'chat',
    id: newMessageId(),
    from: ALICE,
    ts: Date.now(),
    room: 'lobby',
    nick: 'alice',
    text,
  };
}

function keep(payload: ChatPayload): boolean {
  const signed = { id: payload.id, payload: new Uint8Array([1, 2, 3]), sig: new Uint8Array(64) };
  return writer.storeReceived(
    signed,
    {
      scope: 'room:lobby',
      room: 'lobby',
      peer: null,
      payload,
      nick: 'alice',
      text: payload.text,
      action: false,
    },
    'live',
  );
}

describe('MessageWriter lookups', () => {
  it('looks a new message up in the store once, however often it is asked', () => {
    const payload = chat('hello');
    const id = messageIdToString(payload.id);
    // The router: before the link's limit, and again once the link may go on.
    expect(writer.has(id)).toBe(false);
    expect(writer.has(id)).toBe(false);
    expect(keep(payload)).toBe(true);
    expect(storeLookups).toBe(1);
    // A second copy is a duplicate, found without the store while it waits…
    expect(keep(payload)).toBe(false);
    expect(storeLookups).toBe(1);
  });

  it('finds a message written after a lookup said it was absent', () => {
    const payload = chat('late');
    const id = messageIdToString(payload.id);
    expect(writer.has(id)).toBe(false);
    expect(keep(payload)).toBe(true);
    writer.flush();
    expect(store.has(id)).toBe(true);
    expect(writer.has(id)).toBe(true);
    expect(keep(payload)).toBe(false);
  });

  it('finds a message of its own that a lookup said was absent', () => {
    const payload = chat('mine');
    const id = messageIdToString(payload.id);
    expect(writer.has(id)).toBe(false);
    writer.storeOwn(
      payload,
      { id: payload.id, payload: new Uint8Array([4]), sig: new Uint8Array(64) },
      { room: 'lobby', peer: null, text: 'mine', action: false, nick: 'me' },
    );
    writer.flush();
    expect(writer.has(id)).toBe(true);
  });

  it('remembers a bounded number of absent ids, and asks the store again for those it forgot', () => {
    const ids = Array.from({ length: MAX_ABSENT_IDS + 10 }, () => messageIdToString(newMessageId()));
    for (const id of ids) expect(writer.has(id)).toBe(false);
    expect(storeLookups).toBe(ids.length);
    // The newest are remembered; the oldest were forgotten first.
    expect(writer.has(ids[ids.length - 1])).toBe(false);
    expect(storeLookups).toBe(ids.length);
    expect(writer.has(ids[0])).toBe(false);
    expect(storeLookups).toBe(ids.length + 1);
  });
});
