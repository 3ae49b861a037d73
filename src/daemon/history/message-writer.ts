/**
 * Writes messages to history in batches. Received messages are committed together (one transaction
 * per WRITE_BATCH_MS or WRITE_BATCH_MAX), our own at the next quiet turn, so that a node passes a
 * message on before it writes it down; a query first writes what waits. Services hand messages here;
 * the flood router and history sync ask it what is held, waiting or stored.
 *
 * With a store that writes in its worker (store option `writes: 'worker'`, the daemon's), a batch is
 * handed to the worker and its rows are held here, in flight, until the worker answers that it
 * committed them: has() and lookup() see them meanwhile. The queries that first write what waits
 * (flush()) are synchronous, and their callers with them (history sync's handlers, receipts, markers,
 * node.history): rather than make them all asynchronous, flush() commits the rows still in flight on
 * the event loop's own connection too (an INSERT of a row the worker also commits changes nothing;
 * the write lock is held by the worker for one short transaction at most). That is rare next to the
 * batches (a query, a sync message, a receipt); the batches themselves and their checkpoints run in
 * the worker.
 */
import { type Bytes, FUTURE_SKEW_MS, messageIdToString, type NodeIdHex, toHex } from '../../wire/index.js';
import type { AnyPayload } from '../../wire/index.js';
import type { Clock, Timer } from '../../clock/index.js';
import type { ChatMessage } from '../chat-api.js';
import type { Logger } from '../logger.js';
import type { QuietTurns, SignedMessage } from '../flood/index.js';
import { type HistoryStore, type StoredMessage, toChatMessage } from './store.js';

/**
 * Received messages are written together when this many wait, or after WRITE_BATCH_MS. A batch is a
 * hand-off to the write worker (~20-50 µs of the loop's time, waking a sleeping thread) and a commit
 * there (~40-60 µs): at 50 ms, a node receiving 100 msg/s paid both for every ~5 rows. At 250 ms
 * (~25 rows), CPU per delivery fell 6 % at N = 10 and 50 (BENCHMARKS §14). A received message waits
 * in memory meanwhile (shown at once, has() and lookup() see it, queries write it first); if the
 * process dies before its batch, history sync brings it back from the peers.
 */
export const WRITE_BATCH_MAX = 256;
export const WRITE_BATCH_MS = 250;
/**
 * What history sync brings is written within this: a node catching up holds what it fetched as soon
 * as it can (at 250 ms, a 10,000-message catch-up ended ~200 ms later, BENCHMARKS §14), and a sync
 * brings its messages in bulk, so its batches are large anyway.
 */
export const SYNC_WRITE_BATCH_MS = 50;
/** Ids remembered as not in the store (see MessageWriter.absent); the oldest is forgotten first. */
export const MAX_ABSENT_IDS = 4096;

export interface MessageWriterOptions {
  store: HistoryStore;
  clock: Clock;
  logger: Logger;
  quietTurns: QuietTurns;
  /** This node's id: its messages are marked own. */
  self: NodeIdHex;
  /** A message was taken (it is shown at once, before it is written). */
  onStored: (message: ChatMessage) => void;
}

/** What a service says of a message to keep. */
export interface MessageToStore {
  scope: string;
  room: string | null;
  peer: NodeIdHex | null;
  payload: AnyPayload;
  nick: string;
  text: string;
  action: boolean;
  /** What the UI is shown instead of the row (a private room's message is stored sealed, §19). */
  shown?: Shown;
}

/** Fields of a message as shown that differ from the stored row. */
export type Shown = Partial<Pick<ChatMessage, 'room' | 'nick' | 'text' | 'action'>>;

export class MessageWriter {
  readonly store: HistoryStore;
  private readonly opts: MessageWriterOptions;
  /** Messages waiting for the next batched write, by id. */
  private pending = new Map<string, StoredMessage>();
  /**
   * Ids the store was asked for and did not hold, and that no write has come through here for since:
   * every write to the store is a batch of `pending`, and an id leaves this set when it enters
   * `pending`, so an id here is still not stored. A new message is asked for up to three times (the
   * router's duplicate check before and after its link's limit, then storeReceived): with this, one
   * SQLite lookup answers all three. Deletions (retention) cannot make an absent id present.
   */
  private readonly absent = new Set<string>();
  private flushTimer: Timer | null = null;
  /** When flushTimer fires (clock time). */
  private flushDueAt = 0;
  /** Settled once the pending own messages are committed and on disk (null: none pending). */
  private ownBatch: Deferred | null = null;
  /** The commit and flush to disk of the latest own message. */
  private latestOwn: Promise<void> = Promise.resolve();
  private flushFailureLogged = false;
  /** Rows handed to the write worker and not yet answered for, by id. */
  private readonly inFlight = new Map<string, StoredMessage>();
  /** Batches handed to the write worker and not yet answered for. */
  private readonly batches = new Set<InFlightBatch>();

