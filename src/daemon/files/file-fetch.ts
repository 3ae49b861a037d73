/**
 * The receiver's side of a transfer, for every file being fetched: asks every neighbour that says it
 * holds chunks (swarming), at most MAX_REQUESTS_PER_PEER chunks at a time from each (which bounds the
 * bytes in flight per link), checks each chunk on arrival against its leaf hash (the leaves are
 * fetched first and checked against the root), writes it to DATA_DIR/files and, every few chunks,
 * tells the neighbours what it now holds so they can fetch from it too. A chunk that fails its hash
 * is dropped, asked of another holder, and counted against the link that sent it.
 */
import {
  equalBytes,
  type FileChunkMessage,
  type FileHaveMessage,
  type FileLeavesMessage,
  type FileNoneMessage,
  fromHex,
  leafHash,
  MAX_CHUNK_WIRE_BYTES,
  type CryptoProvider,
  toHex,
  treeRoot,
} from '../../wire/index.js';
import type { Clock } from '../../clock/index.js';
import type { Link } from '../links/index.js';
import type { Logger } from '../logger.js';
import { type FileStore, hasBit } from './file-store.js';
import { geometry, type Geometry } from './file-geometry.js';

/** Chunks asked of one neighbour at a time, per file: 4 × 128 KiB in flight per link. */
export const MAX_REQUESTS_PER_PEER = 4;
/** A request not answered in this long is asked elsewhere. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Chunks that fail their hash before a neighbour is no longer asked for this file. */
export const MAX_BAD_CHUNKS_PER_PEER = 3;
/** Holders hear what a fetching node holds every this many chunks. */
const HAVE_EVERY_CHUNKS = 8;

interface Fetch {
  root: string;
  shape: Geometry;
  leaves: Uint8Array[] | null;
  /** Leaf pages gathered so far, while the leaves are fetched. */
  leafPages: Uint8Array[];
  leavesAsked: { link: Link; at: number } | null;
  holders: Map<Link, Uint8Array>;
  inflight: Map<number, { link: Link; at: number }>;
  perLink: Map<Link, number>;
  /** Neighbours that sent a chunk failing its hash, by node id, with how many. */
  liars: Map<string, number>;
  /** Chunks fetched (and verified) since this node started the fetch. */
  fetched: number;
  sinceHave: number;
}

export interface FetchEvents {
  progress(root: string): void;
  complete(root: string): void;
}

export class FileFetcher {
  private readonly fetches = new Map<string, Fetch>();
  /** Neighbours that said they fetch a file: they hear what we hold as it grows. */
  private readonly interested = new Map<string, Set<Link>>();
  /** Chunks that failed their hash, since start, by the node that sent them. */
  readonly badChunks = new Map<string, number>();
  /** Where each chunk is laid out to be hashed (leafHash), reused for every chunk. */
  private readonly hashScratch = new Uint8Array(1 + MAX_CHUNK_WIRE_BYTES);
  /** Set when the node stops: nothing more is asked for or taken in (a restart resumes). */
  private halted = false;

  constructor(
    private readonly store: FileStore,
    private readonly crypto: CryptoProvider,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly links: () => readonly Link[],
    private readonly events: FetchEvents,
  ) {}

  isFetching(root: string): boolean {
    return this.fetches.has(root);
  }

  stats(root: string): { fetched: number; holders: number; badChunks: number } | null {
    const fetch = this.fetches.get(root);
    if (!fetch) return null;
    let bad = 0;
    for (const n of fetch.liars.values()) bad += n;
    return { fetched: fetch.fetched, holders: fetch.holders.size, badChunks: bad };
  }

  /** Starts (or resumes) fetching a file whose record is in the store. */
  start(root: string): void {
    if (this.fetches.has(root)) return;
    const record = this.store.get(root);
    if (!record) return;
    const fetch: Fetch = {
      root,
      shape: geometry(record),
      leaves: this.store.leaves(root),
      leafPages: [],
      leavesAsked: null,
      holders: new Map(),
      inflight: new Map(),
      perLink: new Map(),
      liars: new Map(),
      fetched: 0,
      sinceHave: 0,
    };
    this.fetches.set(root, fetch);
    if (this.done(fetch)) return;
    for (const link of this.links()) this.announce(link, root, true);
  }

