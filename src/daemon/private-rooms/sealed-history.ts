/**
 * History of private rooms as a holder reads it (PROTOCOL.md §19): rows are stored sealed, under each
 * of the room's opaque ids, and opened when read. Shared by the running node (private-room-service.ts)
 * and `konnect history` without a node (src/cli/offline-history.ts), so both show the same lines.
 */
import {
  type CryptoProvider,
  isPlainObject,
  isPrivateRoomId,
  openRoomMessage,
  ROOM_PLAINTEXT_SCHEMA,
  type RoomPlaintext,
  type RoomSecrets,
  type SealedChatPayload,
  SEALED_CHAT_SCHEMA,
  sealedChatAad,
  unpackValue,
} from '../../wire/index.js';
import type { ChatMessage, HistoryQuery } from '../chat-api.js';

/** A sealed-chat's plaintext; throws when it does not open under `secrets`. */
export function openSealed(
  crypto: CryptoProvider,
  secrets: RoomSecrets,
  payload: SealedChatPayload,
): RoomPlaintext {
  const aad = sealedChatAad(payload.id, payload.from, payload.room);
  const bytes = openRoomMessage(crypto, secrets.encKey, aad, payload.box);
  return ROOM_PLAINTEXT_SCHEMA(unpackValue(bytes), 'room-plaintext') as RoomPlaintext;
}

export interface SealedHistorySource {
  crypto: CryptoProvider;
  /** A private room's secrets by name (current key first), when held. */
  secrets(name: string): readonly RoomSecrets[] | undefined;
  /** The secrets of a held opaque id. */
  secretsOf(id: string): RoomSecrets | undefined;
  /** The stored rows matching a query (the store's own answer). */
  run(query: HistoryQuery): ChatMessage[];
  /** A stored message's signed payload bytes. */
  payloadOf(id: string): Uint8Array | undefined;
}

/**
 * A history query as the UI reads it: a held private room's rows (under each of its ids) opened; rows
 * of opaque rooms that cannot be opened here left out.
 */
export function sealedHistory(query: HistoryQuery, source: SealedHistorySource): ChatMessage[] {
  const held = query.room !== undefined ? source.secrets(query.room) : undefined;
  let rows: ChatMessage[];
  if (!held) rows = source.run(query);
  else {
    rows = held.flatMap((s) => source.run({ ...query, room: s.id }));
    rows.sort((a, b) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    rows = rows.slice(-(query.limit ?? 100));
  }
  const out: ChatMessage[] = [];
  for (const row of rows) {
    const shown = row.room !== null && isPrivateRoomId(row.room) ? reveal(row, source) : row;
    if (shown) out.push(shown);
  }
  return out;
}

/** A stored row of a held room, opened; null when it is not ours or does not open. */
function reveal(row: ChatMessage, source: SealedHistorySource): ChatMessage | null {
  const secrets = source.secretsOf(row.room!);
  const bytes = secrets && source.payloadOf(row.id);
  if (!secrets || !bytes) return null;
  try {
    const value = unpackValue(bytes);
    if (!isPlainObject(value)) return null;
    const plain = openSealed(
      source.crypto,
      secrets,
      SEALED_CHAT_SCHEMA(value, 'payload') as SealedChatPayload,
    );
    return { ...row, room: secrets.name, nick: plain.nick, text: plain.text, action: plain.action ?? false };
  } catch {
    return null;
  }
}
