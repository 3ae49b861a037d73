/**
 * When MessageWriter commits what it received: live messages together, WRITE_BATCH_MS after the first
 * of a batch (fewer hand-offs to the write worker and commits, issue 20); what history sync brings
 * within SYNC_WRITE_BATCH_MS, so a node that caught up holds its messages at once; and WRITE_BATCH_MAX
 * at once, whatever the clock says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QuietTurns } from '../../src/daemon/flood/index.js';
import {
  HistoryStore,
  MessageWriter,
  SYNC_WRITE_BATCH_MS,
  WRITE_BATCH_MAX,
  WRITE_BATCH_MS,
} from '../../src/daemon/history/index.js';
import { silentLogger } from '../../src/daemon/logger.js';
import { type ChatPayload, newMessageId } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const ALICE = new Uint8Array(32).fill(0xaa);

let dir: string;
let store: HistoryStore;
let writer: MessageWriter;
let clock: ManualClock;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-batches-'));
  // Writes on this thread's connection: a commit is seen by store.count() as soon as it is made.
  store = HistoryStore.open(join(dir, 'history.db'));
  clock = new ManualClock();
  // Every turn is quiet: what is due is committed when its timer fires.
  const quietTurns = { whenQuiet: (work: () => void) => work() } as unknown as QuietTurns;
  writer = new MessageWriter({
    store,
    clock,
    logger: silentLogger,
    quietTurns,
    self: 'b'.repeat(64),
    onStored: () => {},
  });
});

afterEach(() => {
  writer.flush();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function receive(text: string, via: 'live' | 'sync'): void {
  const payload: ChatPayload = {
    kind: 'chat',
    id: newMessageId(),
    from: ALICE,
    ts: 1_000,
    room: 'lobby',
    nick: 'alice',
    text,
  };
  const signed = { id: payload.id, payload: new Uint8Array([1, 2, 3]), sig: new Uint8Array(64) };
  const kept = writer.storeReceived(
    signed,
    { scope: 'room:lobby', room: 'lobby', peer: null, payload, nick: 'alice', text, action: false },
    via,
  );
  expect(kept, `${text} is new`).toBe(true);
}

const stored = (): number => store.count('room:lobby');

describe('MessageWriter batches', () => {
  it('writes live messages together, WRITE_BATCH_MS after the first', () => {
    expect(WRITE_BATCH_MS).toBeGreaterThan(SYNC_WRITE_BATCH_MS);
    receive('one', 'live');
    clock.advance(WRITE_BATCH_MS / 2);
    receive('two', 'live');
    clock.advance(WRITE_BATCH_MS / 2 - 1);
    expect(stored(), 'nothing is written before the batch is due').toBe(0);
    clock.advance(1);
    expect(stored(), 'both in one batch, at WRITE_BATCH_MS after the first').toBe(2);
  });

  it('writes what history sync brings within SYNC_WRITE_BATCH_MS, taking live messages waiting along', () => {
    receive('live first', 'live');
    clock.advance(10);
    receive('from sync', 'sync');
    clock.advance(SYNC_WRITE_BATCH_MS - 1);
    expect(stored()).toBe(0);
    clock.advance(1);
    expect(stored(), 'the sync batch is due sooner, and carries the live one').toBe(2);
    // Nothing is left due: the live message's timer was replaced, not left to write an empty batch.
    receive('later', 'live');
    clock.advance(WRITE_BATCH_MS - 1);
    expect(stored()).toBe(2);
    clock.advance(1);
    expect(stored()).toBe(3);
  });

  it('a live message does not put off a sync batch already due sooner', () => {
    receive('from sync', 'sync');
    receive('live after', 'live');
    clock.advance(SYNC_WRITE_BATCH_MS);
    expect(stored()).toBe(2);
  });

  it('writes WRITE_BATCH_MAX messages at once, before any timer', () => {
    for (let i = 0; i < WRITE_BATCH_MAX; i++) receive(`m${i}`, 'live');
    expect(stored()).toBe(WRITE_BATCH_MAX);
  });
});
