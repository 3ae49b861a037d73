/**
 * What the page does with a signed message from the mesh, flooded live or fetched by history sync:
 * dedup, decode, check that the payload's id is the envelope's, verify the origin's signature with
 * noble under libsodium's strict rules (PROTOCOL.md §9.2), then deliver it by kind: room messages and
 * direct messages (opened here, §11) are stored and shown, receipts mark own direct messages
 * delivered, presence updates the peer list, topics are kept per room. A page is a leaf: it relays
 * nothing. A message that breaks a rule is dropped with an error naming why; nothing else changes.
 */
import type { ChatEvent, ChatMessage, RoomTopic } from '../../daemon/chat-api.js';
import {
  type CryptoProvider,
  CryptoError,
  decodeDirectPlaintext,
  decodePayloadWithOrigin,
  directAad,
  equalBytes,
  FUTURE_SKEW_MS,
  messageIdToString,
  openDirect,
  type Payload,
  presenceLine,
  type RoomPlaintext,
  type SealedChatPayload,
  toHex,
  WireError,
} from '../../wire/index.js';
import type { SignedMessage } from '../../daemon/history/reconcile.js';
import { sealedChatOf } from './page-private-rooms.js';
import type { PeerList } from './peer-list.js';
import type { PeerStore, StoredRow } from './peer-store.js';
import type { WebIdentity } from './web-identity.js';

/** Ids remembered as seen (the store catches anything older). */
const SEEN_MAX = 20_000;

export interface InboundContext {
  identity: WebIdentity;
  crypto: CryptoProvider;
  store: PeerStore;
  peers: PeerList;
  inRoom(room: string): boolean;
  emit(event: ChatEvent): void;
  /** A stored row, to add to the sync index. */
  stored(row: StoredRow): void;
  /** Whether a message id is stored (true / false), or null while that is not known without a read. */
  holds(id: string): boolean | null;
  /** Sends a receipt for a direct message just opened. */
  sendReceipt(of: Uint8Array, to: Uint8Array): void;
  /** A peer came (back) online: own direct messages it has not confirmed may go again. */
  peerBack(peer: string): void;
  /** A message broke a rule and was dropped. */
  rejected(err: Error): void;
  topics: Map<string, RoomTopic & { idText: string }>;
  /** Opens a sealed-chat of a held private room (§19): its name and plaintext, or null. */
  openSealed(payload: SealedChatPayload): { name: string; plain: RoomPlaintext } | null;
  /** A kind the wire table does not know (a file offer, §21): the line it shows as, or null. */
  offer?(payload: Uint8Array, id: string, via: 'live' | 'sync', scope?: string): ChatMessage | null;
}

export class Inbound {
  private readonly seen = new Set<string>();

  constructor(private readonly ctx: InboundContext) {}

  /** Marks an id seen (own messages, so their echo is not taken again). */
  markSeen(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
  }

  /** Forgets an id seen in a room the page is not in; false (not kept). */
  private unseen(id: string): false {
    this.seen.delete(id);
    return false;
  }

  /**
   * Takes one signed message. `scope` (sync only) is the conversation it must belong to. Resolves to
   * whether it was new and kept.
   */
  async accept(signed: SignedMessage, via: 'live' | 'sync', scope?: string): Promise<boolean> {
    const idText = messageIdToString(signed.id);
    if (this.seen.has(idText)) return false;
    let payload: Payload | SealedChatPayload | null;
    try {
      const decoded = decodePayloadWithOrigin(signed.payload);
      if (!equalBytes(decoded.origin.id, signed.id))
        throw new WireError('SCHEMA_INVALID', `payload id differs from the envelope's (${idText})`);
      if (!this.ctx.crypto.verify(signed.payload, signed.sig, decoded.origin.from))
        throw new WireError('SIGNATURE_INVALID', `message ${idText} is not signed by its origin`);
      payload = decoded.payload ?? sealedChatOf(signed.payload);
    } catch (err) {
      this.ctx.rejected(err as Error);
      return false;
    }
    if (!payload) return this.other(signed, idText, via, scope);
    if (scope !== undefined && !this.belongs(payload, scope)) return false;
    this.markSeen(idText);
    if (!payload) return false; // a kind this version does not know: verified, not shown
    switch (payload.kind) {
      case 'chat':
        return this.chat(payload, signed, idText, via);
      case 'sealed-chat':
        return this.sealed(payload, signed, idText, via);
      case 'direct':
        return this.direct(payload, signed, idText, via);
      case 'receipt':
        await this.receipt(payload.from, payload.to, payload.of);
        return false;
      case 'presence':
        this.presence(payload);
        return false;
      case 'topic':
        this.topic(payload, idText);
        return false;
    }
  }

