/** How a history store is opened: durability, full-text batching, retention; checked before use. */
import { UsageError } from '../../wire/index.js';
import type { Logger } from '../logger.js';

export interface StoreOptions {
  /**
   * Durability. A commit does not wait for the disk (SQLite runs at synchronous NORMAL under WAL, and
   * syncs only when it checkpoints, every ~1000 pages); with FULL, sync() flushes the WAL to disk on the thread pool, so what the caller
   * waited on survives power loss. With NORMAL, sync() resolves at once: a commit survives a crash of
   * the process only.
   * @default 'FULL'
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** Rows held out of the full-text index before they are added in bulk. @default FTS_BATCH ± 25 % */
  ftsBatch?: number;
  /** Keep at most this many messages per scope; prune() removes the oldest by (ts, id). @default 100_000 */
  maxMessagesPerScope?: number;
  /** prune() drops messages whose ts is older than this. @default 365 days */
  maxAgeMs?: number;
  /** Clock for retention and for naming a corrupt file moved aside. @default Date.now */
  now?: () => number;
  /**
   * Where the batch writes, their checkpoints and retention run: on this thread's connection, or in a
   * worker thread owning a write connection of its own (write-thread.ts), while this thread keeps its
   * connection for reads (WAL lets them run beside the worker's writes). The daemon uses the worker;
   * a database in memory always writes in this thread. @default 'thread'
   */
  writes?: 'thread' | 'worker';
  /** Told when the write worker dies (the store then writes in this thread) or cannot checkpoint. */
  logger?: Pick<Logger, 'error' | 'warn'>;
  /** Where the ftsBatch spread comes from (nodes opened together must not index in step). @default Math.random */
  random?: () => number;
}

export const DEFAULT_MAX_MESSAGES_PER_SCOPE = 100_000;
export const DEFAULT_MAX_AGE_MS = 365 * 24 * 60 * 60 * 1000;
export function checkOptions(o: StoreOptions): void {
  const positiveInt = (v: number | undefined) => v === undefined || (Number.isSafeInteger(v) && v > 0);
  if (!positiveInt(o.maxMessagesPerScope)) {
    throw new UsageError('INVALID_ARGUMENT', 'maxMessagesPerScope must be a positive integer');
  }
  if (o.maxAgeMs !== undefined && !(o.maxAgeMs > 0)) {
    throw new UsageError('INVALID_ARGUMENT', 'maxAgeMs must be positive');
  }
  if (!positiveInt(o.ftsBatch))
    throw new UsageError('INVALID_ARGUMENT', 'ftsBatch must be a positive integer');
}
