/**
 * The keys of the private rooms this node has joined, by room name, kept in DATA_DIR/room-keys.json
 * (mode 0600, written atomically) so that a restart does not ask for the passphrase again. The file
 * holds the scrypt outputs, never a passphrase; each room's current key first, then older keys that
 * still open the room's older messages after a /rekey.
 *
 * Beside it, DATA_DIR/private-rooms.json lists only the names of the private rooms joined here. A room
 * named there whose key is missing (room-keys.json deleted, or its entry damaged) is *locked*: it is
 * neither announced nor written to by name, as a plain room would be (which would tell the LAN the
 * name a private room hides, and send its text in clear), until it is joined again with its passphrase.
 */
import {
  type CryptoProvider,
  fromHex,
  ROOM_KEY_BYTES,
  type RoomSecrets,
  roomSecrets,
  toHex,
} from '../../wire/index.js';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger.js';
import { readJsonFile, writePrivateFileAtomic } from '../profile-store.js';

/** Keys kept per room: the current one and this many older ones. */
export const MAX_KEYS_PER_ROOM = 8;

interface RoomKeysFile {
  version: 1;
  rooms: Record<string, { tag: string; keys: string[] }>;
}

const HEX_KEY = new RegExp(`^[0-9a-f]{${ROOM_KEY_BYTES * 2}}$`);

export class RoomKeys {
  /** Each room's secrets, current key first. */
  private readonly rooms = new Map<string, RoomSecrets[]>();
  /** Private rooms joined here whose key is missing: never used as plain rooms. */
  private readonly lockedNames = new Set<string>();
  private readonly namesFile: string;

  constructor(
    private readonly file: string,
    private readonly crypto: CryptoProvider,
    private readonly logger: Logger,
  ) {
    this.namesFile = join(dirname(file), 'private-rooms.json');
  }

  /** Reads the file; a damaged entry is skipped with a warning (that room asks again). */
  load(): void {
    this.loadKeys();
    const names = readJsonFile(this.namesFile, this.logger, 'private room names');
    for (const name of Array.isArray(names) ? names : [])
      if (typeof name === 'string' && !this.rooms.has(name)) this.lockedNames.add(name);
    for (const name of this.lockedNames)
      this.logger.error(
        `private room #${name}: its key is missing from ${this.file}; the room stays closed (its name is never sent) until you join it again with /join #${name} --key`,
      );
  }

  private loadKeys(): void {
    const value = readJsonFile(this.file, this.logger, 'room keys') as Partial<RoomKeysFile> | undefined;
    if (!value || typeof value.rooms !== 'object' || value.rooms === null) return;
    for (const [name, entry] of Object.entries(value.rooms)) {
      const keys = Array.isArray(entry?.keys) ? entry.keys.filter((k) => HEX_KEY.test(k)) : [];
      if (typeof entry?.tag !== 'string' || !/^[0-9a-f]{8}$/.test(entry.tag) || keys.length === 0) {
        this.logger.warn(`room keys: the entry of #${name} is damaged; join it again with its passphrase`);
        this.lockedNames.add(name);
        continue;
      }
      this.rooms.set(
        name,
        keys.map((k) => roomSecrets(this.crypto, name, fromHex(k), entry.tag)),
      );
    }
  }

  /** A private room joined here whose key is missing (see the file's header). */
  isLocked(name: string): boolean {
    return this.lockedNames.has(name);
  }

  get(name: string): readonly RoomSecrets[] | undefined {
    return this.rooms.get(name);
  }

  names(): string[] {
    return [...this.rooms.keys()];
  }

  /** Makes `secrets` the room's current key (older keys stay, up to MAX_KEYS_PER_ROOM) and saves. */
  put(secrets: RoomSecrets): void {
    const old = (this.rooms.get(secrets.name) ?? []).filter((s) => s.id !== secrets.id);
    this.rooms.set(secrets.name, [secrets, ...old].slice(0, MAX_KEYS_PER_ROOM));
    this.lockedNames.delete(secrets.name);
    this.save();
  }

  private save(): void {
    const file: RoomKeysFile = { version: 1, rooms: {} };
    for (const [name, list] of this.rooms)
      file.rooms[name] = { tag: list[0].tag, keys: list.map((s) => toHex(s.roomKey)) };
    try {
      writePrivateFileAtomic(this.file, JSON.stringify(file, null, 2) + '\n');
      const names = [...new Set([...this.rooms.keys(), ...this.lockedNames])];
      writePrivateFileAtomic(this.namesFile, JSON.stringify(names) + '\n');
    } catch (err) {
      this.logger.error(`could not save room keys to ${this.file}: ${(err as Error).message}`);
    }
  }
}
