/**
 * The history's batch writes over one connection: the INSERT transaction, the full-text index fed in
 * bulk, the checkpoint when the WAL is long enough, and retention. HistoryStore runs them on its own
 * connection (writes in this thread); the write worker (write-worker-main.ts) on the connection it owns.
 */
import { idLanes } from './id-lanes.js';
import { idFromText } from './reconcile.js';
import type { Db } from './store-schema.js';
import type { Statements } from './store-statements.js';
import type { StoredMessage } from './store-rows.js';

/**
 * WAL frames a checkpoint by checkpointWhenDue should find: half of SQLite's automatic threshold (1,000
 * pages), whose checkpoint runs inside whichever commit crosses it (1-2 ms more, up to 5 ms), and a
 * single-row commit crossed it most often. The automatic one stays as the fallback.
 */
export const CHECKPOINT_TARGET_FRAMES = 500;
/** Batches between two checkpointWhenDue, at least (a reader holding the log back must not make every batch checkpoint). */
const MIN_CHECKPOINT_BATCHES = 8;
/** Without a -shm file to read the WAL's length from (wal-frames.ts): a checkpoint every this many batches. */
const BLIND_CHECKPOINT_BATCHES = 64;

export interface BatchWritesOptions {
  /** Rows held out of the full-text index before they are added in bulk. */
  ftsBatch: number;
  /** Frames in the WAL now (wal-frames.ts); null when there is no -shm file to read. */
  walFrames: (() => number) | null;
  /**
   * Take the write lock when a transaction begins (BEGIN IMMEDIATE): another connection of this
   * process writes too (the write worker), and a deferred transaction that read first could not wait
   * for it (SQLITE_BUSY_SNAPSHOT); an immediate one waits (busy timeout) for its commit.
   */
  immediate: boolean;
}

export class BatchWrites {
  /** Rows inserted since the full-text index was last brought up to date (an upper bound). */
  unindexed: number;
  private batchesSinceCheckpoint = 0;
  private readonly insertAll: (messages: StoredMessage[]) => string[];
  private readonly indexAll: () => void;
  private readonly pruneAll: (cutoff: number, maxPerScope: number) => number;

  constructor(
    private readonly db: Db,
    private readonly stmt: Statements,
    private readonly opts: BatchWritesOptions,
  ) {
    this.unindexed = stmt.pendingCount.get() as number;
    const tx = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) => {
      const t = db.transaction(fn);
      return opts.immediate ? t.immediate : t;
    };
    this.insertAll = tx((messages: StoredMessage[]) =>
      messages.filter((m) => this.insertRow(m)).map((m) => m.id),
    );
    this.indexAll = tx(() => {
      this.stmt.indexPending.run();
      this.stmt.clearPending.run();
    });
    this.pruneAll = tx((cutoff: number, maxPerScope: number) => {
      let removed = 0;
      for (const scope of this.stmt.scopes.all() as string[]) {
        removed += this.stmt.pruneAge.run(scope, cutoff).changes;
        removed += this.stmt.pruneCount.run(scope, maxPerScope).changes;
      }
      return removed;
    });
  }

  /** One row in a transaction of its own; false if its id is already stored. */
  insert(message: StoredMessage): boolean {
    const stored = this.insertRow(message);
    if (stored) this.unindexed++;
    return stored;
  }

  /** Many rows in one transaction; returns the ids that were new. */
  insertMany(messages: StoredMessage[]): string[] {
    const ids = this.insertAll(messages);
    this.indexWhenDue(ids.length);
    this.batchesSinceCheckpoint++;
    return ids;
  }

  /** See HistoryStore.checkpointWhenDue. */
  checkpointWhenDue(): boolean {
    const due = this.opts.walFrames
      ? this.batchesSinceCheckpoint >= MIN_CHECKPOINT_BATCHES &&
        this.opts.walFrames() >= CHECKPOINT_TARGET_FRAMES
      : this.batchesSinceCheckpoint >= BLIND_CHECKPOINT_BATCHES;
    if (!due) return false;
    this.batchesSinceCheckpoint = 0;
    this.db.pragma('wal_checkpoint(PASSIVE)');
    return true;
  }

  /** Adds every row still waiting to the full-text index. */
  indexPending(): void {
    this.indexAll();
    this.unindexed = 0;
  }

  /** Removes what is older than `cutoff`, then all but the newest `maxPerScope` of each scope. */
  prune(cutoff: number, maxPerScope: number): number {
    return this.pruneAll(cutoff, maxPerScope);
  }

  private indexWhenDue(added: number): void {
    this.unindexed += added;
    if (this.unindexed < this.opts.ftsBatch) return;
    try {
      this.indexPending();
    } catch {
      // The rows are stored and stay pending: the next search tries again, the next batch after
      // another batch of rows (not every insert, which would retry the whole backlog each time).
      this.unindexed = 1;
    }
  }

  private insertRow(m: StoredMessage): boolean {
    const lanes = idLanes(idFromText(m.id));
    const info = this.stmt.insert.run(
      m.id,
      m.scope,
      m.room,
      m.peer,
      m.from,
      m.nick,
      m.ts,
      m.text,
      m.action ? 1 : 0,
      m.own ? 1 : 0,
      m.status,
      m.via,
      m.future ? 1 : 0,
      m.receivedAt,
      m.payload,
      m.sig,
      ...lanes,
      m.future ? Math.min(m.ts, m.receivedAt) : m.ts,
    );
    return info.changes > 0;
  }
}
