/**
 * Ids of flooded messages already handled, bounded in count and age: dedup must not grow without limit
 * on a long-running node, and an id older than the max age can no longer arrive by flooding (its hop
 * budget is long spent); history sync dedups against the store instead.
 */

export interface SeenCacheOptions {
  /** @default 100_000 */
  maxEntries?: number;
  /** @default 10 minutes */
  maxAgeMs?: number;
}

export class SeenCache {
  private readonly entries = new Map<string, number>(); // insertion order = age order
  readonly maxEntries: number;
  readonly maxAgeMs: number;

  constructor(options: SeenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60 * 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string, now: number): boolean {
    const at = this.entries.get(key);
    return at !== undefined && now - at <= this.maxAgeMs;
  }

  /** Records `key`; returns false if it was already present (and fresh). */
  add(key: string, now: number): boolean {
    if (this.has(key, now)) return false;
    this.entries.delete(key);
    this.entries.set(key, now);
    this.evict(now);
    return true;
  }

  private evict(now: number): void {
    for (const [key, at] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - at <= this.maxAgeMs) break;
      this.entries.delete(key);
    }
  }
}
