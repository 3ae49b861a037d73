/**
 * A store opened with `writes: 'worker'` (the daemon's) commits the writer's batches in the write
 * worker, not on the event loop: the loop's connection never runs the INSERT transaction, rows in
 * flight are held (has(), lookup(), flush() for queries), an own message is reported durable only
 * after the worker's commit and the flush to disk, closing waits for the worker, and a worker that
 * dies hands what it had not committed back to the loop, which writes it.
 *
 * A third connection holding SQLite's write lock keeps the worker's commit waiting (its busy timeout),
 * so "in flight" is a state the test holds, not a race it hopes to win.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock/index.js';
import type { QuietTurns } from '../../src/daemon/flood/index.js';
import { HistoryStore, MessageWriter } from '../../src/daemon/history/index.js';
import type { WriteChannel } from '../../src/daemon/history/write-thread.js';
import { silentLogger } from '../../src/daemon/logger.js';
import { type ChatPayload, messageIdToString, newMessageId } from '../../src/wire/index.js';

const SELF = new Uint8Array(32).fill(0xbb);
const SELF_HEX = 'bb'.repeat(32);

let dir: string;
let file: string;
let store: HistoryStore;
let writer: MessageWriter;
let quiet: (() => void)[];
let logged: string[];
let blocker: Database.Database | null;

function open(writes: 'worker' | 'thread'): void {
  store = HistoryStore.open(file, {
    writes,
    logger: { error: (m) => logged.push(m), warn: (m) => logged.push(m) },
  });
  // The quiet turn comes when the test says so.
  const quietTurns = { whenQuiet: (fn: () => void) => quiet.push(fn) } as unknown as QuietTurns;
  writer = new MessageWriter({
    store,
    clock: systemClock,
    logger: { ...silentLogger, error: (m: string) => logged.push(m) },
    quietTurns,
    self: SELF_HEX,
    onStored: () => {},
  });
}

function quietTurn(): void {
  for (const fn of quiet.splice(0)) fn();
}

/** Holds SQLite's write lock from a connection of its own: the worker's commit waits for release(). */
function block(): void {
  blocker = new Database(file);
  blocker.exec('BEGIN IMMEDIATE');
}

function release(): void {
  blocker?.exec('COMMIT');
  blocker?.close();
  blocker = null;
}

function send(text: string): string {
  const payload: ChatPayload = {
    kind: 'chat',
    id: newMessageId(),
    from: SELF,
    ts: Date.now(),
    room: 'lobby',
    nick: 'me',
    text,
  };
  const signed = { id: payload.id, payload: new Uint8Array([1, 2, 3]), sig: new Uint8Array(64) };
  writer.storeOwn(payload, signed, { room: 'lobby', peer: null, text, action: false, nick: 'me' });
  return messageIdToString(payload.id);
}

function channel(): WriteChannel {
  return (store as unknown as { channel: WriteChannel }).channel;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-write-worker-'));
  file = join(dir, 'history.db');
  quiet = [];
  logged = [];
  blocker = null;
});

afterEach(async () => {
  release();
  await writer.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('history writes in the write worker', () => {
  it('commits a batch in the worker; its rows are held until then; durable only after the commit', async () => {
    open('worker');
    expect(store.writesInWorker).toBe(true);
    const onLoop = vi.spyOn(store, 'insertMany');
    const checkpoints = vi.spyOn(store, 'checkpointWhenDue');
    const syncCalls: boolean[] = [];
    const sync = store.sync.bind(store);
    vi.spyOn(store, 'sync').mockImplementation(() => {
      syncCalls.push(store.has(id)); // was the row committed when the flush to disk began?
      return sync();
    });
    block();
    const id = send('in flight');
    let durable = false;
    const flushed = writer.lastFlush.then(() => (durable = true));
    quietTurn(); // the batch goes to the worker, whose commit waits for the blocker
    expect(writer.has(id)).toBe(true);
    expect(writer.lookup(Buffer.from(id.replaceAll('-', ''), 'hex'))?.payload).toEqual(
      new Uint8Array([1, 2, 3]),
    );
    expect(store.has(id)).toBe(false); // not committed: the worker waits for the lock
    await new Promise((resolve) => setImmediate(resolve));
    expect(durable).toBe(false);
    release();
    await flushed;
    expect(store.has(id)).toBe(true);
    expect(syncCalls).toEqual([true]);
    expect(onLoop).not.toHaveBeenCalled();
    expect(checkpoints).not.toHaveBeenCalled();
    expect(logged).toEqual([]);
  });

  it('flush() makes rows in flight visible to this thread at once (the queries that first write)', () => {
    open('worker');
    const ids = [send('one'), send('two'), send('three')];
    quietTurn();
    writer.flush();
    expect(store.query({ room: 'lobby' }).map((m) => m.id)).toEqual(ids);
  });

  it('closing waits for the worker to commit what it was handed', async () => {
    open('worker');
    block();
    const ids = Array.from({ length: 20 }, (_, i) => send(`row ${i}`));
    quietTurn();
    let closed = false;
    const closing = writer.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false); // the worker has not answered: it waits for the lock
    release();
    await closing;
    const check = new Database(file, { readonly: true });
    const count = check.prepare('SELECT COUNT(*) FROM messages').pluck().get();
    check.close();
    expect(count).toBe(ids.length);
  });

  it('a dead worker: what it had not committed is written on the event loop, and that is logged', async () => {
    open('worker');
    block();
    const id = send('orphan');
    quietTurn();
    const killed = channel().killWorker();
    release(); // the worker's busy wait ends; it dies before or after its commit
    await killed;
    await writer.lastFlush;
    expect(store.has(id)).toBe(true);
    expect(logged.some((m) => m.includes('write worker failed'))).toBe(true);
    expect(store.writesInWorker).toBe(false);
    const onLoop = vi.spyOn(store, 'insertMany');
    const next = send('after');
    quietTurn();
    await writer.lastFlush;
    expect(onLoop).toHaveBeenCalledTimes(1);
    expect(store.has(next)).toBe(true);
  });

  it('writes on the event loop when asked to (tests, tools opening a store directly)', async () => {
    open('thread');
    expect(store.writesInWorker).toBe(false);
    const onLoop = vi.spyOn(store, 'insertMany');
    const id = send('here');
    quietTurn();
    expect(onLoop).toHaveBeenCalledTimes(1);
    expect(store.has(id)).toBe(true);
    await writer.lastFlush;
  });
});
