/**
 * The page as a holder (PROTOCOL.md §21.3): answers the node's file-want for files the page holds (its
 * own, read from the File the person gave, or one it fetched), chunk by chunk from the Blob, sealed
 * again under the offer's key for a direct file, one at a time so a large file never sits in memory
 * whole. At most MAX_SERVE_QUEUE chunk requests wait; more are answered file-none (ask elsewhere).
 */
import {
  type CryptoProvider,
  FILE_CHUNK_BYTES,
  fromHex,
  type LinkMessage,
  MAX_LEAVES_PER_MESSAGE,
  sealChunk,
  toHex,
} from '../../wire/index.js';

/** Chunk requests queued from the node; more are answered file-none. */
export const PAGE_MAX_SERVE_QUEUE = 256;

/** What the page holds of a file it can serve. */
export interface Held {
  blob: Blob;
  leaves: Uint8Array[];
  count: number;
  key?: Uint8Array;
}

type Send = (m: LinkMessage) => boolean;

export class PageServer {
  private readonly queue: { root: string; index: number }[] = [];
  private serving = false;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly held: (root: string) => Held | null,
    private readonly send: () => Send | null,
    private readonly rejected: (err: Error) => void,
  ) {}

  /** A new link: what was asked on the old one is not answered. */
  reset(): void {
    this.queue.length = 0;
  }

  want(rootBytes: Uint8Array, chunks: number[], leavesFrom: number | undefined, send: Send): void {
    const root = toHex(rootBytes);
    const file = this.held(root);
    const none = chunks.filter((i) => !file || i >= file.count || this.queue.length >= PAGE_MAX_SERVE_QUEUE);
    for (const index of chunks) if (!none.includes(index)) this.queue.push({ root, index });
    if (leavesFrom !== undefined && file) {
      const hashes = file.leaves.slice(leavesFrom, leavesFrom + MAX_LEAVES_PER_MESSAGE);
      send({ kind: 'file-leaves', root: rootBytes, from: leavesFrom, hashes });
    }
    const noLeaves = leavesFrom !== undefined && !file;
    if (none.length > 0 || noLeaves)
      send({ kind: 'file-none', root: rootBytes, chunks: none, leaves: noLeaves || undefined });
    void this.serve();
  }

  /** Answers queued chunk requests one at a time. */
  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      for (let next = this.queue.shift(); next; next = this.queue.shift()) {
        const file = this.held(next.root);
        const send = this.send();
        if (!file || !send) continue;
        const data = await travelling(this.crypto, file.blob, next.index, file.key);
        send({ kind: 'file-chunk', root: fromHex(next.root), index: next.index, data });
      }
    } catch (err) {
      this.rejected(err as Error);
    } finally {
      this.serving = false;
    }
  }
}

/** Chunk `index` of a file as it travels: its plaintext slice, sealed under `key` for a direct file. */
export async function travelling(
  crypto: CryptoProvider,
  blob: Blob,
  index: number,
  key?: Uint8Array,
): Promise<Uint8Array> {
  const start = index * FILE_CHUNK_BYTES;
  const plain = new Uint8Array(await blob.slice(start, start + FILE_CHUNK_BYTES).arrayBuffer());
  return key ? sealChunk(crypto, key, index, plain) : plain;
}