  constructor(opts: MessageWriterOptions) {
    this.opts = opts;
    this.store = opts.store;
  }

  /** The commit and flush to disk of the latest own message (sendDurable waits for it). */
  get lastFlush(): Promise<void> {
    return this.latestOwn;
  }

  /** Whether a message is held, waiting or stored. */
  has(id: string): boolean {
    if (this.pending.has(id) || this.inFlight.has(id)) return true;
    if (this.absent.has(id)) return false;
    if (this.store.has(id)) return true;
    this.absent.add(id);
    if (this.absent.size > MAX_ABSENT_IDS) this.absent.delete(this.absent.values().next().value!);
    return false;
  }

  /** A room message held, to answer a neighbour's graft. */
  lookup(id: Bytes): SignedMessage | undefined {
    const key = messageIdToString(id);
    const pending = this.pending.get(key) ?? this.inFlight.get(key);
    if (pending)
      return pending.room !== null ? { id, payload: pending.payload, sig: pending.sig } : undefined;
    return this.store.signedRoomMessage(key);
  }

  /** Keeps a received message; false when it was already held. */
  storeReceived(signed: SignedMessage, m: MessageToStore, via: 'live' | 'sync'): boolean {
    const id = messageIdToString(m.payload.id);
    if (this.has(id)) return false;
    const now = this.opts.clock.now();
    const from = toHex(m.payload.from);
    const stored: StoredMessage = {
      id,
      scope: m.scope,
      room: m.room,
      peer: m.peer,
      from,
      nick: m.nick,
      ts: m.payload.ts,
      text: m.text,
      action: m.action,
      own: from === this.opts.self,
      status: null,
      via,
      future: m.payload.ts > now + FUTURE_SKEW_MS,
      receivedAt: now,
      payload: signed.payload,
      sig: signed.sig,
    };
    // Received messages are written in batches (one transaction per tick) to keep up under load.
    // Group commit: one transaction for what arrives within WRITE_BATCH_MS (or WRITE_BATCH_MAX
    // messages), without an fsync of its own. A commit per message cost 181 us against 23 us batched
    // (BENCHMARKS.md); a received message lost to a power cut comes back by history sync.
    // …and then at the first quiet turn (quiet-turn.ts): frames are forwarded before a commit. With
    // own messages waiting and no timer, their commit (at the next quiet turn) takes this one too.
    const wait = via === 'sync' ? SYNC_WRITE_BATCH_MS : WRITE_BATCH_MS;
    if (this.pending.size === 0 || (this.flushTimer && now + wait < this.flushDueAt)) {
      if (this.flushTimer) this.opts.clock.clearTimeout(this.flushTimer);
      this.flushDueAt = now + wait;
      this.flushTimer = this.opts.clock.setTimeout(
        () => this.opts.quietTurns.whenQuiet(() => this.commit()),
        wait,
      );
    }
    this.pending.set(id, stored);
    this.absent.delete(id);
    if (this.pending.size >= WRITE_BATCH_MAX) this.commit();
    this.opts.onStored(m.shown ? { ...toChatMessage(stored), ...m.shown } : toChatMessage(stored));
    return true;
  }

