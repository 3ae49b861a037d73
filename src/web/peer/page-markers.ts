/**
 * Read and seen markers in the page (PROTOCOL.md §20), sent and read as a node does
 * (src/daemon/trust/marker-service.ts, whose batcher and seen tracker are reused here):
 * - a `read` marker tells the author of direct messages that the page showed them: sent while their
 *   conversation is open and the page is visible, at most once a second per peer, unless the person
 *   turned read receipts off (kept in IndexedDB, as a node's `--no-read-receipts`);
 * - a `seen` marker tells a plain room the newest message the page holds there, at most once a second
 *   per room (never for a private room, whose name must not travel);
 * - markers that arrive turn the page's own direct messages 'read' (positions kept in IndexedDB, so
 *   'read' survives a reload) and count who holds its own room messages ("seen by N/M").
 * A malformed marker throws (the caller counts it against the link); one that names no own message of
 * ours, or comes from a node that is not a member of the room, is dropped.
 */
import type { ChatEvent, ChatMessage, ConversationRef } from '../../daemon/chat-api.js';
import {
  comparePositions,
  MarkerBatcher,
  type Position,
  seenIntervalMs,
} from '../../daemon/trust/marker-batcher.js';
import { SeenTracker } from '../../daemon/trust/seen-tracker.js';
import { systemClock } from '../../clock/index.js';
import {
  fromHex,
  FUTURE_SKEW_MS,
  isPlainObject,
  messageIdToString,
  type NodeIdHex,
  READ_MARKER_SCHEMA,
  type ReadMarkerPayload,
  SEEN_MARKER_SCHEMA,
  type SeenMarkerPayload,
  toHex,
  unpackValue,
} from '../../wire/index.js';
import { getMeta, putMeta } from './idb.js';
import type { Signed } from './outbound.js';
import type { PeerList } from './peer-list.js';
import type { PeerStore } from './peer-store.js';

/** Peers whose read position is kept at most (the oldest go first). */
export const MAX_READ_POSITIONS = 4096;
const META_KEY = 'reads';
const RECEIPTS_KEY = 'readReceipts';

export interface PageMarkersContext {
  db: IDBDatabase;
  ownId: NodeIdHex;
  sign(draft: object): Signed;
  /** Floods a signed marker (not stored): one hop when `to` is the node the page is linked to. */
  send(signed: Signed, to: NodeIdHex | null): void;
  emit(event: ChatEvent): void;
  /** Whether the page is in `room` as a plain room (a private room's markers are not sent). */
  inPlainRoom(room: string): boolean;
  peers: Pick<PeerList, 'get' | 'membersOnline'>;
  /** Per peer, the newest own direct message it read (loadReadPositions). */
  reads: Map<NodeIdHex, Position>;
  /** Whether read markers are sent (loadReadReceipts). */
  readReceipts: boolean;
  store: Pick<PeerStore, 'get' | 'history'>;
  /** Whether the person can see the page (a hidden tab reads nothing). @default document.visibilityState */
  visible?: () => boolean;
}

const pageVisible = () => globalThis.document?.visibilityState !== 'hidden';

/** The read positions kept by earlier visits (malformed entries skipped). */
export async function loadReadPositions(db: IDBDatabase): Promise<Map<NodeIdHex, Position>> {
  const kept = (await getMeta<Record<string, Position>>(db, META_KEY)) ?? {};
  const reads = new Map<NodeIdHex, Position>();
  for (const [peer, at] of Object.entries(kept))
    if (/^[0-9a-f]{64}$/.test(peer) && typeof at?.ts === 'number' && typeof at.id === 'string')
      reads.set(peer, { ts: at.ts, id: at.id });
  return reads;
}

/** Whether the person lets the page send read markers (on unless turned off). */
export async function loadReadReceipts(db: IDBDatabase): Promise<boolean> {
  return (await getMeta<boolean>(db, RECEIPTS_KEY)) !== false;
}

export class PageMarkers {
  readonly tracker = new SeenTracker();
  private readonly readOut = new MarkerBatcher(systemClock, (peer, at) => this.sendRead(peer, at));
  private readonly seenOut = new MarkerBatcher(systemClock, (room, at) => this.sendSeen(room, at), {
    intervalMs: (room) => seenIntervalMs(this.ctx.peers.membersOnline(room).length + 1),
    random: Math.random,
  });
  private shown: ConversationRef | null = null;
  private readonly visible: () => boolean;
  /** Markers dropped since the page opened: well signed, but naming nothing they may name. */
  dropped = 0;

  private readonly reads: Map<NodeIdHex, Position>;
  private receipts: boolean;

  constructor(private readonly ctx: PageMarkersContext) {
    this.reads = ctx.reads;
    this.receipts = ctx.readReceipts;
    this.visible = ctx.visible ?? pageVisible;
    globalThis.document?.addEventListener('visibilitychange', this.onVisibility);
  }

  stop(): void {
    this.readOut.stop();
    this.seenOut.stop();
    globalThis.document?.removeEventListener('visibilitychange', this.onVisibility);
  }

  /** An event on its way to the page: messages move the markers; own ones get their marks. */
  take(event: ChatEvent): ChatEvent {
    if (event.type !== 'message') return event;
    const m = event.message;
    const at = { ts: m.ts, id: m.id };
    if (m.room !== null && this.ctx.inPlainRoom(m.room)) {
      if (m.own && m.via === 'local')
        this.tracker.track(m.id, m.room, m.ts, this.ctx.peers.membersOnline(m.room));
      this.seenOut.note(m.room, at);
    } else if (!m.own && m.peer && this.isShown(m.peer)) {
      this.readOut.note(m.peer, at);
    }
    return { ...event, message: this.message(m) };
  }

