/**
 * One file fetched by the page (PROTOCOL.md §21.3) over its one link, from the node that served it:
 * the page says it fetches (`file-have` with `want`), asks the leaf hashes and checks them against the
 * root, then asks the chunks the node says it holds, a few at a time, and checks each against its leaf
 * hash as it arrives. Chunks are held in memory (the page bounds the file's size before it starts), so
 * a link that drops and comes back resumes with what is held; a reload starts again.
 */
import {
  equalBytes,
  type FileChunkMessage,
  type FileLeavesMessage,
  type FileNoneMessage,
  fromHex,
  type LinkMessage,
  leafHash,
  type CryptoProvider,
  FILE_TAG_BYTES,
  treeRoot,
  WireError,
} from '../../wire/index.js';
import type { PageFileRecord } from './page-file-offer.js';

/** Chunks asked of the node at a time (4 × 128 KiB is a node's share per peer; the page has one). */
export const PAGE_CHUNKS_IN_FLIGHT = 8;
/** A request unanswered this long is asked again. */
export const PAGE_REQUEST_TIMEOUT_MS = 30_000;
/** After the node says it has no leaves yet (it may be fetching the file itself), ask again after this. */
const LEAVES_RETRY_MS = 2_000;

type Send = (message: LinkMessage) => boolean;

export class PageFetch {
  leaves: Uint8Array[] | null = null;
  private leafPages: Uint8Array[] = [];
  private leavesAsked: number | null = null;
  private retryAt = 0;
  private holderBits: Uint8Array | null = null;
  private readonly chunks: (Uint8Array | undefined)[];
  held = 0;
  /** Times the node said it has no leaves (yet): it may be fetching the file, or not know it. */
  refusals = 0;
  badChunks = 0;
  private readonly inflight = new Map<number, number>();

  constructor(
    readonly record: PageFileRecord,
    private readonly crypto: CryptoProvider,
    private readonly rejected: (err: Error) => void,
  ) {
    this.chunks = new Array<Uint8Array | undefined>(record.count);
  }

  get complete(): boolean {
    return this.held === this.record.count;
  }

  /** On a (new) link: say we fetch it, and ask again for whatever was in flight on the old one. */
  start(send: Send): void {
    this.inflight.clear();
    this.leavesAsked = null;
    this.holderBits = null;
    const bits = new Uint8Array(Math.ceil(this.record.count / 8));
    this.chunks.forEach((c, i) => {
      if (c) bits[i >> 3] |= 0x80 >> (i & 7);
    });
    send({ kind: 'file-have', root: fromHex(this.record.root), bits, want: true });
    this.pump(send);
  }

  have(bits: Uint8Array, send: Send): void {
    this.holderBits = new Uint8Array(bits);
    this.pump(send);
  }

  leavesArrived(m: FileLeavesMessage, send: Send): void {
    if (this.leaves || this.leavesAsked === null) return;
    this.leavesAsked = null;
    if (m.from !== this.leafPages.length || m.hashes.length === 0)
      return this.bad('leaves out of order', send, true);
    this.leafPages.push(...m.hashes.map((h) => Uint8Array.from(h)));
    if (this.leafPages.length >= this.record.count) {
      const leaves = this.leafPages.slice(0, this.record.count);
      this.leafPages = [];
      if (!equalBytes(treeRoot(this.crypto, leaves), fromHex(this.record.root)))
        return this.bad('leaves do not match the root', send, true);
      this.leaves = leaves;
    }
    this.pump(send);
  }

  /** A chunk: true when it was new and checked. */
  chunk(m: FileChunkMessage, send: Send): boolean {
    if (!this.leaves || !this.inflight.has(m.index)) return false;
    this.inflight.delete(m.index);
    if (
      m.data.length !== this.wireLength(m.index) ||
      !equalBytes(leafHash(this.crypto, m.data), this.leaves[m.index])
    ) {
      this.bad(`chunk ${m.index} does not match its hash`, send, false);
      return false;
    }
    if (!this.chunks[m.index]) {
      this.chunks[m.index] = Uint8Array.from(m.data);
      this.held++;
    }
    if (!this.complete) this.pump(send);
    return true;
  }

  none(m: FileNoneMessage, send: Send): void {
    for (const index of m.chunks) {
      this.inflight.delete(index);
      if (this.holderBits) this.holderBits[index >> 3] &= ~(0x80 >> (index & 7));
    }
    if (m.leaves) {
      this.refusals++;
      this.leavesAsked = null;
      this.retryAt = Date.now() + LEAVES_RETRY_MS;
    }
    this.pump(send);
  }

  /** Every second or so: requests unanswered too long, or leaves to ask again. */
  tick(send: Send): void {
    const now = Date.now();
    for (const [index, at] of this.inflight)
      if (now - at >= PAGE_REQUEST_TIMEOUT_MS) this.inflight.delete(index);
    if (this.leavesAsked !== null && now - this.leavesAsked >= PAGE_REQUEST_TIMEOUT_MS)
      this.leavesAsked = null;
    this.pump(send);
  }

  /** The chunks as they travelled, in order (once complete); the holder drops them after. */
  take(): Uint8Array[] {
    return this.chunks.map((c) => c!);
  }

  private pump(send: Send): void {
    const root = fromHex(this.record.root);
    if (!this.leaves) {
      if (this.leavesAsked !== null || Date.now() < this.retryAt || this.record.count === 0) return;
      this.leavesAsked = Date.now();
      send({ kind: 'file-want', root, chunks: [], leaves: this.leafPages.length });
      return;
    }
    const asks: number[] = [];
    const bits = this.holderBits;
    for (let i = 0; i < this.record.count && this.inflight.size + asks.length < PAGE_CHUNKS_IN_FLIGHT; i++) {
      if (this.chunks[i] || this.inflight.has(i)) continue;
      if (bits && !(bits[i >> 3] & (0x80 >> (i & 7)))) continue;
      asks.push(i);
    }
    if (asks.length === 0) return;
    const now = Date.now();
    for (const i of asks) this.inflight.set(i, now);
    send({ kind: 'file-want', root, chunks: asks });
  }

  private wireLength(index: number): number {
    const { size, chunk, key } = this.record;
    return Math.min(chunk, size - index * chunk) + (key ? FILE_TAG_BYTES : 0);
  }

  private bad(what: string, send: Send, leaves: boolean): void {
    this.badChunks++;
    if (leaves) {
      this.leafPages = [];
      this.retryAt = Date.now() + LEAVES_RETRY_MS;
    }
    this.rejected(new WireError('SCHEMA_INVALID', `a bad part of ${this.record.name}: ${what}`));
    this.pump(send);
  }
}
