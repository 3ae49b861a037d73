/**
 * A bounded set of short binary keys in typed arrays, oldest first (issue 20: memory).
 *
 * The flood path remembers ids by the hundred thousand (the seen-cache) and by the thousand per link
 * (ids announced in `ihave`). In a Map or a Set each is a string on the V8 heap plus a hash-table slot,
 * and the tables are reallocated as they churn (large-object space, GC work, RSS that is not given
 * back). Here the keys sit in one fixed ring of slots of `keyBytes` bytes, allocated once, with an
 * open-addressing index (linear probing, backward-shift deletion, no tombstones) at most half full.
 *
 * Keys are latin1 strings of at most `keyBytes` chars (a 16-byte message id as `seenKey` makes it):
 * the length is kept, so 'a' and 'a\0' differ. The hash is seeded per instance, so a peer choosing
 * ids cannot line them up on one probe chain.
 */
import { randomBytes } from 'node:crypto';

const EMPTY = 0; // index cell: no slot (cells hold slot + 1)
const DEAD = 0xff; // length byte of a ring slot whose key was deleted out of order

export class IdRing {
  readonly capacity: number;
  readonly keyBytes: number;
  private readonly keys: Uint8Array;
  private readonly lens: Uint8Array;
  private readonly index: Int32Array | Uint16Array;
  private readonly mask: number;
  private readonly seed: number;
  /** Ring slot of the oldest entry (live or dead). */
  private head = 0;
  /** Ring slots in use, dead ones included. */
  private used = 0;
  /** Live keys. */
  size = 0;

  constructor(capacity: number, keyBytes = 16) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('IdRing: capacity must be ≥ 1');
    if (!Number.isInteger(keyBytes) || keyBytes < 1 || keyBytes >= DEAD)
      throw new RangeError('IdRing: keyBytes must be 1..254');
    this.capacity = capacity;
    this.keyBytes = keyBytes;
    this.keys = new Uint8Array(capacity * keyBytes);
    this.lens = new Uint8Array(capacity);
    let cells = 2;
    while (cells < capacity * 2) cells *= 2;
    // Cells hold slot + 1: 16 bits suffice for up to 65,535 slots (the per-link rings, 4096 each).
    this.index = capacity < 0xffff ? new Uint16Array(cells) : new Int32Array(cells);
    this.mask = cells - 1;
    this.seed = randomBytes(4).readUInt32LE(0) | 1;
  }

  /** The ring slot holding `key`, or -1. */
  find(key: string): number {
    const n = key.length;
    if (n > this.keyBytes) return -1;
    for (let cell = this.hash(key, n); ; cell = (cell + 1) & this.mask) {
      const at = this.index[cell];
      if (at === EMPTY) return -1;
      if (this.equals(at - 1, key, n)) return at - 1;
    }
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  /**
   * Appends `key` (which must not be present) as the newest entry and returns its ring slot. When all
   * `capacity` slots are taken the oldest entry is dropped first. A key deleted out of order keeps its
   * slot until it reaches the head, so after such deletes fewer than `capacity` keys may be held.
   */
  push(key: string): number {
    const n = this.checkKey(key);
    if (this.used === this.capacity) this.dropOldest();
    const slot = (this.head + this.used) % this.capacity;
    const base = slot * this.keyBytes;
    for (let i = 0; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0xff) throw new RangeError('IdRing: keys are latin1 (chars up to 0xff)');
      this.keys[base + i] = c;
    }
    this.lens[slot] = n;
    let cell = this.hash(key, n);
    while (this.index[cell] !== EMPTY) cell = (cell + 1) & this.mask;
    this.index[cell] = slot + 1;
    this.used++;
    this.size++;
    return slot;
  }

  /** Deletes `key` wherever it is in the ring; returns whether it was there. */
  delete(key: string): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.unindex(slot);
    this.lens[slot] = DEAD;
    this.size--;
    while (this.used > 0 && this.lens[this.head] === DEAD) this.advance();
    return true;
  }

  /** The oldest ring slot (live: dead slots never stay at the head), or -1 if empty. */
  oldest(): number {
    return this.used > 0 ? this.head : -1;
  }

  /** Drops the oldest entry. */
  dropOldest(): void {
    if (this.used === 0) return;
    this.unindex(this.head);
    this.size--;
    this.advance();
    while (this.used > 0 && this.lens[this.head] === DEAD) this.advance();
  }

  private advance(): void {
    this.lens[this.head] = 0;
    this.head = (this.head + 1) % this.capacity;
    this.used--;
  }

  private checkKey(key: string): number {
    const n = key.length;
    if (n > this.keyBytes) throw new RangeError(`IdRing: a key of ${n} chars, at most ${this.keyBytes}`);
    return n;
  }

  private equals(slot: number, key: string, n: number): boolean {
    if (this.lens[slot] !== n) return false;
    const base = slot * this.keyBytes;
    for (let i = 0; i < n; i++) if (this.keys[base + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Seeded multiplicative hash of the key's bytes (the same bytes `equals` compares). */
  private hash(key: string, n: number): number {
    let h = this.seed ^ n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ (key.charCodeAt(i) & 0xff), 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h & this.mask;
  }

  private slotHash(slot: number): number {
    let h = this.seed ^ this.lens[slot];
    const base = slot * this.keyBytes;
    for (let i = 0; i < this.lens[slot]; i++) h = Math.imul(h ^ this.keys[base + i], 0x9e3779b1);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** Removes a slot's index cell, shifting the rest of its probe run back (no tombstones). */
  private unindex(slot: number): void {
    let cell = this.slotHash(slot);
    while (this.index[cell] !== slot + 1) cell = (cell + 1) & this.mask;
    let hole = cell;
    for (let next = (hole + 1) & this.mask; this.index[next] !== EMPTY; next = (next + 1) & this.mask) {
      const home = this.slotHash(this.index[next] - 1);
      // Move the entry at `next` into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!stays) {
        this.index[hole] = this.index[next];
        hole = next;
      }
    }
    this.index[hole] = EMPTY;
  }
}
