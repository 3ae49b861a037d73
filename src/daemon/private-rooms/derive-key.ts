/**
 * The room key and name tag of PROTOCOL.md §19, derived with node:crypto's asynchronous scrypt so that
 * the ~0.1 s and 32 MiB of each guess run on the thread pool, not on the event loop that relays the
 * mesh. The bytes are those of deriveRoomKey/roomNameTag in src/wire (the unit test holds them equal).
 */
import { scrypt } from 'node:crypto';
import {
  CryptoError,
  ROOM_KDF,
  ROOM_KEY_BYTES,
  ROOM_KEY_SALT,
  ROOM_TAG_BYTES,
  ROOM_TAG_SALT,
  toHex,
  utf8,
} from '../../wire/index.js';

function scryptAsync(password: string, salt: string, length: number): Promise<Uint8Array> {
  const { N, r, p } = ROOM_KDF;
  return new Promise((resolve, reject) => {
    // scrypt needs 128·N·r bytes (32 MiB): node:crypto's default cap is exactly that, so raise it.
    scrypt(utf8(password), utf8(salt), length, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
}

/** scrypt(passphrase, "konnect/1 room " ‖ name), off the event loop. */
export async function deriveRoomKeyAsync(name: string, passphrase: string): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new CryptoError('KEY_INVALID', 'an empty passphrase');
  return scryptAsync(passphrase, ROOM_KEY_SALT + name, ROOM_KEY_BYTES);
}

/** The hex name tag of a room name, off the event loop. */
export async function roomNameTagAsync(name: string): Promise<string> {
  return toHex(await scryptAsync(name, ROOM_TAG_SALT, ROOM_TAG_BYTES));
}
