/**
 * Private rooms (`sealed-chat` payloads, PROTOCOL.md §19): a room joined with a passphrase is known on
 * the wire only by its opaque id, and its messages travel and are stored sealed under the room key. A
 * holder opens them when they arrive (to show them) and when history is read; a node without the key
 * stores and relays the ciphertext of the few opaque rooms it has seen, so that the mesh does not split
 * over who holds which key and a late holder can catch up through it.
 */
import {
  type CryptoProvider,
  isPrivateRoomId,
  MAX_ROOMS,
  messageIdFromString,
  type NodeIdHex,
  packValue,
  type RoomPlaintext,
  type RoomSecrets,
  roomSecrets,
  type SealedChatPayload,
  SEALED_CHAT_SCHEMA,
  sealedChatAad,
  sealRoomMessage,
  UsageError,
} from '../../wire/index.js';
import type { Timer } from '../../clock/index.js';
import type { ChatMessage, HistoryQuery, PrivateRoomInfo } from '../chat-api.js';
import type { SignedMessage } from '../flood/index.js';
import type { NodeContext, NodeService, PayloadKind, Via } from '../services/index.js';
import { deriveRoomKeyAsync, roomNameTagAsync } from './derive-key.js';
import { RoomKeys } from './room-keys.js';
import { openSealed, sealedHistory } from './sealed-history.js';

/** Opaque rooms a node without their key carries (stores, relays, reconciles) at most. */
export const MAX_CARRIED_ROOMS = 16;
/** How often the peers' room lists are read for opaque rooms to carry and for keys that differ. */
export const ROOM_SCAN_INTERVAL_MS = 2_000;

export class PrivateRoomService implements NodeService {
  readonly payloadKinds: readonly PayloadKind<SealedChatPayload>[];
  readonly keys: RoomKeys;
  /** Each held opaque id (current and older keys) → its room's secrets. */
  private readonly byId = new Map<string, RoomSecrets>();
  /** Opaque ids seen and not held (bounded by MAX_CARRIED_ROOMS). */
  private readonly carried = new Set<string>();
  /** Sealed messages of held rooms that did not open, by room name. */
  private readonly undecryptable = new Map<string, number>();
  /** (room, peer, id) already told of a key that differs, so a heartbeat does not repeat it. */
  private readonly toldOtherKey = new Set<string>();
  private scanTimer: Timer | null = null;

  constructor(
    private readonly ctx: NodeContext,
    private readonly crypto: CryptoProvider,
    file: string,
  ) {
    this.keys = new RoomKeys(file, crypto, ctx.logger);
    this.keys.load();
    for (const name of this.keys.names()) this.index(name);
    this.payloadKinds = [
      {
        kind: 'sealed-chat',
        schema: SEALED_CHAT_SCHEMA,
        ownToo: true,
        deliver: (payload, signed, via) => this.deliver(payload, signed, via),
      },
    ];
  }

  start(): void {
    this.scanTimer = this.ctx.clock.setInterval(() => this.scan(), ROOM_SCAN_INTERVAL_MS);
  }

  stop(): void {
    if (this.scanTimer) this.ctx.clock.clearInterval(this.scanTimer);
    this.scanTimer = null;
  }

  /** Whether a room name is a private room whose key this node holds. */
  holds(name: string): boolean {
    return this.keys.get(name) !== undefined;
  }

  /**
   * The rooms as the wire sees them: a held private room by its opaque ids (current key first), a plain
   * room by name, then the opaque rooms carried; at most MAX_ROOMS.
   */
  wireRooms(names: readonly string[], withCarried = true): string[] {
    const out: string[] = [];
    for (const name of names) {
      const held = this.keys.get(name);
      if (held) out.push(...held.map((s) => s.id));
      else if (!this.keys.isLocked(name)) out.push(name);
    }
    if (withCarried) for (const id of this.carried) if (!out.includes(id)) out.push(id);
    return out.slice(0, MAX_ROOMS);
  }

