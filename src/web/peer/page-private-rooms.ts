/**
 * Private rooms in the page (PROTOCOL.md §19), as a node keeps them: a room joined with a passphrase
 * is named on the wire (hello, presence, sync scopes) only by its opaque ids, its messages leave as
 * `sealed-chat` sealed here and are opened here, and a passphrase whose key the room's members do not
 * hold is refused with WRONG_PASSPHRASE (members list an id with the room's name tag and none lists
 * ours). Rows of a private room are stored under the sync scope `room:<opaque id>` with the room's name
 * and opened text for this page's own history; the signed bytes stay the ciphertext that was flooded.
 */
import type {
  ChatEvent,
  ChatMessage,
  HistoryQuery,
  PeerInfo,
  PrivateRoomEvent,
  PrivateRoomInfo,
} from '../../daemon/chat-api.js';
import {
  type CryptoProvider,
  isPlainObject,
  isPrivateRoomId,
  MAX_ROOMS,
  openRoomMessage,
  packValue,
  ROOM_PLAINTEXT_SCHEMA,
  type RoomPlaintext,
  type SealedChatPayload,
  SEALED_CHAT_SCHEMA,
  sealedChatAad,
  sealRoomMessage,
  unpackValue,
  UsageError,
} from '../../wire/index.js';
import type { Outbound, Signed } from './outbound.js';
import type { StoredRow } from './peer-store.js';
import type { PageRoomKeys } from './page-room-keys.js';
import type { WebIdentity } from './web-identity.js';

/** What the page's private rooms need of the peer: its keys, crypto and identity (WebPeerParts). */
export interface PagePrivateRoomsParts {
  roomKeys: PageRoomKeys;
  crypto: CryptoProvider;
  identity: WebIdentity;
}

/** A sealed-chat payload from signed payload bytes, or null when they are of another kind. */
export function sealedChatOf(payloadBytes: Uint8Array): SealedChatPayload | null {
  const value = unpackValue(payloadBytes);
  if (!isPlainObject(value) || value.kind !== 'sealed-chat') return null;
  return { ...SEALED_CHAT_SCHEMA(value, 'payload'), kind: 'sealed-chat' } as SealedChatPayload;
}

export class PagePrivateRooms {
  /** Sealed messages of held rooms that did not open, by room name. */
  private readonly undecryptable = new Map<string, number>();
  /** (room, peer, id) already told of a key that differs, so a heartbeat does not repeat it. */
  private readonly toldOtherKey = new Set<string>();

  private readonly ctx: PagePrivateRoomsParts & { keys: PageRoomKeys };

  constructor(
    parts: PagePrivateRoomsParts,
    /** The peers the page knows, with their rooms (ChatApi.peers). */
    private readonly peers: () => Promise<PeerInfo[]>,
    private readonly emit: (event: ChatEvent) => void,
  ) {
    this.ctx = { ...parts, keys: parts.roomKeys };
  }

  /** Tells the page's views of a private room's change. */
  said(event: PrivateRoomEvent): void {
    this.emit(event);
  }

  /** Whether `name` is a private room whose key the page holds. */
  holds(name: string): boolean {
    return this.ctx.keys.get(name) !== undefined;
  }

  /** The rooms as the wire names them: a held private room by its opaque ids, current key first. */
  wireRooms(names: readonly string[]): string[] {
    return names.flatMap((name) => this.ctx.keys.get(name)?.map((s) => s.id) ?? [name]).slice(0, MAX_ROOMS);
  }

  /** Whether a wire room (a name or an opaque id) is one of the page's rooms. */
  inWireRoom(names: readonly string[], room: string): boolean {
    if (!isPrivateRoomId(room)) return names.includes(room) && !this.holds(room);
    const held = this.ctx.keys.byOpaqueId(room);
    return held !== undefined && names.includes(held.name);
  }

  /**
   * A peer's rooms (from its signed presence): an opaque id with the name tag of a room joined here
   * and another key check means it holds another key for that room's name; said once per peer and id.
   */
  peerSeen(peer: PeerInfo, joined: readonly string[]): void {
    if (!peer.online) return;
    for (const room of peer.rooms) {
      if (!isPrivateRoomId(room) || this.ctx.keys.byOpaqueId(room)) continue;
      for (const name of joined) {
        const held = this.ctx.keys.get(name);
        if (!held || !room.startsWith(`.${held[0].tag}`)) continue;
        const told = `${name} ${peer.id} ${room}`;
        if (this.toldOtherKey.has(told)) continue;
        this.toldOtherKey.add(told);
        this.emit({ type: 'private-room', room: name, state: 'other-key', peer: peer.id, nick: peer.nick });
      }
    }
  }