  stop(root: string): void {
    this.fetches.delete(root);
  }

  linkUp(link: Link): void {
    for (const root of this.fetches.keys()) this.announce(link, root, true);
  }

  linkDown(link: Link): void {
    for (const set of this.interested.values()) set.delete(link);
    for (const fetch of this.fetches.values()) {
      fetch.holders.delete(link);
      fetch.perLink.delete(link);
      for (const [index, asked] of fetch.inflight) if (asked.link === link) fetch.inflight.delete(index);
      if (fetch.leavesAsked?.link === link) fetch.leavesAsked = null;
      this.pump(fetch);
    }
  }

  /** Once a second: requests unanswered too long are asked elsewhere. */
  tick(): void {
    const now = this.clock.now();
    for (const fetch of this.fetches.values()) {
      let expired = false;
      for (const [index, asked] of fetch.inflight) {
        if (now - asked.at < REQUEST_TIMEOUT_MS) continue;
        fetch.inflight.delete(index);
        fetch.perLink.set(asked.link, Math.max(0, (fetch.perLink.get(asked.link) ?? 1) - 1));
        expired = true;
      }
      if (fetch.leavesAsked && now - fetch.leavesAsked.at >= REQUEST_TIMEOUT_MS) {
        fetch.leavesAsked = null;
        expired = true;
      }
      if (expired) this.pump(fetch);
    }
  }

  /** Tells a neighbour what this node holds of a file (and, with `want`, that it fetches it). */
  announce(link: Link, root: string, want: boolean): void {
    const record = this.store.get(root);
    if (!record) return;
    link.send({
      kind: 'file-have',
      root: fromHex(root),
      bits: this.store.bitmap(root),
      want: want || undefined,
    });
  }

  have(link: Link, message: FileHaveMessage): void {
    const root = toHex(message.root);
    const record = this.store.get(root);
    if (message.want && record) {
      const set = this.interested.get(root) ?? new Set();
      this.interested.set(root, set);
      // Answered once per link, so two fetching nodes do not answer each other forever.
      if (!set.has(link)) {
        set.add(link);
        this.announce(link, root, this.fetches.has(root));
      }
    }
    const fetch = this.fetches.get(root);
    if (!fetch || (fetch.liars.get(link.remoteIdHex!) ?? 0) >= MAX_BAD_CHUNKS_PER_PEER) return;
    fetch.holders.set(link, new Uint8Array(message.bits));
    this.pump(fetch);
  }

  leavesArrived(link: Link, message: FileLeavesMessage): void {
    const fetch = this.fetches.get(toHex(message.root));
    if (!fetch || fetch.leaves || fetch.leavesAsked?.link !== link) return;
    if (message.from !== fetch.leafPages.length || message.hashes.length === 0) {
      this.lied(fetch, link, 'leaves out of order');
      return;
    }
    fetch.leafPages.push(...message.hashes.map((h) => new Uint8Array(h)));
    fetch.leavesAsked = null;
    if (fetch.leafPages.length >= fetch.shape.count) {
      const leaves = fetch.leafPages.slice(0, fetch.shape.count);
      fetch.leafPages = [];
      if (!equalBytes(treeRoot(this.crypto, leaves), fromHex(fetch.root))) {
        this.lied(fetch, link, 'leaves do not match the root');
        return;
      }
      this.store.saveLeaves(fetch.root, leaves);
      fetch.leaves = leaves;
    }
    this.pump(fetch);
  }

  /** The node is stopping: ask for nothing more and take in nothing more. */
  halt(): void {
    this.halted = true;
  }

