/**
 * History sync (PROTOCOL.md §12) on the page's link, with the node's own SyncSession and reconcile.ts:
 * the scopes are the rooms both ends are in and `dm`, the side with the smaller id starts, a digest for
 * a shared scope nobody reconciles starts a responder. The range queries are answered from an
 * in-memory index of the page's stored messages, built the first time a link needs it (so opening
 * the page and drawing its history never waits for it) and kept up to date as messages are stored.
 */
import type { ChatEvent } from '../../daemon/chat-api.js';
import { RangeIndex } from '../../daemon/history/range-index.js';
import type { SignedMessage } from '../../daemon/history/reconcile.js';
import { SyncSession, type SyncMessage } from '../../daemon/history/sync-session.js';
import {
  type CryptoProvider,
  isPrivateRoomId,
  type LinkMessage,
  MAX_ROOMS,
  toHex,
} from '../../wire/index.js';
import type { PeerStore, SignedRow } from './peer-store.js';

/** Exchanges open at once on the link, as the node bounds them. */
const MAX_SESSIONS = MAX_ROOMS + 2;

export interface PeerSyncContext {
  crypto: CryptoProvider;
  store: PeerStore;
  ownId: Uint8Array;
  inRoom(room: string): boolean;
  ingest(localScope: string, messages: SignedMessage[]): Promise<number>;
  emit(event: ChatEvent): void;
}

/** One link's sync: made when the link comes up, stopped when it goes. */
export interface SyncLink {
  send(message: LinkMessage): void;
  remoteId: Uint8Array;
  remoteNick: string;
}

export class PeerSync {
  private index: RangeIndex | null = null;
  private loading: Promise<RangeIndex> | null = null;
  /** Rows stored while the index was loading, added once it is. */
  private pending: SignedRow[] = [];
  private link: SyncLink | null = null;
  private sessions: SyncSession[] = [];
  /** Sync messages that came before the index was ready. */
  private early: SyncMessage[] = [];

  constructor(private readonly ctx: PeerSyncContext) {}

  /** Whether `id` is stored, once the index is loaded (null before: ask the store). */
  holds(id: string): boolean | null {
    return this.index ? this.index.has(id) : null;
  }

  /** A message was stored: the index learns it. */
  stored(row: SignedRow): void {
    if (this.index) this.index.add(entryOf(row));
    else if (this.loading) this.pending.push(row);
  }

  private loadIndex(): Promise<RangeIndex> {
    if (this.index) return Promise.resolve(this.index);
    this.loading ??= this.ctx.store.allSigned().then((rows) => {
      const index = new RangeIndex(this.ctx.crypto.sha256, rows.map(entryOf));
      index.addMany(this.pending.map(entryOf));
      this.pending = [];
      this.index = index;
      return index;
    });
    return this.loading;
  }

  /** The link came up: reconcile every shared room and the conversation with the node. */
  async linkUp(link: SyncLink, theirRooms: readonly string[], myRooms: readonly string[]): Promise<void> {
    this.linkDown();
    this.link = link;
    const theirs = new Set(theirRooms);
    const scopes = myRooms.filter((r) => theirs.has(r)).map((r) => `room:${r}`);
    await this.loadIndex();
    if (this.link !== link) return;
    this.open([...scopes, 'dm'], compareBytes(this.ctx.ownId, link.remoteId) < 0);
    const early = this.early;
    this.early = [];
    for (const message of early) this.handle(message);
  }

  linkDown(): void {
    for (const session of this.sessions) session.stop();
    this.sessions = [];
    this.early = [];
    this.link = null;
  }

  /**
   * After joining a room, catch up on it from the node if it is in it too. A private room's opaque id
   * is asked for always, as a node asks (§19): the node may carry it without having said so yet.
   */
  roomJoined(room: string, nodeRooms: readonly string[]): void {
    if (this.link && this.index && (nodeRooms.includes(room) || isPrivateRoomId(room)))
      this.open([`room:${room}`], true);
  }

  handle(message: SyncMessage): void {
    if (!this.link) return;
    if (!this.index) {
      if (this.early.length < 4096) this.early.push(message);
      return;
    }
    let session = this.sessions.find((s) => s.reconciling(message.scope));
    if (!session) {
      if (message.kind !== 'sync-digest' || !this.shared(message.scope)) return;
      if (this.sessions.length >= MAX_SESSIONS) {
        this.link.send({ kind: 'sync-done', scope: message.scope });
        return;
      }
      session = this.open([message.scope], false);
    }
    session.handle(message);
  }

  private shared(scope: string): boolean {
    return scope === 'dm' || (scope.startsWith('room:') && this.ctx.inRoom(scope.slice(5)));
  }

  private open(scopes: string[], initiator: boolean): SyncSession {
    const link = this.link!;
    const peerHex = toHex(link.remoteId);
    const session = new SyncSession({
      transport: { send: (m) => link.send(m) },
      host: { store: this.index!, ingest: (scope, messages) => this.ctx.ingest(scope, messages) },
      scopes,
      localScope: (scope) => (scope === 'dm' ? `dm:${peerHex}` : scope),
      initiator,
      now: () => Date.now(),
    });
    session.on('scope:done', (scope, count) => {
      if (count > 0) this.ctx.emit({ type: 'sync', peer: peerHex, nick: link.remoteNick, count, scope });
    });
    session.on('done', () => {
      this.sessions = this.sessions.filter((s) => s !== session);
    });
    this.sessions.push(session);
    session.start();
    return session;
  }
}

function entryOf(row: SignedRow) {
  return { id: row.id, scope: row.conv, ts: row.ts, payload: row.payload, sig: row.sig };
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
