/**
 * Ids of flooded messages already handled, bounded in count and age: dedup must not grow without limit
 * on a long-running node, and an id older than the max age can no longer arrive by flooding (its hop
 * budget is long spent); history sync dedups against the store instead.
 *
 * Keys are latin1 strings of up to 16 chars (`seenKey` of a 16-byte message id). They are kept in an
 * IdRing (typed arrays allocated once, oldest first) with the time each was added beside it: 100,000
 * ids take ~3.5 MB and make no garbage, where a Map of strings took ~8 MB of heap and churned (issue 20).
 */
import { IdRing } from './id-ring.js';

export interface SeenCacheOptions {
  /** @default 100_000 */
  maxEntries?: number;
  /** @default 10 minutes */
  maxAgeMs?: number;
}

export class SeenCache {
  private readonly ring: IdRing;
  /** When each ring slot's key was added. */
  private readonly addedAt: Float64Array;
  readonly maxEntries: number;
  readonly maxAgeMs: number;

  constructor(options: SeenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60 * 1000;
    this.ring = new IdRing(this.maxEntries, 16);
    this.addedAt = new Float64Array(this.maxEntries);
  }

  get size(): number {
    return this.ring.size;
  }

  has(key: string, now: number): boolean {
    const slot = this.ring.find(key);
    return slot >= 0 && now - this.addedAt[slot] <= this.maxAgeMs;
  }

  /** Records `key`; returns false if it was already present (and fresh). */
  add(key: string, now: number): boolean {
    this.evictAged(now);
    const slot = this.ring.find(key);
    if (slot >= 0) {
      if (now - this.addedAt[slot] <= this.maxAgeMs) return false;
      // Stale but not at the head (the clock went back): renewed as the newest, as a Map would.
      this.ring.delete(key);
    }
    this.addedAt[this.ring.push(key)] = now;
    return true;
  }

  /** Drops the oldest entries while they are past the max age (they are in the order added). */
  private evictAged(now: number): void {
    for (let slot = this.ring.oldest(); slot >= 0; slot = this.ring.oldest()) {
      if (now - this.addedAt[slot] <= this.maxAgeMs) break;
      this.ring.dropOldest();
    }
  }
}
