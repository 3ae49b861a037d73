/**
 * Private rooms (PROTOCOL.md §19): a room key from a passphrase (scrypt, salted by the room name), the
 * keys and names derived from it (HKDF-SHA256), the opaque room id that stands for the room on the
 * wire, and the `sealed-chat` payload whose box is XChaCha20-Poly1305 over a room message. Pure: the
 * KDF and the AEAD come from the CryptoProvider, so a browser derives and opens exactly the same bytes.
 */
import * as C from './constants.js';
import { concatBytes, utf8 } from './bytes.js';
import { CryptoError } from './errors.js';
import type { CryptoProvider, ScryptParams } from './crypto-provider.js';
import { toHex } from './ids.js';
import { type Bytes, nickCheck } from './messages.js';
import { PAYLOAD_BASE } from './payloads.js';
import { bool, bytes, object, optional, text } from './schema.js';

/** scrypt's cost for a room key: 32 MiB and ~0.1 s on a laptop, per guess of a passphrase. */
export const ROOM_KDF: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
export const ROOM_KEY_BYTES = 32;
/** The room key's salt is this ‖ the room name (UTF-8). */
export const ROOM_KEY_SALT = 'konnect/1 room ';
/** The name tag's salt: the tag depends on the name alone, so two holders of one name find each other. */
export const ROOM_TAG_SALT = 'konnect/1 room name';
export const ROOM_TAG_BYTES = 4;
export const ROOM_CHECK_BYTES = 8;
export const ROOM_NONCE_BYTES = 24;
const ROOM_AEAD_TAG_BYTES = 16;
const INFO_KEY = utf8('konnect/1 room key');
const INFO_CHECK = utf8('konnect/1 room check');
const SEALED_CONTEXT = utf8('konnect/1 sealed-chat');

/**
 * An opaque room id: "." then the name tag (8 hex digits) then the key check (16 hex digits). A name a
 * person may not give a plain room (plain names do not begin with "."), and no longer than any room name.
 */
export const PRIVATE_ROOM_PATTERN = /^\.[0-9a-f]{24}$/;

export function isPrivateRoomId(room: string): boolean {
  return PRIVATE_ROOM_PATTERN.test(room);
}

/** What a holder of a room key knows of the room. */
export interface RoomSecrets {
  /** The room's name as people type it (never on the wire). */
  name: string;
  /** The scrypt output: everything else is derived from it. */
  roomKey: Uint8Array;
  /** The XChaCha20-Poly1305 key of the room's messages. */
  encKey: Uint8Array;
  /** Hex of the name tag (ROOM_TAG_BYTES): equal for every holder of the name, whatever the key. */
  tag: string;
  /** Hex of the key check (ROOM_CHECK_BYTES): equal only for holders of the same key. */
  check: string;
  /** The opaque room id: "." ‖ tag ‖ check. */
  id: string;
}

/** The room key of a passphrase: scrypt(passphrase, "konnect/1 room " ‖ name). Slow on purpose. */
export function deriveRoomKey(crypto: CryptoProvider, name: string, passphrase: string): Uint8Array {
  if (passphrase.length === 0) throw new CryptoError('KEY_INVALID', 'an empty passphrase');
  return crypto.scrypt(utf8(passphrase), utf8(ROOM_KEY_SALT + name), ROOM_KDF, ROOM_KEY_BYTES);
}

/** The name tag of a room name: scrypt(name, "konnect/1 room name"), its first 4 bytes, in hex. */
export function roomNameTag(crypto: CryptoProvider, name: string): string {
  return toHex(crypto.scrypt(utf8(name), utf8(ROOM_TAG_SALT), ROOM_KDF, ROOM_TAG_BYTES));
}

/** The secrets of a room from its key (and its name tag, when already computed: it costs a scrypt). */
export function roomSecrets(
  crypto: CryptoProvider,
  name: string,
  roomKey: Uint8Array,
  tag = roomNameTag(crypto, name),
): RoomSecrets {
  if (roomKey.length !== ROOM_KEY_BYTES)
    throw new CryptoError('KEY_INVALID', `room key of ${roomKey.length} bytes`);
  const none = new Uint8Array(0);
  const encKey = crypto.hkdfSha256(roomKey, none, INFO_KEY, 32);
  const check = toHex(crypto.hkdfSha256(roomKey, none, INFO_CHECK, ROOM_CHECK_BYTES));
  return { name, roomKey, encKey, tag, check, id: `.${tag}${check}` };
}

/** A private room's message as its holders read it: the box's plaintext. */
export interface RoomPlaintext {
  nick: string;
  text: string;
  action?: boolean;
}

/** A message of a private room: the room is its opaque id; nick and text are inside the box. */
export interface SealedChatPayload {
  kind: 'sealed-chat';
  id: Bytes;
  from: Bytes;
  ts: number;
  /** The opaque room id. */
  room: string;
  /** nonce (24) ‖ XChaCha20-Poly1305 ciphertext of the RoomPlaintext's MessagePack ‖ tag (16). */
  box: Bytes;
}

const privateRoomCheck = text(25, { pattern: PRIVATE_ROOM_PATTERN, min: 25 });
export const SEALED_CHAT_SCHEMA = object({
  ...PAYLOAD_BASE,
  room: privateRoomCheck,
  box: bytes(ROOM_NONCE_BYTES + ROOM_AEAD_TAG_BYTES + 1, C.MAX_BOX_BYTES),
});
const chatText = text(C.MAX_TEXT_CHARS, { maxBytes: C.MAX_TEXT_BYTES, min: 1 });
export const ROOM_PLAINTEXT_SCHEMA = object({ nick: nickCheck, text: chatText, action: optional(bool) });

/** Associated data of a sealed-chat box: binds it to its message id, author and opaque room id. */
export function sealedChatAad(id: Uint8Array, from: Uint8Array, room: string): Uint8Array {
  return concatBytes([SEALED_CONTEXT, id, from, utf8(room)]);
}

/** Seals a room message's plaintext bytes (MessagePack of a RoomPlaintext) under the room's key. */
export function sealRoomMessage(
  crypto: CryptoProvider,
  encKey: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
  nonce: Uint8Array = crypto.randomBytes(ROOM_NONCE_BYTES),
): Uint8Array {
  return concatBytes([nonce, crypto.xchacha20Poly1305Seal(encKey, nonce, plaintext, aad)]);
}

/** Opens a sealed-chat box; anything but an authentic box under this key throws SEAL_INVALID. */
export function openRoomMessage(
  crypto: CryptoProvider,
  encKey: Uint8Array,
  aad: Uint8Array,
  box: Uint8Array,
): Uint8Array {
  if (box.length < ROOM_NONCE_BYTES + ROOM_AEAD_TAG_BYTES)
    throw new CryptoError('SEAL_INVALID', 'sealed room message too short');
  try {
    return crypto.xchacha20Poly1305Open(
      encKey,
      box.subarray(0, ROOM_NONCE_BYTES),
      box.subarray(ROOM_NONCE_BYTES),
      aad,
    );
  } catch (err) {
    throw new CryptoError('SEAL_INVALID', 'sealed room message does not open with this key', { cause: err });
  }
}