  /** A payload kind outside the wire's table: kept and shown when a hook reads it, else only verified. */
  private async other(
    signed: SignedMessage,
    id: string,
    via: 'live' | 'sync',
    scope?: string,
  ): Promise<boolean> {
    let message: ChatMessage | null = null;
    try {
      message = this.ctx.offer?.(signed.payload, id, via, scope) ?? null;
    } catch (err) {
      this.ctx.rejected(err as Error);
    }
    if (message || scope === undefined) this.markSeen(id);
    if (!message) return false;
    return this.keep(message, message.room !== null ? `room:${message.room}` : `dm:${message.peer}`, signed);
  }

  /** A synced message must be of the scope it was offered under (a peer may push anything). */
  private belongs(payload: Payload | SealedChatPayload | null, scope: string): boolean {
    if (!payload) return false;
    if (scope.startsWith('room:'))
      return (payload.kind === 'chat' || payload.kind === 'sealed-chat') && `room:${payload.room}` === scope;
    if (!scope.startsWith('dm:') || payload.kind !== 'direct') return false;
    const me = this.ctx.identity.id;
    const other = scope.slice(3);
    return (
      (equalBytes(payload.to, me) && toHex(payload.from) === other) ||
      (equalBytes(payload.from, me) && toHex(payload.to) === other)
    );
  }

  /** What another's key is to the nick it signed with (§20), pinning a new nick; null for our own. */
  private trustOf(nick: string, from: string) {
    return from === this.ctx.identity.idHex ? null : this.ctx.peers.observe(nick, from);
  }

  private base(ts: number, via: 'live' | 'sync') {
    return { ts, via, future: ts > Date.now() + FUTURE_SKEW_MS, status: null } as const;
  }

  private async chat(
    p: Extract<Payload, { kind: 'chat' }>,
    signed: SignedMessage,
    id: string,
    via: 'live' | 'sync',
  ): Promise<boolean> {
    if (!this.ctx.inRoom(p.room)) return this.unseen(id); // taken by sync once the room is joined
    const from = toHex(p.from);
    const message: ChatMessage = {
      id,
      room: p.room,
      peer: null,
      direct: false,
      from,
      nick: p.nick,
      text: p.text,
      action: p.action === true,
      own: from === this.ctx.identity.idHex,
      ...this.base(p.ts, via),
      trust: this.trustOf(p.nick, from),
    };
    return this.keep(message, `room:${p.room}`, signed);
  }

  /** A private room's message: kept under its opaque id's scope, shown under the room's name. */
  private async sealed(
    p: SealedChatPayload,
    signed: SignedMessage,
    id: string,
    via: 'live' | 'sync',
  ): Promise<boolean> {
    // Not held, or not joined: a page carries nothing. Not "seen" either, so that the copy history
    // sync brings once the room is joined is taken.
    if (!this.ctx.inRoom(p.room)) return this.unseen(id);
    const opened = this.ctx.openSealed(p);
    if (!opened) return false;
    const from = toHex(p.from);
    const message: ChatMessage = {
      id,
      room: opened.name,
      peer: null,
      direct: false,
      from,
      nick: opened.plain.nick,
      text: opened.plain.text,
      action: opened.plain.action === true,
      own: from === this.ctx.identity.idHex,
      ...this.base(p.ts, via),
      trust: this.trustOf(opened.plain.nick, from),
    };
    return this.keep(message, `room:${p.room}`, signed);
  }

