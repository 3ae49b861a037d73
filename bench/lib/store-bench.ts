/**
 * What storing one message costs the history store (SQLite WAL, FTS5, covering index), by transaction
 * size. Commits run at synchronous NORMAL; with FULL (as shipped) each transaction is then made durable
 * by HistoryStore.sync(), a WAL flush on the thread pool that the event loop does not wait for. So two
 * figures: the event loop's time per message (the commit), and the time until it is on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateIdentity, HistoryStore } from '../../src/daemon/index.js';
import { signedChats } from './chat.js';

export interface StoreCost {
  /** Event-loop time per message: the commits alone. */
  loopUs: number;
  /** Wall time per message when each transaction also waits for sync() before the next one. */
  durableUs: number;
}

export async function storeInsertCost(
  synchronous: 'FULL' | 'NORMAL',
  batch: number,
  messages: number,
): Promise<StoreCost> {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-store-'));
  const store = HistoryStore.open(join(dir, 'history.db'), { synchronous });
  try {
    const author = generateIdentity();
    // A realistic starting point: a history already holding some rooms' worth of messages.
    store.insertMany(signedChats(author, 5000, { startTs: Date.now() - 10_000_000, stepMs: 100 }));
    await store.sync();
    const all = signedChats(author, messages, { startTs: Date.now() - 1_000_000, stepMs: 10, first: 5000 });
    let loop = 0;
    const start = performance.now();
    for (let i = 0; i < all.length; i += batch) {
      const t = performance.now();
      // One message a transaction is a message the user sends (insert); more are received batches.
      if (batch === 1) store.insert(all[i]);
      else store.insertMany(all.slice(i, i + batch));
      loop += performance.now() - t;
      await store.sync();
    }
    const wall = performance.now() - start;
    return { loopUs: (loop * 1000) / all.length, durableUs: (wall * 1000) / all.length };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
