/**
 * Pinned keys in the page, trust on first use (PROTOCOL.md §20), as a node keeps them in pins.json:
 * for each nick the first key seen using it (proved by a signature), when, and whether the person
 * verified it by its safety code. A later key with a pinned nick is a NEW KEY until /trust re-pins the
 * nick. Kept in IndexedDB; new pins are written at most once a second, so a flood of made-up nicks
 * costs one write a second; /trust and /verify are written at once.
 */
import type { PeerInfo, TrustState } from '../../daemon/chat-api.js';
import { NICK_PATTERN, type NodeIdHex } from '../../wire/index.js';
import { getMeta, putMeta } from './idb.js';

export interface PagePin {
  key: NodeIdHex;
  firstSeen: number;
  verifiedAt: number | null;
}

/** Nicks remembered at most (a node keeps as many); the oldest never verified go first. */
export const MAX_PAGE_PINS = 4096;
const SAVE_DELAY_MS = 1000;
const META_KEY = 'pins';
const NODE_ID = /^[0-9a-f]{64}$/;

export class PagePins {
  private readonly pins = new Map<string, PagePin>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  private constructor(private readonly db: IDBDatabase) {}

  /** The pins kept by earlier visits (malformed entries skipped). */
  static async load(db: IDBDatabase): Promise<PagePins> {
    const pins = new PagePins(db);
    const stored = (await getMeta<Record<string, PagePin>>(db, META_KEY)) ?? {};
    for (const [nick, pin] of Object.entries(stored)) {
      if (!NICK_PATTERN.test(nick) || typeof pin?.key !== 'string' || !NODE_ID.test(pin.key)) continue;
      if (typeof pin.firstSeen !== 'number') continue;
      const verifiedAt = typeof pin.verifiedAt === 'number' ? pin.verifiedAt : null;
      pins.pins.set(nick, { key: pin.key, firstSeen: pin.firstSeen, verifiedAt });
    }
    return pins;
  }

  get(nick: string): PagePin | undefined {
    const pin = this.pins.get(nick);
    return pin && { ...pin };
  }

  /** What `key` using `nick` is, pinning nothing: null for a nick never pinned. */
  state(nick: string, key: NodeIdHex): TrustState | null {
    const pin = this.pins.get(nick);
    if (!pin) return null;
    if (pin.key !== key) return 'new-key';
    return pin.verifiedAt !== null ? 'verified' : 'known';
  }

  /** `key` signed something with `nick`: pins the nick when new; its state. */
  observe(nick: string, key: NodeIdHex, now = Date.now()): TrustState {
    const known = this.state(nick, key);
    if (known) return known;
    this.evictIfFull();
    this.pins.set(nick, { key, firstSeen: now, verifiedAt: null });
    this.saveSoon();
    return 'known';
  }

  /** The person accepts `key` for `nick` (/trust): re-pinned, unverified. */
  async trust(nick: string, key: NodeIdHex, now = Date.now()): Promise<void> {
    if (this.pins.get(nick)?.key !== key) this.pins.set(nick, { key, firstSeen: now, verifiedAt: null });
    await this.save();
  }

  /** The person compared the safety code (/verify … yes): pinned and verified. */
  async verify(nick: string, key: NodeIdHex, now = Date.now()): Promise<void> {
    const pin = this.pins.get(nick);
    this.pins.set(nick, { key, firstSeen: pin?.key === key ? pin.firstSeen : now, verifiedAt: now });
    await this.save();
  }

  /** The trust fields of a peer's PeerInfo. */
  fields(nick: string, key: NodeIdHex): Pick<PeerInfo, 'trust' | 'pinnedKey' | 'firstSeen' | 'verifiedAt'> {
    const pin = this.pins.get(nick);
    return {
      trust: this.state(nick, key),
      pinnedKey: pin?.key ?? null,
      firstSeen: pin?.firstSeen ?? null,
      verifiedAt: pin?.key === key ? pin.verifiedAt : null,
    };
  }

  private saveSoon(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      // A failed write (the page closed meanwhile) loses only pins of this visit's first sightings.
      void this.save().catch(() => undefined);
    }, SAVE_DELAY_MS);
  }

  private async save(): Promise<void> {
    await putMeta(this.db, META_KEY, Object.fromEntries(this.pins));
  }

  private evictIfFull(): void {
    if (this.pins.size < MAX_PAGE_PINS) return;
    let oldest: string | null = null;
    for (const [nick, pin] of this.pins) {
      if (pin.verifiedAt !== null) continue;
      if (oldest === null || pin.firstSeen < this.pins.get(oldest)!.firstSeen) oldest = nick;
    }
    if (oldest !== null) this.pins.delete(oldest);
  }
}