  private async direct(
    p: Extract<Payload, { kind: 'direct' }>,
    signed: SignedMessage,
    id: string,
    via: 'live' | 'sync',
  ): Promise<boolean> {
    const { identity, crypto } = this.ctx;
    // Not ours to open (relayed past us), or our own sent from elsewhere: nothing to show.
    if (!equalBytes(p.to, identity.id)) return false;
    let plain;
    try {
      const opened = openDirect(
        crypto,
        p.box,
        identity.xSecret,
        identity.xPublic,
        directAad(p.id, p.from, p.to),
      );
      plain = decodeDirectPlaintext(opened);
    } catch (err) {
      this.ctx.rejected(
        err instanceof CryptoError || err instanceof WireError
          ? err
          : new CryptoError('SEAL_INVALID', `direct message ${id} does not open`, { cause: err }),
      );
      return false;
    }
    const from = toHex(p.from);
    const message: ChatMessage = {
      id,
      room: null,
      peer: from,
      direct: true,
      from,
      nick: plain.nick,
      text: plain.text,
      action: plain.action === true,
      own: false,
      ...this.base(p.ts, via),
      trust: this.trustOf(plain.nick, from),
    };
    const fresh = await this.keep(message, `dm:${from}`, signed);
    if (fresh) this.ctx.sendReceipt(p.id, p.from);
    return fresh;
  }

  private async keep(message: ChatMessage, conv: string, signed: SignedMessage): Promise<boolean> {
    const row: StoredRow = {
      ...message,
      conv,
      payload: Uint8Array.from(signed.payload),
      sig: Uint8Array.from(signed.sig),
    };
    const held = this.ctx.holds(message.id);
    if (held === true) return false;
    if (held === false) {
      // Surely new (the sync index knows every stored id): shown now, written meanwhile, so the
      // IndexedDB write does not delay delivery. A write that fails is said; sync brings it again.
      this.ctx.stored(row);
      this.ctx.emit({ type: 'message', message });
      this.ctx.store.add(row).catch((err: unknown) => this.ctx.rejected(err as Error));
      return true;
    }
    if (!(await this.ctx.store.add(row))) return false;
    this.ctx.stored(row);
    this.ctx.emit({ type: 'message', message });
    return true;
  }

  private async receipt(from: Uint8Array, to: Uint8Array, of: Uint8Array): Promise<void> {
    if (!equalBytes(to, this.ctx.identity.id)) return;
    const ofText = messageIdToString(of);
    const row = await this.ctx.store.get(ofText);
    // Only the message's recipient can mark it delivered.
    if (!row || row.peer !== toHex(from)) return;
    if (await this.ctx.store.markDelivered(ofText))
      this.ctx.emit({ type: 'receipt', id: ofText, peer: row.peer });
  }

  private presence(p: Extract<Payload, { kind: 'presence' }>): void {
    if (equalBytes(p.from, this.ctx.identity.id)) return;
    const taken = this.ctx.peers.takePresence(p, Date.now());
    if (!taken) return;
    const { peer, wasOnline, before } = taken;
    if (!peer.left && (!wasOnline || p.event === 'join')) this.ctx.peerBack(peer.id);
    this.ctx.emit({ type: 'peer', peer: this.ctx.peers.info(peer, Date.now()) });
    const line = presenceLine(p, before);
    if (line)
      this.ctx.emit({
        type: 'presence',
        peer: peer.id,
        nick: p.nick,
        event: line,
        rooms: p.rooms,
        oldNick: p.old,
      });
  }

  /** The latest (ts, id) wins; a topic from more than FUTURE_SKEW_MS ahead is not taken (§10). */
  private topic(p: Extract<Payload, { kind: 'topic' }>, idText: string): void {
    if (p.ts > Date.now() + FUTURE_SKEW_MS) return;
    const held = this.ctx.topics.get(p.room);
    if (held && (held.ts > p.ts || (held.ts === p.ts && held.idText >= idText))) return;
    const topic = { room: p.room, topic: p.topic, from: toHex(p.from), nick: p.nick, ts: p.ts };
    this.ctx.topics.set(p.room, { ...topic, idText });
    this.ctx.emit({ type: 'topic', topic });
  }
}