  /** An own message as shown: read, or seen by N/M. */
  message(m: ChatMessage): ChatMessage {
    if (!m.own) return m;
    if (m.room !== null) {
      const seen = this.tracker.get(m.id);
      return seen ? { ...m, seen } : m;
    }
    // Read up to a later message does not say this one arrived (one lost on the way): it stays sent.
    const read = m.peer && m.status !== 'sent' ? this.reads.get(m.peer) : undefined;
    return read && comparePositions({ ts: m.ts, id: m.id }, read) <= 0 ? { ...m, status: 'read' } : m;
  }

  /** The conversation on screen: a direct one is read up to its newest message from the peer. */
  async setShown(ref: ConversationRef | null): Promise<void> {
    this.shown = ref;
    if (ref?.kind !== 'direct' || !this.isShown(ref.peer)) return;
    const recent = await this.ctx.store.history({ peer: ref.peer, limit: 50 });
    const newest = recent.filter((m) => !m.own).at(-1);
    if (newest && this.isShown(ref.peer)) this.readOut.note(ref.peer, { ts: newest.ts, id: newest.id });
  }

  get readReceipts(): boolean {
    return this.receipts;
  }

  /** Turns read markers on or off (kept); turned on, the open conversation is read at once. */
  async setReadReceipts(on: boolean): Promise<void> {
    this.receipts = on;
    await putMeta(this.ctx.db, RECEIPTS_KEY, on);
    if (on) await this.setShown(this.shown);
  }

  /** The page came back into view: the open conversation is read now. */
  private readonly onVisibility = (): void => {
    if (this.visible()) void this.setShown(this.shown);
  };

  /** A payload of a kind outside the wire's table: true when it was a marker (taken or dropped). */
  receive(payloadBytes: Uint8Array): boolean {
    const value = unpackValue(payloadBytes);
    if (!isPlainObject(value)) return false;
    if (value.kind === 'read') {
      this.onRead(READ_MARKER_SCHEMA(value, 'read') as unknown as ReadMarkerPayload).catch(
        () => this.dropped++,
      );
      return true;
    }
    if (value.kind === 'seen') {
      this.onSeen(SEEN_MARKER_SCHEMA(value, 'seen') as unknown as SeenMarkerPayload);
      return true;
    }
    return false;
  }

  private isShown(peer: NodeIdHex): boolean {
    return this.receipts && this.shown?.kind === 'direct' && this.shown.peer === peer && this.visible();
  }

  private sendRead(peer: string, at: Position): void {
    const signed = this.ctx.sign({ kind: 'read', to: fromHex(peer), of: fromHex(at.id.replaceAll('-', '')) });
    this.ctx.send(signed, peer as NodeIdHex);
  }

  private sendSeen(room: string, at: Position): void {
    if (!this.ctx.inPlainRoom(room)) return;
    const upto = fromHex(at.id.replaceAll('-', ''));
    this.ctx.send(this.ctx.sign({ kind: 'seen', room, at: at.ts, upto }), null);
  }

  private async onRead(payload: ReadMarkerPayload): Promise<void> {
    if (toHex(payload.to) !== this.ctx.ownId) return; // for another: relayed by the node, not ours
    const from = toHex(payload.from);
    const id = messageIdToString(payload.of);
    const row = await this.ctx.store.get(id);
    // Only the recipient of our own direct message can say it was read.
    if (!row || !row.own || row.peer !== from) {
      this.dropped++;
      return;
    }
    const at = { ts: row.ts, id };
    const before = this.reads.get(from);
    if (before && comparePositions(at, before) <= 0) return;
    this.reads.delete(from);
    this.reads.set(from, at);
    if (this.reads.size > MAX_READ_POSITIONS) this.reads.delete(this.reads.keys().next().value!);
    // Written at once (a sender batches its markers to one a second): a reload keeps what was read.
    void putMeta(this.ctx.db, META_KEY, Object.fromEntries(this.reads)).catch(() => undefined);
    this.ctx.emit({ type: 'read', peer: from, ts: at.ts, id });
  }

  private onSeen(payload: SeenMarkerPayload): void {
    const { room } = payload;
    if (!this.ctx.inPlainRoom(room)) return; // not our room: relayed, not read
    const member = toHex(payload.from);
    if (payload.at > payload.ts + FUTURE_SKEW_MS || !this.ctx.peers.get(member)?.rooms.includes(room)) {
      this.dropped++;
      return;
    }
    const at = { ts: payload.at, id: messageIdToString(payload.upto) };
    for (const change of this.tracker.update(room, member, at))
      this.ctx.emit({ type: 'seen', id: change.id, room, count: change.count, of: change.of });
  }
}

/** The root of the page's method chain (files, trust, private rooms, WebPeer): what is on screen. */
export abstract class MarkerMethods {
  /** Set by WebPeer's constructor. */
  protected markers!: PageMarkers;

  async setShownConversation(ref: ConversationRef | null): Promise<void> {
    await this.markers.setShown(ref);
  }

  /** Whether the page tells peers it has read their direct messages (§20). */
  get readReceipts(): boolean {
    return this.markers.readReceipts;
  }

  setReadReceipts(on: boolean): Promise<void> {
    return this.markers.setReadReceipts(on);
  }
}
