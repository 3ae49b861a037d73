/**
 * The write worker's entry point (a worker_threads Worker, started by write-thread.ts): it owns one
 * write connection per history store of the process and runs their batch INSERT transactions, the
 * full-text index, checkpoints and retention (store-writes.ts), off the event loop. Requests are
 * answered in the order they came, each after its commit (or failure).
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { prepareAll } from './store-statements.js';
import { BatchWrites } from './store-writes.js';
import { WalFrames } from './wal-frames.js';
import { type FromWorker, type ToWorker, unpackBatch } from './write-protocol.js';
import type { Db } from './store-schema.js';

interface Connection {
  db: Db;
  writes: BatchWrites;
  frames: WalFrames | null;
}

const connections = new Map<number, Connection>();
const port = parentPort;
if (!port) throw new Error('write-worker-main.js runs as a worker thread');

port.on('message', (m: ToWorker) => {
  let reply: FromWorker;
  try {
    const { result, warning } = handle(m);
    reply = { handle: m.handle, seq: m.seq, ok: true, result, ...(warning ? { warning } : {}) };
  } catch (err) {
    const e = err as Error & { code?: unknown };
    reply = {
      handle: m.handle,
      seq: m.seq,
      ok: false,
      error: { message: e.message, ...(typeof e.code === 'string' ? { code: e.code } : {}) },
    };
  }
  port.postMessage(reply);
});

function handle(m: ToWorker): { result: unknown; warning?: string } {
  if (m.type === 'open') {
    // The event loop's connection created and migrated the file, and put it in WAL mode (persistent).
    const db = new Database(m.file);
    try {
      db.pragma('synchronous = NORMAL');
      db.pragma('cache_size = -4000');
      const frames = m.shmFd === null ? null : WalFrames.borrow(m.shmFd);
      const writes = new BatchWrites(db, prepareAll(db), {
        ftsBatch: m.ftsBatch,
        walFrames: frames && (() => frames.count()),
        immediate: true,
      });
      connections.set(m.handle, { db, writes, frames });
    } catch (err) {
      db.close();
      throw err;
    }
    return { result: null };
  }
  const c = connections.get(m.handle);
  if (!c) throw new Error(`no history connection ${m.handle} in the write worker`);
  switch (m.type) {
    case 'write': {
      const added = c.writes.insertMany(unpackBatch(m.batch)).length;
      try {
        c.writes.checkpointWhenDue();
      } catch (err) {
        // The rows are committed; SQLite's automatic checkpoint tries again.
        return { result: added, warning: `could not checkpoint the history log: ${(err as Error).message}` };
      }
      return { result: added };
    }
    case 'prune':
      return { result: c.writes.prune(m.cutoff, m.maxPerScope) };
    case 'close':
      connections.delete(m.handle);
      c.frames?.close(); // borrowed: the event loop closes the descriptor after this answer
      c.db.close();
      return { result: null };
  }
}
