/**
 * Pinned keys, trust on first use (PROTOCOL.md §20): DATA_DIR/pins.json remembers, for each nick, the
 * first key seen using it (and when), and whether the person verified that key face to face. A later
 * key using a pinned nick is a NEW KEY until the person accepts it (/trust), which re-pins the nick.
 * Written whole and renamed (mode 0600) by the one private-file writer; new pins are saved at most
 * once a second, so a flood of made-up nicks costs one write a second, not one per nick. A file that
 * cannot be read starts an empty store with a warning: the node keeps running.
 */
import { NICK_PATTERN, type NodeIdHex } from '../../wire/index.js';
import type { TrustState } from '../chat-api.js';
import type { Logger } from '../logger.js';
import { readJsonFile, writePrivateFileAtomic } from '../profile-store.js';

export interface Pin {
  /** The pinned key (node id, hex). */
  key: NodeIdHex;
  /** When this key was first seen with this nick (ms since the epoch). */
  firstSeen: number;
  /** When the person verified the key by its safety code; null until then. */
  verifiedAt: number | null;
}

export const PINS_FILE_VERSION = 1;
/** Nicks remembered at most; the ones first seen longest ago and never verified go first. */
export const MAX_PINS = 4096;
/** New pins are written at most this often. @default 1000 */
export const PIN_SAVE_DELAY_MS = 1000;

const NODE_ID = /^[0-9a-f]{64}$/;

export class PinStore {
  private readonly pins = new Map<string, Pin>();
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  load(): void {
    const value = readJsonFile(this.file, this.logger, 'pinned keys') as { pins?: unknown } | undefined;
    const pins = value && typeof value === 'object' ? value.pins : undefined;
    if (!pins || typeof pins !== 'object') return;
    for (const [nick, raw] of Object.entries(pins as Record<string, unknown>)) {
      const pin = raw as Partial<Pin> | null;
      if (!NICK_PATTERN.test(nick) || !pin || typeof pin.key !== 'string' || !NODE_ID.test(pin.key)) continue;
      if (typeof pin.firstSeen !== 'number') continue;
      const verifiedAt = typeof pin.verifiedAt === 'number' ? pin.verifiedAt : null;
      this.pins.set(nick, { key: pin.key, firstSeen: pin.firstSeen, verifiedAt });
      if (this.pins.size >= MAX_PINS) break;
    }
  }

  get(nick: string): Pin | undefined {
    const pin = this.pins.get(nick);
    return pin && { ...pin };
  }

  /** What `key` using `nick` is, without pinning anything: null for a nick never pinned. */
  state(nick: string, key: NodeIdHex): TrustState | null {
    const pin = this.pins.get(nick);
    if (!pin) return null;
    if (pin.key !== key) return 'new-key';
    return pin.verifiedAt !== null ? 'verified' : 'known';
  }

  /** The nick is used by `key` (proved by a signature): pins it when new; returns its state. */
  observe(nick: string, key: NodeIdHex, now: number): TrustState {
    const known = this.state(nick, key);
    if (known) return known;
    this.evictIfFull();
    this.pins.set(nick, { key, firstSeen: now, verifiedAt: null });
    this.dirty = true;
    return 'known';
  }

  /** The person accepts `key` for `nick` (/trust): re-pinned, unverified. Saved at once. */
  trust(nick: string, key: NodeIdHex, now: number): Pin {
    const pin = this.pins.get(nick);
    if (pin?.key !== key) this.pins.set(nick, { key, firstSeen: now, verifiedAt: null });
    this.save();
    return this.get(nick)!;
  }

  /** The person compared the safety code (/verify --yes): pinned and verified. Saved at once. */
  verify(nick: string, key: NodeIdHex, now: number): Pin {
    const pin = this.pins.get(nick);
    this.pins.set(nick, { key, firstSeen: pin?.key === key ? pin.firstSeen : now, verifiedAt: now });
    this.save();
    return this.get(nick)!;
  }

  /** Writes the file when new pins wait (the service calls this at most once a second, and at close). */
  saveIfDirty(): void {
    if (this.dirty) this.save();
  }

  get pending(): boolean {
    return this.dirty;
  }

  save(): void {
    this.dirty = false;
    const pins: Record<string, Pin> = {};
    for (const [nick, pin] of this.pins) pins[nick] = pin;
    try {
      writePrivateFileAtomic(this.file, `${JSON.stringify({ version: PINS_FILE_VERSION, pins }, null, 1)}\n`);
    } catch (err) {
      this.dirty = true; // tried again later; the pins in memory still protect this run
      this.logger.warn(`could not save pinned keys: ${(err as Error).message}`);
    }
  }

  private evictIfFull(): void {
    if (this.pins.size < MAX_PINS) return;
    let oldest: string | null = null;
    for (const [nick, pin] of this.pins) {
      if (pin.verifiedAt !== null) continue;
      if (oldest === null || pin.firstSeen < this.pins.get(oldest)!.firstSeen) oldest = nick;
    }
    if (oldest !== null) this.pins.delete(oldest);
  }
}
