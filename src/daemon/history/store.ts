/**
 * The history store: every message this node keeps (rooms it is in, its direct conversations), in
 * SQLite through better-sqlite3. It answers the UI's history queries (pages by (ts, id), full-text
 * search) and the range queries of reconciliation (reconcile.ts), and applies retention.
 * Everything is ordered by (ts, id) so every node shows one conversation in the same order.
 */
import type { Statement } from 'better-sqlite3';
import { UsageError, type MessageIdStr, type NodeIdHex } from '../../wire/index.js';
import type { ChatMessage, HistoryQuery } from '../chat-api.js';
import {
  digestFromSums,
  idFromText,
  isValidRange,
  rangeLast,
  type RangeDigest,
  type SignedMessage,
  type SyncStore,
} from './reconcile.js';
import { openDatabase, type Db } from './store-schema.js';
import { WalFrames } from './wal-frames.js';
import { WalSync } from './wal-sync.js';
import { prepareAll } from './store-statements.js';
import { BatchWrites } from './store-writes.js';
import { WriteChannel } from './write-thread.js';
import {
  checkOptions,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_MESSAGES_PER_SCOPE,
  type StoreOptions,
} from './store-options.js';
import { COLUMNS, ftsQuery, type Row, type StoredMessage, toChat, toStored } from './store-rows.js';

export { ftsQuery, type StoredMessage, toChatMessage } from './store-rows.js';
export { DEFAULT_MAX_AGE_MS, DEFAULT_MAX_MESSAGES_PER_SCOPE, type StoreOptions } from './store-options.js';
export { CHECKPOINT_TARGET_FRAMES } from './store-writes.js';

/**
 * New rows are added to the full-text index about this many at a time (or before a search). Each store
 * draws its own threshold within ±25 %: nodes fed the same messages (several on one machine, as in the
 * tests and benchmarks) would otherwise all index in the same millisecond, once every FTS_BATCH rows.
 */
export const FTS_BATCH = 512;
/** How long closing waits for the write worker to answer what it was asked before it is given up. */
const WRITE_WORKER_CLOSE_MS = 15_000;
/** Largest page a history query returns. */
export const MAX_HISTORY_LIMIT = 10_000;
const DEFAULT_HISTORY_LIMIT = 100;

export class HistoryStore implements SyncStore {
  /** The path a corrupt database was moved to when this store was opened, else null. */
  readonly recoveredFrom: string | null;
  private readonly db: Db;
  private readonly maxPerScope: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private closed = false;
  private readonly queries = new Map<string, Statement>();
  private readonly stmt: ReturnType<typeof prepareAll>;
  /** The batch writes on this thread's connection (all of them, or the fallback of the worker's). */
  private readonly writes: BatchWrites;
  /** The write worker's connection (write-thread.ts), null when this thread writes. */
  private readonly channel: WriteChannel | null = null;
  /** Flushes the WAL off the event loop; null when the store was opened with synchronous NORMAL. */
  private readonly walSync: WalSync | null;
  /**
   * The greatest id ever stored here (or greater). Ids are UUIDv7 in canonical text, which sorts by
   * time, so a live message (newer than anything held) is known to be new without a lookup: that
   * lookup ran twice per received message and was ~15 % of a relay's event-loop time (BENCHMARKS.md).
   */
  private maxId: MessageIdStr;
  /** Rows held out of the full-text index before they are added in bulk (this store's draw). */
  private readonly ftsBatch: number;
  /** The WAL's length in frames, from the -shm file; null for an in-memory database. */
  private readonly walFrames: WalFrames | null;