  /** wireRooms(names).includes(room), without building the list (it is asked per message). */
  inWireRoom(names: readonly string[], room: string): boolean {
    if (!isPrivateRoomId(room)) return names.includes(room) && !this.holds(room) && !this.keys.isLocked(room);
    const held = this.byId.get(room);
    return held ? names.includes(held.name) : this.carried.has(room);
  }

  /**
   * Derives the room key of a passphrase (scrypt, on the thread pool) and keeps it, unless members of
   * the room are seen holding another key and none this one: then it throws WRONG_PASSPHRASE, tells
   * the UI, and keeps nothing.
   */
  async addKey(name: string, passphrase: string): Promise<RoomSecrets> {
    const held = this.keys.get(name);
    const tag = held?.[0].tag ?? (await roomNameTagAsync(name));
    const secrets = roomSecrets(this.crypto, name, await deriveRoomKeyAsync(name, passphrase), tag);
    if (held?.some((s) => s.id === secrets.id)) return secrets;
    const others = this.idsSeen().filter((id) => id.startsWith(`.${tag}`));
    if (held || (others.length > 0 && !others.includes(secrets.id))) {
      this.ctx.emit({ type: 'private-room', room: name, state: 'wrong-passphrase' });
      throw new UsageError('WRONG_PASSPHRASE', `wrong passphrase for #${name}`);
    }
    this.keep(secrets);
    return secrets;
  }

  /** A joined private room moves to a new passphrase; its older keys still open older messages. */
  async rekey(name: string, passphrase: string): Promise<RoomSecrets> {
    const held = this.keys.get(name);
    if (!held) throw new UsageError('NOT_IN_ROOM', `#${name} is not a private room joined here`);
    const key = await deriveRoomKeyAsync(name, passphrase);
    const secrets = roomSecrets(this.crypto, name, key, held[0].tag);
    this.keep(secrets);
    return secrets;
  }

  /** Seals, signs and floods a message to a held private room. */
  send(name: string, text: string, action: boolean): ChatMessage {
    const { self, identity, clock, router, writer, ids } = this.ctx;
    const secrets = this.keys.get(name)?.[0];
    if (!secrets || !self.inRoom(secrets.id))
      throw new UsageError('NOT_IN_ROOM', `not in room ${name}: join it first (/join #${name} --key)`);
    const now = clock.now();
    const id = ids.next(now);
    const plain: RoomPlaintext = { nick: self.nick, text, ...(action ? { action: true } : {}) };
    const aad = sealedChatAad(id, identity.id, secrets.id);
    const box = sealRoomMessage(this.crypto, secrets.encKey, aad, packValue(plain));
    const payload: SealedChatPayload = {
      kind: 'sealed-chat',
      id,
      from: identity.id,
      ts: now,
      room: secrets.id,
      box,
    };
    const signed = router.originate(payload);
    const row = { room: secrets.id, peer: null, text: '', action: false, nick: '' };
    return writer.storeOwn(payload, signed, row, { room: name, nick: self.nick, text, action });
  }

  /**
   * History as the UI reads it: a held private room's rows (under each of its ids) opened; rows of
   * opaque rooms this node cannot open left out.
   */
  history(query: HistoryQuery, run: (query: HistoryQuery) => ChatMessage[]): ChatMessage[] {
    return sealedHistory(query, {
      crypto: this.crypto,
      secrets: (name) => this.keys.get(name),
      secretsOf: (id) => this.byId.get(id),
      run,
      payloadOf: (id) => this.ctx.writer.lookup(messageIdFromString(id))?.payload,
    });
  }

  /** The private rooms joined (by name) and those seen but not joined (by opaque id). */
  list(joined: readonly string[]): PrivateRoomInfo[] {
    const mine: PrivateRoomInfo[] = this.keys.names().map((name) => ({
      room: name,
      ids: this.keys.get(name)!.map((s) => s.id),
      joined: joined.includes(name),
      undecryptable: this.undecryptable.get(name) ?? 0,
    }));
    const seen = new Set([...this.carried, ...this.idsSeen()].filter((id) => !this.byId.has(id)));
    return [...mine, ...[...seen].map((id) => ({ room: null, ids: [id], joined: false, undecryptable: 0 }))];
  }