  /** Derives the key of a passphrase and keeps it, unless the room's members hold another one. */
  async addKey(name: string, passphrase: string): Promise<void> {
    const held = this.ctx.keys.get(name);
    const secrets = await this.ctx.keys.derive(name, passphrase);
    if (held?.some((s) => s.id === secrets.id)) return;
    const others = (await this.idsSeen()).filter((id) => id.startsWith(`.${secrets.tag}`));
    if (held || (others.length > 0 && !others.includes(secrets.id))) {
      this.emit({ type: 'private-room', room: name, state: 'wrong-passphrase' });
      throw new UsageError('WRONG_PASSPHRASE', `wrong passphrase for #${name}`);
    }
    await this.ctx.keys.put(secrets);
  }

  /** A joined private room moves to a new passphrase; the older keys still open older messages. */
  async rekey(name: string, passphrase: string): Promise<void> {
    if (!this.holds(name)) throw new UsageError('NOT_IN_ROOM', `#${name} is not a private room joined here`);
    await this.ctx.keys.put(await this.ctx.keys.derive(name, passphrase));
  }

  /** A room message, signed, and its row: sealed under the room's key when the room is private. */
  chat(outbound: Outbound, name: string, nick: string, text: string, action: boolean) {
    if (!this.holds(name)) return outbound.chat(name, nick, text, action);
    const secrets = this.ctx.keys.get(name)![0];
    const plain: RoomPlaintext = { nick, text, ...(action ? { action: true } : {}) };
    const from = this.ctx.identity.id;
    ROOM_PLAINTEXT_SCHEMA(plain, 'room-plaintext');
    const draft = (id: Uint8Array) => ({
      kind: 'sealed-chat' as const,
      room: secrets.id,
      box: sealRoomMessage(
        this.ctx.crypto,
        secrets.encKey,
        sealedChatAad(id, from, secrets.id),
        packValue(plain),
      ),
    });
    // Outbound's drafts are the core kinds; a sealed-chat is one more kind with the same origin fields.
    const signed: Signed = outbound.sign(draft as unknown as Parameters<Outbound['sign']>[0]);
    const message: ChatMessage = {
      id: signed.idText,
      room: name,
      peer: null,
      direct: false,
      from: this.ctx.identity.idHex,
      nick,
      ts: signed.ts,
      text,
      action,
      own: true,
      status: null,
      via: 'local',
      future: false,
    };
    const row: StoredRow = {
      ...message,
      conv: `room:${secrets.id}`,
      payload: signed.payload,
      sig: signed.sig,
    };
    return { signed, row };
  }

  /** Opens a sealed message of a held room; null (counted, said) when it does not open. */
  open(payload: SealedChatPayload): { name: string; plain: RoomPlaintext } | null {
    const secrets = this.ctx.keys.byOpaqueId(payload.room);
    if (!secrets) return null;
    try {
      const aad = sealedChatAad(payload.id, payload.from, payload.room);
      const bytes = openRoomMessage(this.ctx.crypto, secrets.encKey, aad, payload.box);
      const plain = ROOM_PLAINTEXT_SCHEMA(unpackValue(bytes), 'room-plaintext') as RoomPlaintext;
      return { name: secrets.name, plain };
    } catch {
      // Signed by its author, so no relay is to blame: counted per room, never against the link.
      this.undecryptable.set(secrets.name, (this.undecryptable.get(secrets.name) ?? 0) + 1);
      this.emit({ type: 'private-room', room: secrets.name, state: 'undecryptable' });
      return null;
    }
  }

  /** History of a held private room: its rows under each of its ids, newest `limit`. */
  async history(query: HistoryQuery, run: (query: HistoryQuery) => Promise<ChatMessage[]>) {
    const held = query.room !== undefined ? this.ctx.keys.get(query.room) : undefined;
    if (!held) return run(query);
    const rows = (await Promise.all(held.map((s) => run({ ...query, room: s.id })))).flat();
    rows.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.slice(-(query.limit ?? 100));
  }

  /** The private rooms held (by name) and those seen on the LAN by opaque id only. */
  async list(joined: readonly string[]): Promise<PrivateRoomInfo[]> {
    const { keys } = this.ctx;
    const mine: PrivateRoomInfo[] = keys.names().map((name) => ({
      room: name,
      ids: keys.get(name)!.map((s) => s.id),
      joined: joined.includes(name),
      undecryptable: this.undecryptable.get(name) ?? 0,
    }));
    const seen = (await this.idsSeen()).filter((id) => !keys.byOpaqueId(id));
    return [...mine, ...seen.map((id) => ({ room: null, ids: [id], joined: false, undecryptable: 0 }))];
  }

  /** Opaque ids in the room lists of the peers online (the linked node's included). */
  private async idsSeen(): Promise<string[]> {
    const out = new Set<string>();
    for (const peer of await this.peers())
      if (peer.online) for (const room of peer.rooms) if (isPrivateRoomId(room)) out.add(room);
    return [...out];
  }
}