  chunk(link: Link, message: FileChunkMessage): void {
    if (this.halted) return;
    const fetch = this.fetches.get(toHex(message.root));
    if (!fetch || !fetch.leaves) return;
    const asked = fetch.inflight.get(message.index);
    if (!asked || asked.link !== link) return; // not asked of it, or asked again elsewhere since
    fetch.inflight.delete(message.index);
    fetch.perLink.set(link, Math.max(0, (fetch.perLink.get(link) ?? 1) - 1));
    const { index, data } = message;
    if (
      data.length !== fetch.shape.length(index) ||
      !equalBytes(leafHash(this.crypto, data, this.hashScratch), fetch.leaves[index])
    ) {
      const bits = fetch.holders.get(link);
      if (bits) bits[index >> 3] &= ~(0x80 >> (index & 7));
      this.lied(fetch, link, `chunk ${index} does not match its hash`);
      return;
    }
    fetch.fetched++; // every chunk that came, even one held already: what a resume must not repeat
    if (!this.store.holds(fetch.root, index)) {
      this.store.writeChunk(fetch.root, index, fetch.shape.offset(index), data);
      fetch.sinceHave++;
    }
    if (this.done(fetch)) return;
    if (fetch.sinceHave >= HAVE_EVERY_CHUNKS) {
      fetch.sinceHave = 0;
      for (const other of this.interested.get(fetch.root) ?? []) this.announce(other, fetch.root, true);
    }
    this.events.progress(fetch.root);
    this.pump(fetch);
  }

  none(link: Link, message: FileNoneMessage): void {
    const fetch = this.fetches.get(toHex(message.root));
    if (!fetch) return;
    const bits = fetch.holders.get(link);
    for (const index of message.chunks) {
      if (bits) bits[index >> 3] &= ~(0x80 >> (index & 7));
      if (fetch.inflight.get(index)?.link === link) {
        fetch.inflight.delete(index);
        fetch.perLink.set(link, Math.max(0, (fetch.perLink.get(link) ?? 1) - 1));
      }
    }
    if (message.leaves && fetch.leavesAsked?.link === link) {
      fetch.leavesAsked = null;
      fetch.holders.delete(link); // it cannot help before it has the leaves itself
    }
    this.pump(fetch);
  }

  private done(fetch: Fetch): boolean {
    if (this.store.heldCount(fetch.root) < fetch.shape.count) return false;
    this.fetches.delete(fetch.root);
    for (const other of this.interested.get(fetch.root) ?? []) this.announce(other, fetch.root, false);
    this.events.complete(fetch.root);
    return true;
  }

  private lied(fetch: Fetch, link: Link, what: string): void {
    const peer = link.remoteIdHex!;
    fetch.liars.set(peer, (fetch.liars.get(peer) ?? 0) + 1);
    this.badChunks.set(peer, (this.badChunks.get(peer) ?? 0) + 1);
    link.badMessages++;
    this.logger.warn(`a neighbour sent a bad part of a file: ${what}`, { from: link.label });
    if ((fetch.liars.get(peer) ?? 0) >= MAX_BAD_CHUNKS_PER_PEER) fetch.holders.delete(link);
    if (fetch.leavesAsked?.link === link) {
      fetch.leavesAsked = null;
      fetch.leafPages = [];
    }
    this.pump(fetch);
  }

  /** Asks each holder for what it has that we lack, up to its share. */
  private pump(fetch: Fetch): void {
    if (this.halted) return;
    const now = this.clock.now();
    if (!fetch.leaves) {
      if (fetch.leavesAsked) return;
      const holders = [...fetch.holders.keys()];
      if (holders.length === 0) return;
      const link = holders[Math.floor(Math.random() * holders.length)];
      fetch.leavesAsked = { link, at: now };
      link.send({ kind: 'file-want', root: fromHex(fetch.root), chunks: [], leaves: fetch.leafPages.length });
      return;
    }
    const count = fetch.shape.count;
    for (const [link, bits] of fetch.holders) {
      const free = MAX_REQUESTS_PER_PEER - (fetch.perLink.get(link) ?? 0);
      if (free <= 0) continue;
      const asks: number[] = [];
      // From a random place, so fetchers take different chunks first and can trade them.
      const start = Math.floor(Math.random() * count);
      for (let step = 0; step < count && asks.length < free; step++) {
        const index = (start + step) % count;
        if (!hasBit(bits, index) || fetch.inflight.has(index) || this.store.holds(fetch.root, index))
          continue;
        asks.push(index);
        fetch.inflight.set(index, { link, at: now });
      }
      if (asks.length === 0) continue;
      fetch.perLink.set(link, (fetch.perLink.get(link) ?? 0) + asks.length);
      link.send({ kind: 'file-want', root: fromHex(fetch.root), chunks: asks });
    }
  }
}
