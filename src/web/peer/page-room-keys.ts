/**
 * The page's private-room keys (PROTOCOL.md §19): derived in the page with noble's scrypt exactly as a
 * node derives them, kept in IndexedDB (the room key and name tag, never the passphrase) so a reload
 * does not ask again, and looked up by room name or by opaque id. scryptAsync yields to the event loop
 * every few milliseconds, so the page stays responsive through the ~0.1–1 s a derivation takes.
 */
import { scryptAsync } from '@noble/hashes/scrypt.js';
import {
  type CryptoProvider,
  CryptoError,
  fromHex,
  ROOM_KDF,
  ROOM_KEY_BYTES,
  ROOM_KEY_SALT,
  ROOM_TAG_BYTES,
  ROOM_TAG_SALT,
  type RoomSecrets,
  roomSecrets,
  toHex,
  utf8,
} from '../../wire/index.js';
import { getMeta, putMeta } from './idb.js';

/** Keys kept per room: the current one and older ones still opening older messages (as a node). */
export const MAX_PAGE_KEYS_PER_ROOM = 8;
const META_KEY = 'roomKeys';

/** What IndexedDB holds per room: its keys, newest first, in hex. */
interface StoredRoomKeys {
  name: string;
  tag: string;
  keys: string[];
}

async function slowScrypt(password: string, salt: string, length: number): Promise<Uint8Array> {
  return scryptAsync(utf8(password), utf8(salt), { ...ROOM_KDF, dkLen: length, asyncTick: 10 });
}

/** scrypt(passphrase, "konnect/1 room " ‖ name), without freezing the page. */
export async function deriveRoomKeyInPage(name: string, passphrase: string): Promise<Uint8Array> {
  if (passphrase.length === 0) throw new CryptoError('KEY_INVALID', 'an empty passphrase');
  return slowScrypt(passphrase, ROOM_KEY_SALT + name, ROOM_KEY_BYTES);
}

/** The hex name tag of a room name, without freezing the page. */
export async function roomNameTagInPage(name: string): Promise<string> {
  return toHex(await slowScrypt(name, ROOM_TAG_SALT, ROOM_TAG_BYTES));
}

export class PageRoomKeys {
  /** Room name → its secrets, current key first. */
  private readonly byName = new Map<string, RoomSecrets[]>();
  private readonly byId = new Map<string, RoomSecrets>();

  private constructor(
    private readonly db: IDBDatabase,
    private readonly crypto: CryptoProvider,
  ) {}

  /** The keys kept by an earlier visit (a malformed entry is skipped, not fatal). */
  static async load(db: IDBDatabase, crypto: CryptoProvider): Promise<PageRoomKeys> {
    const keys = new PageRoomKeys(db, crypto);
    for (const entry of (await getMeta<StoredRoomKeys[]>(db, META_KEY)) ?? []) {
      try {
        const list = entry.keys.map((hex) => roomSecrets(crypto, entry.name, fromHex(hex), entry.tag));
        if (list.length > 0) keys.set(entry.name, list);
      } catch {
        // A damaged entry: the room asks for its passphrase again.
      }
    }
    return keys;
  }

  get(name: string): readonly RoomSecrets[] | undefined {
    return this.byName.get(name);
  }

  byOpaqueId(id: string): RoomSecrets | undefined {
    return this.byId.get(id);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Keeps a key as the room's current one (older keys stay, up to MAX_PAGE_KEYS_PER_ROOM). */
  async put(secrets: RoomSecrets): Promise<void> {
    const old = (this.byName.get(secrets.name) ?? []).filter((s) => s.id !== secrets.id);
    this.set(secrets.name, [secrets, ...old].slice(0, MAX_PAGE_KEYS_PER_ROOM));
    await this.save();
  }

  /** The secrets of a derived key for `name` (the tag of a held room is reused: it costs a scrypt). */
  async derive(name: string, passphrase: string): Promise<RoomSecrets> {
    const tag = this.byName.get(name)?.[0].tag ?? (await roomNameTagInPage(name));
    return roomSecrets(this.crypto, name, await deriveRoomKeyInPage(name, passphrase), tag);
  }

  private set(name: string, list: RoomSecrets[]): void {
    for (const s of this.byName.get(name) ?? []) this.byId.delete(s.id);
    this.byName.set(name, list);
    for (const s of list) this.byId.set(s.id, s);
  }

  private async save(): Promise<void> {
    const out: StoredRoomKeys[] = [...this.byName].map(([name, list]) => ({
      name,
      tag: list[0].tag,
      keys: list.map((s) => toHex(s.roomKey)),
    }));
    await putMeta(this.db, META_KEY, out);
  }
}