  /** Opens or creates the database file; the caller creates its directory (mode 0700). */
  static open(file: string, options: StoreOptions = {}): HistoryStore {
    checkOptions(options); // before the file is opened: a bad option must not leave it open
    const now = options.now ?? Date.now;
    const { db, recoveredFrom } = openDatabase(file, now);
    let walSync: WalSync | null = null;
    const onDisk = file !== ':memory:' && file !== '';
    // SQLite's own name for the file: it resolves a symlinked history.db, and so keeps its WAL and
    // -shm beside the target, not beside the link.
    let main = file;
    try {
      const listed = (db.pragma('database_list') as { name: string; file: string }[]).find(
        (d) => d.name === 'main',
      );
      main = listed?.file || file;
      if (onDisk && (options.synchronous ?? 'FULL') === 'FULL') walSync = new WalSync(`${main}-wal`);
    } catch (err) {
      db.close();
      throw err;
    }
    const walFrames = onDisk ? WalFrames.open(`${main}-shm`) : null;
    const worker = onDisk && options.writes === 'worker' ? main : null;
    return new HistoryStore(db, recoveredFrom, walSync, walFrames, options, now, worker);
  }

  private constructor(
    db: Db,
    recoveredFrom: string | null,
    walSync: WalSync | null,
    walFrames: WalFrames | null,
    options: StoreOptions,
    now: () => number,
    workerFile: string | null,
  ) {
    this.walSync = walSync;
    this.walFrames = walFrames;
    this.db = db;
    this.recoveredFrom = recoveredFrom;
    this.now = now;
    this.maxPerScope = options.maxMessagesPerScope ?? DEFAULT_MAX_MESSAGES_PER_SCOPE;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.stmt = prepareAll(db);
    this.maxId = (db.prepare('SELECT MAX(id) FROM messages').pluck().get() as string | null) ?? '';
    this.ftsBatch =
      options.ftsBatch ?? Math.round(FTS_BATCH * (0.75 + 0.5 * (options.random ?? Math.random)()));
    this.writes = new BatchWrites(db, this.stmt, {
      ftsBatch: this.ftsBatch,
      walFrames: walFrames && (() => walFrames.count()),
      immediate: workerFile !== null,
    });
    if (workerFile === null) return;
    const logger = options.logger ?? console;
    this.channel = new WriteChannel({
      file: workerFile,
      ftsBatch: this.ftsBatch,
      shmFd: walFrames?.descriptor ?? null,
      // Closed without closeAfterWrites: the rows are refused loudly (the writer logs them), not dropped.
      fallback: {
        write: (messages) => void this.writableHere().insertMany(messages),
        prune: (cutoff, maxPerScope) => this.writableHere().prune(cutoff, maxPerScope),
      },
      onLost: (err) =>
        logger.error(`the history write worker failed (${err.message}); writing history on the event loop`),
      onWarning: (message) => logger.warn(message),
    });
  }

  /** Whether batches are committed by the write worker (commitInWorker) rather than in this thread. */
  get writesInWorker(): boolean {
    return this.channel?.alive ?? false;
  }

  /**
   * Hands a batch to the write worker; resolves once it is committed (durable once a later sync()
   * resolves), rejects if the commit failed. Null when this thread writes (use insertMany). The rows
   * are not visible to this store's reads before then: MessageWriter holds them meanwhile.
   */
  commitInWorker(messages: StoredMessage[]): Promise<void> | null {
    if (this.closed || !this.channel?.alive) return null;
    this.noteIds(messages);
    return this.channel.write(messages);
  }

  /**
   * Stores a message; false if its id is already stored. Durable once a later sync() resolves. One row
   * in a transaction of its own: the full-text index and checkpointWhenDue wait for a batch (the node
   * writes everything, own messages too, through insertMany).
   */
  insert(message: StoredMessage): boolean {
    this.noteIds([message]);
    return this.writes.insert(message);
  }

  /**
   * Stores many messages in one transaction; returns the ids that were new. The commit survives a
   * crash of the process; sync() makes it survive power loss too.
   */
  insertMany(messages: StoredMessage[]): string[] {
    this.noteIds(messages);
    return this.writes.insertMany(messages);
  }

  /**
   * Checkpoints the WAL (PASSIVE: it never waits for readers) once it holds CHECKPOINT_TARGET_FRAMES,
   * for the batch writer to call where a pause costs nothing (node.ts: after a batch, at a quiet turn),
   * so that SQLite's own checkpoint rarely runs inside a commit. Returns whether it ran;
   * throws if SQLite fails it (the rows stay committed, and its automatic checkpoint tries again).
   */
  checkpointWhenDue(): boolean {
    return this.writes.checkpointWhenDue();
  }

