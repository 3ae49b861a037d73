/**
 * One history reconciliation per link: drives the exchange described in reconcile.ts over the link
 * for every scope the two nodes share, hands what it fetches to the node (which verifies and stores
 * it), and reports when each scope and the whole session are finished.
 */
import { TypedEmitter } from './typed-emitter.js';
import {
  MAX_SYNC_MESSAGES,
  type LinkMessage,
  type SyncDigestMessage,
  type SyncDoneMessage,
  type SyncIdsMessage,
  type SyncMessagesMessage,
  type SyncWantMessage,
} from '../../wire/index.js';
import {
  DEFAULT_SYNC_WINDOW_MS,
  MAX_SYNC_IDS_DEFERRED,
  SYNC_MAX_ROUNDS,
  answerDigest,
  answerIds,
  chunk,
  chunkIds,
  chunkRanges,
  chunkSignedMessages,
  idFromText,
  idToText,
  initialRanges,
  isUnitRange,
  isValidRange,
  type SignedMessage,
  type SyncStore,
} from './reconcile.js';

export interface SyncTransport {
  /** Sends on the link, which queues under backpressure. */
  send(message: LinkMessage): void;
  /**
   * Queues messages made only when the link has room for them, in order with send(): a catch-up of
   * many thousand messages is read from the store a batch at a time as the peer takes them, instead
   * of all at once in one long stall of the event loop (issue 15). Without it they are made now.
   */
  sendLater?(produce: () => LinkMessage[]): void;
}

export interface SyncHost {
  /** A HistoryStore in the node. */
  store: SyncStore;
  /**
   * Verifies, stores and delivers what is new; returns (or resolves to) how many were accepted. Must
   * check each message's signature and that it belongs to `localScope` (a peer may push anything). A
   * scope is reported done only once all its ingests have resolved.
   */
  ingest(localScope: string, messages: SignedMessage[]): number | Promise<number>;
}

export interface SyncSessionOptions {
  transport: SyncTransport;
  host: SyncHost;
  /**
   * Wire scopes shared with this peer: 'room:<name>' for each room both are in, and 'dm' for the
   * direct conversation between the two nodes of this link. Both sides must pass the same set: a
   * scope only the responder lists never finishes on its side.
   */
  scopes: string[];
  /** Maps a wire scope to this node's store scope: 'room:x' → 'room:x', 'dm' → 'dm:<peer id hex>'. */
  localScope(wireScope: string): string;
  /** True on the side that starts the exchange (own id < peer id bytewise). */
  initiator: boolean;
  /** How far back the initiator reconciles. @default 30 days (DEFAULT_SYNC_WINDOW_MS) */
  windowMs?: number;
  now: () => number;
}

export type SyncMessage =
  SyncDigestMessage | SyncIdsMessage | SyncWantMessage | SyncMessagesMessage | SyncDoneMessage;

export interface SyncSessionEvents {
  /** A scope's exchange ended (its ingests may still be running); `scope` is the local scope name. */
  'scope:finished': [scope: string];
  /** A scope finished and its ingests resolved; `fetched` is what ingest accepted for it. */
  'scope:done': [scope: string, fetched: number];
  /** Every scope finished. */
  done: [fetched: number];
}

interface ScopeState {
  wire: string;
  local: string;
  fetched: number;
  done: boolean;
  /** We sent something for this scope since our last sync-done. */
  sentInBatch: boolean;
  /** The peer sent something for this scope since its last sync-done. */
  peerBatchNonEmpty: boolean;
  /** Peer batches seen. */
  rounds: number;
  /** Id lists of unsplittable ranges, which may span several sync-ids; answered at the batch's end. */
  deferred: Map<string, { from: number; to: number; ids: Set<string> }>;
  deferredIds: number;
  /** Ids already sent for this scope: each is sent at most once per session, whatever the peer asks. */
  pushed: Set<string>;
  /** Ingests not yet resolved. */
  ingesting: number;
  reported: boolean;
}

