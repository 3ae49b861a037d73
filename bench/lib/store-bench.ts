/**
 * What storing one received message costs the history store (SQLite WAL, FTS5, covering index), by
 * transaction size and synchronous mode. A node writes received messages in one transaction per event
 * loop tick, so at chat rates a transaction usually holds one message: the per-transaction costs
 * (WAL commit, fsync under FULL, the FTS5 segment flushed at every commit) are paid per message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateIdentity, HistoryStore } from '../../src/daemon/index.js';
import { signedChats } from './chat.js';
import { sleep } from './time.js';

/** Microseconds per stored message when messages are written `batch` at a time. */
export async function storeInsertCost(
  synchronous: 'FULL' | 'NORMAL',
  batch: number,
  messages: number,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-store-'));
  const store = HistoryStore.open(join(dir, 'history.db'), { synchronous });
  try {
    const author = generateIdentity();
    // A realistic starting point: a history already holding some rooms' worth of messages.
    store.insertMany(signedChats(author, 5000, { startTs: Date.now() - 10_000_000, stepMs: 100 }));
    const all = signedChats(author, messages, { startTs: Date.now() - 1_000_000, stepMs: 10, first: 5000 });
    const start = performance.now();
    for (let i = 0; i < all.length; i += batch) store.insertMany(all.slice(i, i + batch));
    const us = ((performance.now() - start) * 1000) / all.length;
    await sleep(0);
    return us;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
