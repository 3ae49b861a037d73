/**
 * An in-memory SyncStore: the reference for what HistoryStore's SQL range queries must return, and a
 * fast stand-in for property tests of reconciliation (thousands of runs, 100,000-message histories).
 * Not used by the running node. The node's native SHA-256 digests the ids (range-index.ts is the same
 * store with the hash passed in, which the browser peer uses).
 */
import { nodeSha256 } from './id-lanes.js';
import { RangeIndex, type MemoryEntry } from './range-index.js';

export type { MemoryEntry } from './range-index.js';

export class MemorySyncStore extends RangeIndex {
  constructor(entries: Iterable<MemoryEntry> = []) {
    super(nodeSha256, entries);
  }
}