export class SyncSession extends TypedEmitter<SyncSessionEvents> {
  private readonly transport: SyncTransport;
  private readonly host: SyncHost;
  private readonly initiator: boolean;
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly states = new Map<string, ScopeState>();
  private remaining: number;
  private unreported: number;
  private total = 0;
  private started = false;
  private stopped = false;

  constructor(options: SyncSessionOptions) {
    super();
    this.transport = options.transport;
    this.host = options.host;
    this.initiator = options.initiator;
    this.windowMs = options.windowMs ?? DEFAULT_SYNC_WINDOW_MS;
    this.now = options.now;
    for (const wire of options.scopes) {
      if (this.states.has(wire)) continue;
      this.states.set(wire, {
        wire,
        local: options.localScope(wire),
        fetched: 0,
        done: false,
        sentInBatch: false,
        peerBatchNonEmpty: false,
        rounds: 0,
        deferred: new Map(),
        deferredIds: 0,
        pushed: new Set(),
        ingesting: 0,
        reported: false,
      });
    }
    this.remaining = this.states.size;
    this.unreported = this.states.size;
  }

  /** Messages accepted by the host so far, over all scopes. */
  get fetched(): number {
    return this.total;
  }

  /**
   * True while `scope` (a wire scope) is one of this session's and not finished. A router with several
   * sessions per link should hand a scope's messages to the session reconciling it, and a sync-digest
   * for a scope none is reconciling to a new responder session (the peer started a new exchange):
   * a session answers a digest for a finished scope with a lone sync-done, which ends the peer's.
   */
  reconciling(scope: string): boolean {
    const state = this.states.get(scope);
    return state !== undefined && !state.done && !this.stopped;
  }

  /** Every scope has finished. */
  get finished(): boolean {
    return this.remaining === 0;
  }

  /** The initiator sends its first digests; the responder waits for them. Idempotent. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    if (this.remaining === 0) {
      this.emit('done', 0);
      return;
    }
    if (!this.initiator) return;
    const windowStart = this.now() - this.windowMs;
    for (const state of this.states.values()) {
      const ranges = initialRanges(this.host.store, state.local, windowStart);
      for (const part of chunkRanges(ranges)) {
        this.send(state, { kind: 'sync-digest', scope: state.wire, ranges: part });
      }
      this.endBatch(state);
    }
  }

  /** Ignores everything from now on (the link closed). Idempotent; emits nothing. */
  stop(): void {
    this.stopped = true;
  }

  /** Handles one sync message from the peer. Ill-formed or unexpected ones are ignored. */
  handle(message: SyncMessage): void {
    if (this.stopped) return;
    const state = this.states.get(message.scope);
    if (!state || state.done) {
      // An empty batch tells the sender we will not take part, so it finishes instead of waiting.
      if (message.kind === 'sync-digest') this.transport.send({ kind: 'sync-done', scope: message.scope });
      return;
    }
    if (message.kind === 'sync-done') {
      this.peerBatchEnded(state);
      return;
    }
    state.peerBatchNonEmpty = true;
    switch (message.kind) {
      case 'sync-digest':
        return this.onDigest(state, message);
      case 'sync-ids':
        return this.onIds(state, message);
      case 'sync-want':
        return this.push(state, [...new Set(message.ids.map(idToText))]);
      case 'sync-msgs':
        return this.onMessages(state, message);
    }
  }

  private onDigest(state: ScopeState, message: SyncDigestMessage): void {
    const answer = answerDigest(this.host.store, state.local, message.ranges);
    for (const part of chunkRanges(answer.split)) {
      this.send(state, { kind: 'sync-digest', scope: state.wire, ranges: part });
    }
    for (const { from, to, ids } of answer.idLists) {
      // An empty list is an answer too ("I hold none of these"): it is sent.
      const parts = ids.length === 0 ? [[]] : chunkIds(ids);
      for (const part of parts) {
        this.send(state, { kind: 'sync-ids', scope: state.wire, from, to, ids: part.map(idFromText) });
      }
    }
    for (const { from, to } of answer.pushRanges) {
      this.push(state, this.host.store.rangeIds(state.local, from, to));
    }
  }

