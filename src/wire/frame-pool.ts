/**
 * Buffers for the bodies of large frames read from a reused read buffer (FrameDecoder.pushTransient):
 * a file chunk's frame (~128 KiB) is copied into one of these, and its handler gives it back once it
 * has hashed and written the chunk (releaseFrame), so a node receiving a file at 70 MiB/s reuses a few
 * buffers instead of leaving 500 arrays of 128 KiB a second to the collector: V8 frees dead arrays
 * only after some 32 MiB of them piled up, and the daemon's peak RSS grew by that much and more
 * (bench/scenarios/files.ts). A frame nobody gives back is an ordinary array, collected as any other.
 * A node serving a file takes them too, for whole file-chunk frames it reads a chunk into
 * (file-chunk-frame.ts), and gives each back once its link has written it.
 *
 * A handler may give a frame back only when nothing it or anyone else keeps still points into it: the
 * buffer is written over by the next large frame. Taking and giving back is all there is; which buffer
 * a frame lands in changes no result.
 */
import { allocBytes } from './bytes.js';
import { MAX_CHUNK_WIRE_BYTES } from './file-messages.js';

/** A full file chunk's frame body and its fields (~80 bytes) fit in one pooled buffer. */
export const POOLED_FRAME_BYTES = MAX_CHUNK_WIRE_BYTES + 1024;
/** Frames shorter than this get a buffer of their own length: a pooled one would waste too much. */
export const MIN_POOLED_FRAME_BYTES = POOLED_FRAME_BYTES >>> 1;
/** Buffers kept free at most (the rest of those given back are left to the collector). */
const MAX_FREE = 8;

const free: ArrayBuffer[] = [];
const isFree = new WeakSet<ArrayBuffer>();
const ours = new WeakSet<ArrayBuffer>();

/** A body of `length` bytes for a frame being read: pooled when large, else a new array. */
export function takeFrameBody(length: number): Uint8Array {
  if (length < MIN_POOLED_FRAME_BYTES || length > POOLED_FRAME_BYTES) return allocBytes(length);
  let buffer = free.pop();
  if (buffer) isFree.delete(buffer);
  else {
    buffer = new ArrayBuffer(POOLED_FRAME_BYTES);
    ours.add(buffer);
  }
  return new Uint8Array(buffer, 0, length);
}

/**
 * Gives back the frame that `view` (any field of a decoded message) lies in, for the next large frame
 * to be read into. Anything else (a frame not from the pool, one given back already) is left alone.
 */
export function releaseFrame(view: Uint8Array): void {
  const buffer = view.buffer as ArrayBuffer;
  if (!ours.has(buffer) || isFree.has(buffer) || free.length >= MAX_FREE) return;
  free.push(buffer);
  isFree.add(buffer);
}

/** Buffers free in the pool (for tests). */
export function freeFrameBuffers(): number {
  return free.length;
}
