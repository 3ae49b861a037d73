/**
 * Read markers on direct messages and seen markers in rooms (PROTOCOL.md §20), as one service with
 * the two payload kinds. Both are batched (marker-batcher.ts): at most one marker per peer or room a
 * second, only when it moved. What arrives changes only how own messages are shown: 'read' on direct
 * messages (kept in DATA_DIR/reads.json, one position per peer), "seen by N/M" on room messages.
 */
import {
  fromHex,
  messageIdToString,
  type NodeIdHex,
  READ_MARKER_SCHEMA,
  type ReadMarkerPayload,
  SEEN_MARKER_SCHEMA,
  type SeenMarkerPayload,
  toHex,
  FUTURE_SKEW_MS,
} from '../../wire/index.js';
import type { ChatEvent, ChatMessage, ConversationRef } from '../chat-api.js';
import type { HistoryStore } from '../history/index.js';
import type { NodeContext, NodeService, PayloadKind } from '../services/index.js';
import { comparePositions, MarkerBatcher, type Position, seenIntervalMs } from './marker-batcher.js';
import { ReadPositions } from './read-positions.js';
import { roomWireId } from './room-wire-id.js';
import { SeenTracker } from './seen-tracker.js';

export interface MarkerStats {
  readSent: number;
  seenSent: number;
  /**
   * Markers signed well but dropped: a read marker naming no own message to its sender; a seen marker
   * past its own time, or from a node that is not a member of the room.
   */
  readDropped: number;
  seenDropped: number;
}

