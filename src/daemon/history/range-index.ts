/**
 * An in-memory SyncStore over (id, scope, ts, signed bytes) entries, sorted per scope by (ts, id): the
 * reference for what HistoryStore's SQL range queries must return (MemorySyncStore), and the sync index
 * of the browser peer, which keeps its messages in IndexedDB (asynchronous) while reconciliation asks
 * its store synchronously. Loads no crypto library: the hash of the ids is passed in.
 */
import type { MessageIdStr } from '../../wire/index.js';
import {
  digestFromSums,
  idFromText,
  idLanesWith,
  isValidRange,
  rangeLast,
  type RangeDigest,
  type SignedMessage,
  type SyncStore,
} from './reconcile.js';

export interface MemoryEntry {
  id: MessageIdStr;
  scope: string;
  ts: number;
  payload: Uint8Array;
  sig: Uint8Array;
}

interface Indexed extends MemoryEntry {
  lanes: [number, number, number, number];
}

export class RangeIndex implements SyncStore {
  private readonly byId = new Map<MessageIdStr, Indexed>();
  /** Per scope, sorted by (ts, id). */
  private readonly byScope = new Map<string, Indexed[]>();

  /** `sha256` digests ids into their lanes (the node's native hash, or a page's noble one). */
  constructor(
    private readonly sha256: (data: Uint8Array) => Uint8Array,
    entries: Iterable<MemoryEntry> = [],
  ) {
    this.addMany(entries);
  }

  /** Adds one entry; false if its id is already held. */
  add(entry: MemoryEntry): boolean {
    if (this.byId.has(entry.id)) return false;
    const indexed = { ...entry, lanes: idLanesWith(this.sha256, idFromText(entry.id)) };
    this.byId.set(entry.id, indexed);
    const list = this.byScope.get(entry.scope) ?? [];
    this.byScope.set(entry.scope, list);
    list.splice(lowerBound(list, entry.ts, entry.id), 0, indexed);
    return true;
  }

  /** Adds many entries, sorting once (for large fixtures). */
  addMany(entries: Iterable<MemoryEntry>): void {
    const touched = new Set<string>();
    for (const entry of entries) {
      if (this.byId.has(entry.id)) continue;
      const indexed = { ...entry, lanes: idLanesWith(this.sha256, idFromText(entry.id)) };
      this.byId.set(entry.id, indexed);
      const list = this.byScope.get(entry.scope) ?? [];
      this.byScope.set(entry.scope, list);
      list.push(indexed);
      touched.add(entry.scope);
    }
    for (const scope of touched) this.byScope.get(scope)!.sort(compare);
  }

  /** Drops one entry (a message pruned or replaced); false if it was not held. */
  delete(id: MessageIdStr): boolean {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.byId.delete(id);
    const list = this.byScope.get(entry.scope) ?? [];
    const at = lowerBound(list, entry.ts, entry.id);
    if (list[at]?.id === id) list.splice(at, 1);
    return true;
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: MessageIdStr): boolean {
    return this.byId.has(id);
  }

  /** Ids of a scope, ordered by (ts, id). */
  ids(scope: string): MessageIdStr[] {
    return (this.byScope.get(scope) ?? []).map((e) => e.id);
  }

  rangeDigest(scope: string, from: number, to: number): RangeDigest {
    const sums = [0, 0, 0, 0];
    const slice = this.range(scope, from, to);
    for (const e of slice) for (let i = 0; i < 4; i++) sums[i] = (sums[i] + e.lanes[i]) % 2 ** 32;
    return digestFromSums(slice.length, sums);
  }

  rangeIds(scope: string, from: number, to: number): MessageIdStr[] {
    return this.range(scope, from, to).map((e) => e.id);
  }

  rangeQuantiles(scope: string, from: number, to: number, parts: number): number[] {
    const slice = this.range(scope, from, to);
    if (slice.length === 0 || parts < 2) return [];
    const step = Math.max(1, Math.ceil(slice.length / parts));
    const out: number[] = [];
    for (let i = 0; i < slice.length; i += step) out.push(slice[i].ts);
    return out;
  }

  missing(ids: MessageIdStr[]): MessageIdStr[] {
    return ids.filter((id) => !this.byId.has(id));
  }

  signedMessages(scope: string, ids: MessageIdStr[]): SignedMessage[] {
    const out: SignedMessage[] = [];
    for (const id of ids) {
      const e = this.byId.get(id);
      if (e && e.scope === scope) out.push({ id: idFromText(id), payload: e.payload, sig: e.sig });
    }
    return out;
  }

  private range(scope: string, from: number, to: number): Indexed[] {
    const list = this.byScope.get(scope);
    if (!list || !isValidRange(from, to)) return [];
    const start = lowerBound(list, from, '');
    const last = rangeLast(to);
    // Upper bound by binary search on ts alone.
    let lo = start;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid].ts <= last) lo = mid + 1;
      else hi = mid;
    }
    return list.slice(start, lo);
  }
}

function compare(a: { ts: number; id: string }, b: { ts: number; id: string }): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** First index whose (ts, id) is not below the given position. */
function lowerBound(list: Indexed[], ts: number, id: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(list[mid], { ts, id }) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