  /** Keeps a message this node wrote and has just flooded. */
  storeOwn(
    payload: AnyPayload,
    signed: SignedMessage,
    m: { room: string | null; peer: NodeIdHex | null; text: string; action: boolean; nick: string },
    shown?: Shown,
  ): ChatMessage {
    const stored: StoredMessage = {
      id: messageIdToString(payload.id),
      scope: m.room !== null ? `room:${m.room}` : `dm:${m.peer}`,
      room: m.room,
      peer: m.peer,
      from: this.opts.self,
      nick: m.nick,
      ts: payload.ts,
      text: m.text,
      action: m.action,
      own: true,
      status: m.peer ? 'sent' : null,
      via: 'local',
      future: false,
      receivedAt: payload.ts,
      payload: signed.payload,
      sig: signed.sig,
    };
    // The frames have left (originate); the row is written at the next quiet turn (quiet-turn.ts),
    // usually this very turn of the event loop, so a relay in this process, or the reply a peer
    // sends at once, is not held behind a commit. sendDurable, which the TUI and `konnect send` use,
    // answers once that commit is flushed to disk (the flush runs on the thread pool), so an id it
    // printed survives power loss; queries write pending messages first.
    this.pending.set(stored.id, stored);
    this.absent.delete(stored.id);
    if (!this.ownBatch) {
      this.ownBatch = deferred();
      this.opts.quietTurns.whenQuiet(() => this.commit());
    }
    this.latestOwn = this.ownBatch.promise;
    const message = shown ? { ...toChatMessage(stored), ...shown } : toChatMessage(stored);
    this.opts.onStored(message);
    return message;
  }

  /** Writes what waits, now, where this thread's queries of the store see it (see the top). */
  flush(): void {
    this.commit();
    if (this.batches.size === 0) return;
    const batches = [...this.batches];
    try {
      this.store.insertMany(batches.flatMap((b) => b.rows));
    } catch (err) {
      // They stay in flight: the worker's answer settles them.
      this.opts.logger.error(`could not write messages in flight to history: ${(err as Error).message}`);
      return;
    }
    for (const b of batches) this.settle(b, null);
  }

  /**
   * Commits what waits (the node is stopping), in the worker if the store writes there and once it
   * has answered for everything, then closes the store.
   */
  async close(): Promise<void> {
    this.commit();
    await this.store.closeAfterWrites();
  }

  /** Hands what waits to a commit: in the write worker, or here (then checkpoints when due). */
  private commit(): void {
    if (this.flushTimer) this.opts.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const own = this.ownBatch;
    this.ownBatch = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const inWorker = this.store.commitInWorker(batch);
    if (inWorker) {
      const b: InFlightBatch = { rows: batch, own, done: false };
      this.batches.add(b);
      for (const m of batch) this.inFlight.set(m.id, m);
      inWorker.then(
        () => this.settle(b, null),
        (err: Error) => this.settle(b, err),
      );
      return;
    }
    try {
      this.store.insertMany(batch);
    } catch (err) {
      this.opts.logger.error(
        `could not write ${batch.length} messages to history: ${(err as Error).message}`,
      );
      own?.reject(err as Error);
      return;
    }
    if (own) this.flushToDisk().then(own.resolve, own.reject);
    try {
      this.store.checkpointWhenDue();
    } catch (err) {
      this.opts.logger.warn(`could not checkpoint the history log: ${(err as Error).message}`);
    }
  }

  /** The worker answered for a batch, or flush() committed it here: it leaves the in-flight rows. */
  private settle(b: InFlightBatch, err: Error | null): void {
    if (b.done) return;
    b.done = true;
    this.batches.delete(b);
    for (const m of b.rows) this.inFlight.delete(m.id);
    if (err) {
      this.opts.logger.error(`could not write ${b.rows.length} messages to history: ${err.message}`);
      b.own?.reject(err);
      return;
    }
    if (b.own) this.flushToDisk().then(b.own.resolve, b.own.reject);
  }

  /** Flushes history to disk off the event loop. A failure stays (wal-sync.ts): it is logged once. */
  flushToDisk(): Promise<void> {
    const flush = this.store.sync();
    flush.catch((err: Error) => {
      if (this.flushFailureLogged) return;
      this.flushFailureLogged = true;
      this.opts.logger.error(err.message);
    });
    return flush;
  }

  /** Applies the retention limits (count and age per conversation). */
  prune(): void {
    try {
      this.commit(); // first: what waits counts against the limits
      const inWorker = this.store.pruneInWorker();
      if (inWorker) {
        inWorker.then(
          (removed) => removed > 0 && this.opts.logger.info('pruned history past retention', { removed }),
          (err: Error) => this.opts.logger.error(`could not prune history: ${err.message}`),
        );
        return;
      }
      const removed = this.store.prune();
      if (removed > 0) this.opts.logger.info('pruned history past retention', { removed });
    } catch (err) {
      this.opts.logger.error(`could not prune history: ${(err as Error).message}`);
    }
  }
}

interface InFlightBatch {
  rows: StoredMessage[];
  /** Settled once its own messages are committed and on disk. */
  own: Deferred | null;
  done: boolean;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A promise settled from outside; its failure is logged where it happens, so it counts as handled. */
function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