export class MarkerService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<any>[];
  readonly tracker = new SeenTracker();
  private readonly reads: ReadPositions;
  private readonly readOut: MarkerBatcher;
  private readonly seenOut: MarkerBatcher;
  private shown: ConversationRef | null = null;
  private readonly dropped = { read: 0, seen: 0 };

  constructor(
    private readonly ctx: NodeContext,
    private readonly store: HistoryStore,
    readsFile: string,
    private readonly readReceipts: boolean,
  ) {
    this.reads = new ReadPositions(readsFile, ctx.logger);
    this.reads.load();
    this.readOut = new MarkerBatcher(ctx.clock, (peer, at) => this.sendRead(peer as NodeIdHex, at));
    // A room's markers are paced by its size (marker-batcher.ts): the members online and this node.
    this.seenOut = new MarkerBatcher(ctx.clock, (room, at) => this.sendSeen(room, at), {
      intervalMs: (room) => seenIntervalMs(this.membersOnline(room).length + 1),
      random: Math.random,
    });
    this.payloadKinds = [
      {
        kind: 'read',
        schema: READ_MARKER_SCHEMA,
        deliver: (payload: ReadMarkerPayload) => this.onRead(payload),
      },
      {
        kind: 'seen',
        schema: SEEN_MARKER_SCHEMA,
        deliver: (payload: SeenMarkerPayload) => this.onSeen(payload),
      },
    ];
  }

  get stats(): MarkerStats {
    return {
      readSent: this.readOut.count,
      seenSent: this.seenOut.count,
      readDropped: this.dropped.read,
      seenDropped: this.dropped.seen,
    };
  }

  stop(): void {
    this.readOut.stop();
    this.seenOut.stop();
  }

  /** Every event the node emits: stored messages move this node's own markers. */
  onEvent(event: ChatEvent): void {
    if (event.type !== 'message') return;
    const m = event.message;
    const at = { ts: m.ts, id: m.id };
    if (m.room !== null) {
      if (m.own) this.tracker.track(m.id, m.room, m.ts, this.membersOnline(m.room));
      this.seenOut.note(m.room, at);
    } else if (!m.own && m.peer && this.isShown(m.peer)) {
      this.readOut.note(m.peer, at);
    }
  }

  /** The UI's conversation on screen: a direct one is read up to its newest message from the peer. */
  setShown(ref: ConversationRef | null): void {
    this.shown = ref;
    if (ref?.kind !== 'direct' || !this.readReceipts) return;
    this.ctx.writer.flush();
    const newest = this.store
      .query({ peer: ref.peer, limit: 50 })
      .filter((m) => !m.own)
      .at(-1);
    if (newest) this.readOut.note(ref.peer, { ts: newest.ts, id: newest.id });
  }

  /** An own message as shown: read, or seen by N/M. */
  message(m: ChatMessage): ChatMessage {
    if (!m.own) return m;
    if (m.room !== null) return { ...m, seen: this.tracker.get(m.id) };
    // Read up to a later message does not say this one arrived (one lost on the way): it stays sent.
    const read = m.peer && m.status !== 'sent' ? this.reads.get(m.peer) : undefined;
    if (read && comparePositions({ ts: m.ts, id: m.id }, read) <= 0) return { ...m, status: 'read' };
    return m;
  }

  private isShown(peer: NodeIdHex): boolean {
    return this.readReceipts && this.shown?.kind === 'direct' && this.shown.peer === peer;
  }

  private membersOnline(room: string): NodeIdHex[] {
    const { peerTable, clock, identity } = this.ctx;
    const now = clock.now();
    return peerTable
      .all()
      .filter((p) => p.id !== identity.idHex && p.rooms.includes(room) && peerTable.isOnline(p, now))
      .map((p) => p.id);
  }

  private sendRead(peer: NodeIdHex, at: Position): void {
    const { self, clock, links, router, identity, ids } = this.ctx;
    if (!self.running) return;
    const now = clock.now();
    const payload: ReadMarkerPayload = {
      kind: 'read',
      id: ids.next(now),
      from: identity.id,
      ts: now,
      to: fromHex(peer),
      of: fromHex(at.id.replaceAll('-', '')),
    };
    const link = links.linkTo(peer);
    router.originate(payload, link ? { only: link, hops: 1 } : {});
  }

  private sendSeen(room: string, at: Position): void {
    const { self, clock, router, identity, ids } = this.ctx;
    if (!self.running || !self.inRoom(room)) return;
    const now = clock.now();
    const payload: SeenMarkerPayload = {
      kind: 'seen',
      id: ids.next(now),
      from: identity.id,
      ts: now,
      room: roomWireId(room),
      at: at.ts,
      upto: fromHex(at.id.replaceAll('-', '')),
    };
    router.originate(payload);
  }

  private onRead(payload: ReadMarkerPayload): boolean {
    const { identity, writer, logger } = this.ctx;
    if (toHex(payload.to) !== identity.idHex) return false; // for another node: relayed, not read
    const from = toHex(payload.from);
    const id = messageIdToString(payload.of);
    writer.flush();
    const row = this.store.get(id);
    // Only the recipient of our own direct message can say it was read.
    if (!row || !row.own || row.peer !== from) {
      this.dropped.read++;
      logger.warn('dropped a read marker naming no direct message of ours to its sender', {
        from: from.slice(0, 12),
      });
      return false;
    }
    const at = { ts: row.ts, id };
    if (!this.reads.advance(from, at)) return true;
    this.ctx.emit({ type: 'read', peer: from, ts: at.ts, id });
    return true;
  }

  private onSeen(payload: SeenMarkerPayload): boolean {
    const room = this.ctx.self.roomList.find((r) => roomWireId(r) === payload.room);
    if (room === undefined) return false; // not our room: relayed, not read
    if (payload.at > payload.ts + FUTURE_SKEW_MS) {
      this.dropped.seen++;
      this.ctx.logger.warn('dropped a seen marker past its own time', { room });
      return false;
    }
    const member = toHex(payload.from);
    // Only a member (by its presence) counts towards "seen by": a stranger's position is not kept,
    // so it can never be counted later either. Well formed and signed: not the relaying link's fault.
    if (!this.ctx.peerTable.get(member)?.rooms.includes(room)) {
      this.dropped.seen++;
      this.ctx.logger.debug('dropped a seen marker from a node not in the room', {
        room,
        from: member.slice(0, 12),
      });
      return false;
    }
    const at = { ts: payload.at, id: messageIdToString(payload.upto) };
    for (const change of this.tracker.update(room, member, at))
      this.ctx.emit({ type: 'seen', id: change.id, room, count: change.count, of: change.of });
    return true;
  }
}
