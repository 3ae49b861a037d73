/**
 * The browser's own identity: an ed25519 key (its node id) and an X25519 key (direct messages are
 * sealed to it), made in the page on the first visit and kept in IndexedDB, so a reload or a visit a
 * week later is the same person. The nick is kept beside it; until one is chosen the page asks for it.
 */
import { type CryptoProvider, fingerprint, toHex, type NodeIdHex } from '../../wire/index.js';
import { getMeta, putMeta } from './idb.js';

export interface WebIdentity {
  id: Uint8Array;
  idHex: NodeIdHex;
  fingerprint: string;
  secretKey: Uint8Array;
  xPublic: Uint8Array;
  xSecret: Uint8Array;
}

interface StoredKeys {
  v: 1;
  edSecret: Uint8Array;
  xSecret: Uint8Array;
}

const KEYS = 'identity';
const NICK = 'nick';

export async function loadOrCreateIdentity(db: IDBDatabase, crypto: CryptoProvider): Promise<WebIdentity> {
  let keys = await getMeta<StoredKeys>(db, KEYS);
  if (!keys || keys.v !== 1 || keys.edSecret?.length !== 32 || keys.xSecret?.length !== 32) {
    keys = { v: 1, edSecret: crypto.ed25519Keygen().secretKey, xSecret: crypto.x25519Keygen().secretKey };
    await putMeta(db, KEYS, keys);
  }
  // Structured clone may hand back another typed-array realm's Uint8Array: copy into this one.
  const secretKey = Uint8Array.from(keys.edSecret);
  const xSecret = Uint8Array.from(keys.xSecret);
  const id = crypto.ed25519PublicKey(secretKey);
  return {
    id,
    idHex: toHex(id),
    fingerprint: fingerprint(crypto, id),
    secretKey,
    xSecret,
    xPublic: crypto.x25519PublicKey(xSecret),
  };
}

export async function loadNick(db: IDBDatabase): Promise<string | null> {
  return (await getMeta<string>(db, NICK)) ?? null;
}

export async function saveNick(db: IDBDatabase, nick: string): Promise<void> {
  await putMeta(db, NICK, nick);
}