  private onIds(state: ScopeState, message: SyncIdsMessage): void {
    const { from, to } = message;
    if (!isValidRange(from, to)) return;
    const ids = message.ids.map(idToText);
    if (!isUnitRange(from, to)) {
      this.answerIdList(state, from, to, new Set(ids));
      return;
    }
    const key = `${from}:${to}`;
    let entry = state.deferred.get(key);
    if (!entry) state.deferred.set(key, (entry = { from, to, ids: new Set() }));
    for (const id of ids) {
      // Bounds memory against a peer that lists ids without end; honest lists are far smaller.
      if (state.deferredIds >= MAX_SYNC_IDS_DEFERRED) break;
      if (!entry.ids.has(id)) {
        entry.ids.add(id);
        state.deferredIds++;
      }
    }
  }

  private answerIdList(state: ScopeState, from: number, to: number, theirs: Set<string>): void {
    const { want, push } = answerIds(this.host.store, state.local, from, to, theirs);
    for (const part of chunkIds(want)) {
      this.send(state, { kind: 'sync-want', scope: state.wire, ids: part.map(idFromText) });
    }
    this.push(state, push);
  }

  private onMessages(state: ScopeState, message: SyncMessagesMessage): void {
    if (message.msgs.length === 0) return;
    const accepted = this.host.ingest(state.local, message.msgs);
    if (typeof accepted === 'number') {
      this.count(state, accepted);
      return;
    }
    state.ingesting++;
    const settled = (n: number) => {
      this.count(state, n);
      state.ingesting--;
      if (state.done && state.ingesting === 0) this.report(state);
    };
    accepted.then(settled, () => settled(0));
  }

  private count(state: ScopeState, accepted: number): void {
    state.fetched += accepted;
    this.total += accepted;
  }

  /** Sends the scope's stored messages among `ids`, loading MAX_SYNC_MESSAGES at a time. */
  private push(state: ScopeState, ids: string[]): void {
    const fresh = ids.filter((id) => !state.pushed.has(id));
    for (const id of fresh) state.pushed.add(id);
    for (const part of chunk(fresh, MAX_SYNC_MESSAGES)) {
      const produce = (): LinkMessage[] =>
        this.stopped
          ? []
          : chunkSignedMessages(this.host.store.signedMessages(state.local, part)).map((msgs) => ({
              kind: 'sync-msgs',
              scope: state.wire,
              msgs,
            }));
      if (this.transport.sendLater) {
        state.sentInBatch = true;
        this.transport.sendLater(produce);
      } else for (const message of produce()) this.send(state, message);
    }
  }

  private peerBatchEnded(state: ScopeState): void {
    state.rounds++;
    for (const { from, to, ids } of state.deferred.values()) this.answerIdList(state, from, to, ids);
    state.deferred.clear();
    state.deferredIds = 0;
    if (!state.peerBatchNonEmpty) {
      this.finish(state);
      return;
    }
    state.peerBatchNonEmpty = false;
    const oursNonEmpty = state.sentInBatch;
    this.endBatch(state);
    if (!oursNonEmpty || state.rounds >= SYNC_MAX_ROUNDS) this.finish(state);
  }

  private send(state: ScopeState, message: LinkMessage): void {
    state.sentInBatch = true;
    this.transport.send(message);
  }

  private endBatch(state: ScopeState): void {
    this.transport.send({ kind: 'sync-done', scope: state.wire });
    state.sentInBatch = false;
  }

  private finish(state: ScopeState): void {
    state.done = true;
    state.deferred.clear();
    this.remaining--;
    this.emit('scope:finished', state.local);
    if (state.ingesting === 0) this.report(state);
  }

  /** Tells what a finished scope fetched, once what it received has been ingested. */
  private report(state: ScopeState): void {
    if (state.reported || this.stopped) return;
    state.reported = true;
    this.unreported--;
    this.emit('scope:done', state.local, state.fetched);
    if (this.unreported === 0) this.emit('done', this.total);
  }
}
