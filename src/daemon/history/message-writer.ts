/**
 * Writes messages to history in batches. Received messages are committed together (one transaction
 * per WRITE_BATCH_MS or WRITE_BATCH_MAX), our own at the next quiet turn, so that a node passes a
 * message on before it writes it down; a query first writes what waits. Services hand messages here;
 * the flood router and history sync ask it what is held, waiting or stored.
 */
import { type Bytes, FUTURE_SKEW_MS, messageIdToString, type NodeIdHex, toHex } from '../../wire/index.js';
import type { AnyPayload } from '../../wire/index.js';
import type { Clock, Timer } from '../../clock/index.js';
import type { ChatMessage } from '../chat-api.js';
import type { Logger } from '../logger.js';
import type { QuietTurns, SignedMessage } from '../flood/index.js';
import { type HistoryStore, type StoredMessage, toChatMessage } from './store.js';

/** Received messages are written together when this many wait, or after WRITE_BATCH_MS. */
export const WRITE_BATCH_MAX = 256;
export const WRITE_BATCH_MS = 50;
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
  /** Settled once the pending own messages are committed and on disk (null: none pending). */
  private ownBatch: Deferred | null = null;
  /** The commit and flush to disk of the latest own message. */
  private latestOwn: Promise<void> = Promise.resolve();
  private flushFailureLogged = false;

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
    if (this.pending.has(id)) return true;
    if (this.absent.has(id)) return false;
    if (this.store.has(id)) return true;
    this.absent.add(id);
    if (this.absent.size > MAX_ABSENT_IDS) this.absent.delete(this.absent.values().next().value!);
    return false;
  }

  /** A room message held, to answer a neighbour's graft. */
  lookup(id: Bytes): SignedMessage | undefined {
    const key = messageIdToString(id);
    const pending = this.pending.get(key);
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
    if (this.pending.size === 0) {
      // …and then at the first quiet turn (quiet-turn.ts): frames are forwarded before a commit.
      this.flushTimer = this.opts.clock.setTimeout(
        () => this.opts.quietTurns.whenQuiet(() => this.flush()),
        WRITE_BATCH_MS,
      );
    }
    this.pending.set(id, stored);
    this.absent.delete(id);
    if (this.pending.size >= WRITE_BATCH_MAX) this.flush();
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
      this.opts.quietTurns.whenQuiet(() => this.flush());
    }
    this.latestOwn = this.ownBatch.promise;
    const message = shown ? { ...toChatMessage(stored), ...shown } : toChatMessage(stored);
    this.opts.onStored(message);
    return message;
  }

  /** Writes what waits, now. */
  flush(): void {
    if (this.flushTimer) this.opts.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const own = this.ownBatch;
    this.ownBatch = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
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
      this.flush();
      const removed = this.store.prune();
      if (removed > 0) this.opts.logger.info('pruned history past retention', { removed });
    } catch (err) {
      this.opts.logger.error(`could not prune history: ${(err as Error).message}`);
    }
  }
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