  private keep(secrets: RoomSecrets): void {
    this.keys.put(secrets);
    for (const s of this.keys.get(secrets.name) ?? []) this.carried.delete(s.id);
    this.index(secrets.name);
  }

  private deliver(payload: SealedChatPayload, signed: SignedMessage, via: Via): boolean {
    const secrets = this.byId.get(payload.room);
    if (!secrets) {
      // Not ours to read: carry it (stored as ciphertext, reconciled) when there is room for it.
      if (!this.carry(payload.room)) return false;
      return this.ctx.writer.storeReceived(signed, this.sealedRow(payload), via);
    }
    if (!this.ctx.self.inRoom(payload.room)) return false;
    let plain: RoomPlaintext;
    try {
      plain = openSealed(this.crypto, secrets, payload);
    } catch (err) {
      // Signed by its author, so no relay is to blame: counted per room, never against the link.
      this.countUndecryptable(secrets.name, payload.from, (err as Error).message);
      return false;
    }
    const shown = { room: secrets.name, nick: plain.nick, text: plain.text, action: plain.action ?? false };
    return this.ctx.writer.storeReceived(signed, { ...this.sealedRow(payload), shown }, via);
  }

  /** A sealed message's row: only the opaque id and the ciphertext (in the signed payload) are kept. */
  private sealedRow(payload: SealedChatPayload) {
    const room = payload.room;
    return { scope: `room:${room}`, room, peer: null, payload, nick: '', text: '', action: false };
  }

  private countUndecryptable(name: string, from: Uint8Array, reason: string): void {
    this.undecryptable.set(name, (this.undecryptable.get(name) ?? 0) + 1);
    this.ctx.logger.warn('dropped a private-room message that does not open', { room: name, reason });
    const peer: NodeIdHex = Buffer.from(from).toString('hex');
    const nick = this.ctx.peerTable.get(peer)?.nick;
    this.ctx.emit({ type: 'private-room', room: name, state: 'undecryptable', peer, nick });
  }

  /** Starts carrying an opaque room not held; false when MAX_CARRIED_ROOMS are carried already. */
  private carry(id: string): boolean {
    if (this.carried.has(id)) return true;
    if (this.byId.has(id) || this.carried.size >= MAX_CARRIED_ROOMS) return false;
    this.carried.add(id);
    return true;
  }

  /** Opaque ids in the room lists of the peers online. */
  private idsSeen(): string[] {
    const now = this.ctx.clock.now();
    const out = new Set<string>();
    for (const peer of this.ctx.peerTable.all())
      if (this.ctx.peerTable.isOnline(peer, now))
        for (const room of peer.rooms) if (isPrivateRoomId(room)) out.add(room);
    return [...out];
  }

  /** Carries the opaque rooms peers are in; tells of a member whose key for a held room differs. */
  private scan(): void {
    const now = this.ctx.clock.now();
    for (const peer of this.ctx.peerTable.all()) {
      if (!this.ctx.peerTable.isOnline(peer, now)) continue;
      for (const room of peer.rooms) {
        if (!isPrivateRoomId(room) || this.byId.has(room)) continue;
        this.carry(room);
        for (const name of this.keys.names()) {
          const held = this.keys.get(name)!;
          if (!room.startsWith(`.${held[0].tag}`) || !this.ctx.self.inRoom(held[0].id)) continue;
          const key = `${name} ${peer.id} ${room}`;
          if (this.toldOtherKey.has(key)) continue;
          this.toldOtherKey.add(key);
          this.ctx.logger.warn(`${peer.nick} holds another key for #${name} (another passphrase)`);
          this.ctx.emit({
            type: 'private-room',
            room: name,
            state: 'other-key',
            peer: peer.id,
            nick: peer.nick,
          });
        }
      }
    }
  }

  private index(name: string): void {
    for (const s of this.keys.get(name) ?? []) this.byId.set(s.id, s);
  }
}