  /** Adds every row still waiting to the full-text index (done by itself every ~FTS_BATCH rows). */
  indexPending(): void {
    this.writes.indexPending();
  }

  /**
   * Resolves once everything committed before the call is on disk (survives power loss), without
   * blocking the event loop; concurrent calls share one flush. Rejects with DATABASE_WRITE_FAILED.
   */
  sync(): Promise<void> {
    return this.walSync?.sync() ?? Promise.resolve();
  }

  has(id: MessageIdStr): boolean {
    return id <= this.maxId && this.stmt.has.get(id) !== undefined;
  }

  missing(ids: MessageIdStr[]): MessageIdStr[] {
    return ids.filter((id) => !this.has(id));
  }

  get(id: MessageIdStr): StoredMessage | undefined {
    const row = this.stmt.get.get(id) as Row | undefined;
    return row && toStored(row);
  }

  /**
   * History of one conversation (room or peer) or of all, optionally full-text searched: the newest
   * `limit` matches before the cursor, returned oldest first.
   */
  query(q: HistoryQuery): ChatMessage[] {
    if (q.room !== undefined && q.peer !== undefined) {
      throw new UsageError('INVALID_ARGUMENT', 'history: give a room or a peer, not both');
    }
    const limit = q.limit ?? DEFAULT_HISTORY_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 0 || limit > MAX_HISTORY_LIMIT) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        `history: limit must be an integer from 0 to ${MAX_HISTORY_LIMIT}`,
      );
    }
    const scope = q.room !== undefined ? `room:${q.room}` : q.peer !== undefined ? `dm:${q.peer}` : undefined;
    const match = q.search === undefined ? undefined : ftsQuery(q.search);
    if (match === null || limit === 0) return [];

    const where: string[] = [];
    const params: unknown[] = [];
    if (scope !== undefined) {
      where.push('m.scope = ?');
      params.push(scope);
    }
    if (q.before !== undefined) {
      // The cursor is a message's (ts, id); a future-flagged message is placed by its shown_ts.
      const at = (this.stmt.shownTs.get(q.before.id) as number | undefined) ?? q.before.ts;
      // `shown_ts <= ?` gives the index a range; the OR only filters within it.
      where.push('m.shown_ts <= ? AND (m.shown_ts < ? OR m.id < ?)');
      params.push(at, at, q.before.id);
    }
    if (match !== undefined) {
      // The worker's inserts are not counted here: ask the table (a few hundred rows at most).
      const unindexed = this.channel ? (this.stmt.pendingCount.get() as number) : this.writes.unindexed;
      if (unindexed > 0) {
        try {
          this.indexPending();
        } catch {
          // The newest rows stay unsearchable until indexing works again (the next search retries);
          // what is indexed is still searched, and nothing is lost.
          this.writes.unindexed = 1;
        }
      }
      where.push('m.seq IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)');
      params.push(match);
    }
    const key = `${scope !== undefined}${q.before !== undefined}${match !== undefined}`;
    let stmt = this.queries.get(key);
    if (!stmt) {
      const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      stmt = this.db.prepare(
        `SELECT ${COLUMNS} FROM messages m ${filter} ORDER BY m.shown_ts DESC, m.id DESC LIMIT ?`,
      );
      this.queries.set(key, stmt);
    }
    const rows = stmt.all(...params, limit) as Row[];
    return rows.reverse().map(toChat);
  }

  /**
   * Marks an own direct message to `recipient` delivered; true only when that changed its status.
   * A receipt signed by anyone but the recipient changes nothing.
   */
  markDelivered(id: MessageIdStr, recipient: NodeIdHex): boolean {
    return this.stmt.markDelivered.run(id, recipient).changes > 0;
  }

  count(scope?: string): number {
    return (scope === undefined ? this.stmt.countAll.get() : this.stmt.countScope.get(scope)) as number;
  }

  scopes(): string[] {
    return this.stmt.scopes.all() as string[];
  }

  /** Applies retention (age, then count per scope); returns how many messages were removed. */
  prune(): number {
    return this.writes.prune(this.now() - this.maxAgeMs, this.maxPerScope);
  }

  /** prune() in the write worker, after the batches handed to it; null when this thread writes. */
  pruneInWorker(): Promise<number> | null {
    if (this.closed || !this.channel?.alive) return null;
    return this.channel.prune(this.now() - this.maxAgeMs, this.maxPerScope);
  }

  /**
   * Lets the write worker answer everything it was handed (or, past WRITE_WORKER_CLOSE_MS, gives it
   * up: what it had not answered is then written here), has it close its connection, then closes.
   */
  async closeAfterWrites(): Promise<void> {
    const channel = this.channel;
    if (channel && !this.closed) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>(
        (resolve) => (timer = setTimeout(resolve, WRITE_WORKER_CLOSE_MS, 'late')),
      );
      const closing = channel.close();
      if ((await Promise.race([closing, late])) === 'late') {
        channel.killWorker().catch(() => {});
        await closing;
      }
      clearTimeout(timer);
    }
    this.close();
  }

  /**
   * Closes; idempotent. With the write worker, what it has not answered yet is committed by it
   * afterwards (closeAfterWrites waits for it first).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.walSync?.close();
    this.db.close();
    // Only after the connections: closing any descriptor of a file drops the process's POSIX locks on
    // it, and SQLite holds its locks on the -shm file (wal-frames.ts); the worker reads through it.
    const frames = this.walFrames;
    if (this.channel) void this.channel.close().then(() => frames?.close());
    else frames?.close();
  }

  // Reconciliation (SyncStore): ranges are [from, to) of ts, see reconcile.ts.

  rangeDigest(scope: string, from: number, to: number): RangeDigest {
    if (!isValidRange(from, to)) return digestFromSums(0, [0, 0, 0, 0]);
    const row = this.stmt.digest.get(scope, from, rangeLast(to)) as number[];
    return digestFromSums(row[0], row.slice(1));
  }

  rangeIds(scope: string, from: number, to: number): MessageIdStr[] {
    if (!isValidRange(from, to)) return [];
    return this.stmt.rangeIds.all(scope, from, rangeLast(to)) as string[];
  }

  rangeQuantiles(scope: string, from: number, to: number, parts: number): number[] {
    if (!isValidRange(from, to) || parts < 2) return [];
    const count = this.stmt.rangeCount.get(scope, from, rangeLast(to)) as number;
    if (count === 0) return [];
    const step = Math.max(1, Math.ceil(count / parts));
    // The first ts of each part: ranks 1, 1 + step, 1 + 2·step, …
    return this.stmt.quantiles.all(scope, from, rangeLast(to), step) as number[];
  }

  /**
   * One stored room message as it was flooded (to answer a graft). Direct conversations are never
   * served to others, as in sync.
   */
  signedRoomMessage(id: MessageIdStr): SignedMessage | undefined {
    if (id > this.maxId) return undefined;
    const row = this.stmt.signedRoomById.get(id) as { payload: Buffer; sig: Buffer } | undefined;
    return row && { id: idFromText(id), payload: row.payload, sig: row.sig };
  }

  signedMessages(scope: string, ids: MessageIdStr[]): SignedMessage[] {
    const out: SignedMessage[] = [];
    for (const id of ids) {
      const row = this.stmt.signed.get(id, scope) as { payload: Buffer; sig: Buffer } | undefined;
      if (row) out.push({ id: idFromText(id), payload: row.payload, sig: row.sig });
    }
    return out;
  }

  private writableHere(): BatchWrites {
    if (this.closed) throw new Error('the history was closed before the write worker committed');
    return this.writes;
  }

  /** Keeps maxId an upper bound of what is stored, from the moment rows are handed to a write. */
  private noteIds(messages: readonly StoredMessage[]): void {
    for (const m of messages) if (m.id > this.maxId) this.maxId = m.id;
  }
}
