/** The messages a node flooded lately, with how each first came: to prune and to answer grafts. */
import type { Link } from '../links/index.js';
import type { OriginKey } from './push-tree.js';

/**
 * Messages flooded in the last RECENT_MS, at most RECENT_MAX of them, with their origin and how their
 * first copy came: to prune a link that brings a duplicate, and to answer a neighbour's graft, which
 * comes within a second of the message. Older grafts are answered from the history store.
 */
const RECENT_MS = 10_000;
const RECENT_MAX = 1024;

export interface Recent {
  /** A flood frame of it (any hops): one buffer to hold, and what a graft is answered from. */
  frame: Uint8Array;
  origin: OriginKey;
  firstWasLazy: boolean;
  /** The link its first copy came on (null: written here). */
  from: Link | null;
  at: number;
}

export class RecentMessages {
  private readonly entries = new Map<string, Recent>();

  add(key: string, entry: Recent): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const [k, e] of this.entries) {
      if (this.entries.size <= RECENT_MAX && entry.at - e.at <= RECENT_MS) break;
      this.entries.delete(k);
    }
  }

  get(key: string, now: number): Recent | undefined {
    const e = this.entries.get(key);
    return e && now - e.at <= RECENT_MS ? e : undefined;
  }
}
