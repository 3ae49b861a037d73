/**
 * The holder's side of a transfer: answers file-want from what DATA_DIR/files holds, one link at a
 * time and only while that link's send queue is under a low-water mark, so chat frames, which are
 * written at once, never wait behind more than that much file data. Requests past a bound per link
 * are answered file-none (the asker tries elsewhere).
 */
import {
  fileChunkFrame,
  fromHex,
  type FileWantMessage,
  MAX_LEAVES_PER_MESSAGE,
  releaseFrame,
  toHex,
} from '../../wire/index.js';
import type { Link } from '../links/index.js';
import type { Logger } from '../logger.js';
import type { FileStore } from './file-store.js';
import { geometry } from './file-geometry.js';

/** File frames are written to a link only while its send queue holds fewer bytes than this. */
export const FILE_LOW_WATER_BYTES = 256 * 1024;
/** Requests (chunks and leaf pages) queued per link; more are answered file-none. */
export const MAX_SERVE_QUEUE = 256;

type Request = { root: string; index: number } | { root: string; leaves: number };

export class FileServer {
  private readonly queues = new Map<Link, Request[]>();
  /** Bytes of chunks this node sent, since start (the benchmark reads it). */
  uploadedBytes = 0;

  constructor(
    private readonly store: FileStore,
    private readonly logger: Logger,
  ) {}

  linkUp(link: Link): void {
    link.on('drain', () => this.pump(link));
  }

  linkDown(link: Link): void {
    this.queues.delete(link);
  }

  want(link: Link, message: FileWantMessage): void {
    const root = toHex(message.root);
    const record = this.store.get(root);
    const queue = this.queues.get(link) ?? [];
    this.queues.set(link, queue);
    const none: number[] = [];
    for (const index of message.chunks) {
      if (
        !record ||
        index >= record.count ||
        !this.store.holds(root, index) ||
        queue.length >= MAX_SERVE_QUEUE
      )
        none.push(index);
      else queue.push({ root, index });
    }
    let noLeaves = false;
    if (message.leaves !== undefined) {
      if (record && queue.length < MAX_SERVE_QUEUE && this.store.leaves(root))
        queue.push({ root, leaves: message.leaves });
      else noLeaves = true;
    }
    if (none.length > 0 || noLeaves)
      link.send({ kind: 'file-none', root: message.root, chunks: none, leaves: noLeaves || undefined });
    this.pump(link);
  }

  /** Writes queued answers while the link's queue is under the low-water mark. */
  pump(link: Link): void {
    const queue = this.queues.get(link);
    while (queue && queue.length > 0 && link.queuedBytes < FILE_LOW_WATER_BYTES) {
      const request = queue.shift()!;
      if (!this.answer(link, request)) return;
    }
  }

  private answer(link: Link, request: Request): boolean {
    const record = this.store.get(request.root);
    const root = fromHex(request.root);
    if ('leaves' in request) {
      const leaves = this.store.leaves(request.root) ?? [];
      const hashes = leaves.slice(request.leaves, request.leaves + MAX_LEAVES_PER_MESSAGE);
      return link.send({ kind: 'file-leaves', root, from: request.leaves, hashes });
    }
    if (!record || !this.store.holds(request.root, request.index))
      return link.send({ kind: 'file-none', root, chunks: [request.index] });
    const shape = geometry(record);
    // The chunk is read from disk straight into its frame, a pooled buffer (file-chunk-frame.ts),
    // given back once the link has written it: no array per chunk is left to the collector.
    const { frame, data } = fileChunkFrame(root, request.index, shape.length(request.index));
    try {
      this.store.readChunk(request.root, shape.offset(request.index), data.length, data);
    } catch (err) {
      releaseFrame(frame);
      this.logger.warn(`could not read a chunk of ${record.name}: ${(err as Error).message}`);
      return link.send({ kind: 'file-none', root, chunks: [request.index] });
    }
    this.uploadedBytes += data.length;
    return link.sendFrame(frame, () => releaseFrame(frame));
  }
}
