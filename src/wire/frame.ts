/**
 * Framing: a 4-byte big-endian body length, then the MessagePack body. `encodeFrame` returns one buffer
 * so a link writes a frame in one call (a split header/body write costs ~40 ms under Nagle).
 * `FrameDecoder` accepts any chunking and refuses an oversized length before allocating anything.
 */
import {
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  MAX_HOPS,
  MAX_PAYLOAD_BYTES,
  MESSAGE_ID_BYTES,
  SIGNATURE_BYTES,
} from './constants.js';
import { WireError } from './errors.js';
import { allocBytes, concatBytes, utf8 } from './bytes.js';
import { packValue, unpackValue } from './codec.js';
import { takeFrameBody } from './frame-pool.js';
import { type LinkMessage, parseLinkMessage } from './messages.js';

/** Encodes any value as one frame. Throws FRAME_TOO_LARGE if the body exceeds `maxFrameBytes`. */
export function encodeFrame(message: unknown, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const body = packValue(message);
  if (body.length > maxFrameBytes) {
    throw new WireError('FRAME_TOO_LARGE', `frame body of ${body.length} bytes exceeds ${maxFrameBytes}`);
  }
  const frame = allocBytes(FRAME_HEADER_BYTES + body.length);
  writeUint32(frame, 0, body.length);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** The 4 big-endian bytes at `at` as a number. */
function readUint32(source: Uint8Array, at: number): number {
  return source[at] * 0x1000000 + ((source[at + 1] << 16) | (source[at + 2] << 8) | source[at + 3]);
}

/** `value` as 4 big-endian bytes at `at`; returns the offset after them. */
function writeUint32(target: Uint8Array, at: number, value: number): number {
  target[at] = value >>> 24;
  target[at + 1] = value >>> 16;
  target[at + 2] = value >>> 8;
  target[at + 3] = value;
  return at + 4;
}

const FLOOD_KEYS = {
  kind: concatBytes([Uint8Array.of(0xa4), utf8('kind'), Uint8Array.of(0xa5), utf8('flood')]),
  id: concatBytes([Uint8Array.of(0xa2), utf8('id'), Uint8Array.of(0xc4, MESSAGE_ID_BYTES)]),
  hops: concatBytes([Uint8Array.of(0xa4), utf8('hops')]),
  payload: concatBytes([Uint8Array.of(0xa7), utf8('payload')]),
  sig: concatBytes([Uint8Array.of(0xa3), utf8('sig'), Uint8Array.of(0xc4, SIGNATURE_BYTES)]),
};

/** `part` copied into `target` at `at`; returns its length. */
function put(target: Uint8Array, at: number, part: Uint8Array): number {
  target.set(part, at);
  return part.length;
}

/**
 * The frame of a `flood` message, byte for byte what `encodeFrame` makes of {kind, id, hops, payload,
 * sig}, written straight into one buffer. Every relay makes one per message it forwards; the generic
 * path (normalise, pack, copy behind a header) allocated several times that. Checks what the schema
 * checks on receipt, so it never writes a frame a peer would refuse.
 */
export function encodeFloodFrame(
  id: Uint8Array,
  hops: number,
  payload: Uint8Array,
  sig: Uint8Array,
): Uint8Array {
  if (id.length !== MESSAGE_ID_BYTES || sig.length !== SIGNATURE_BYTES) {
    throw new WireError('SCHEMA_INVALID', 'flood: an id of 16 bytes and a signature of 64');
  }
  if (!Number.isInteger(hops) || hops < 0 || hops > MAX_HOPS) {
    throw new WireError('SCHEMA_INVALID', `flood.hops: expected an integer from 0 to ${MAX_HOPS}`);
  }
  if (payload.length < 1 || payload.length > MAX_PAYLOAD_BYTES) {
    throw new WireError('SCHEMA_INVALID', `flood.payload: expected 1 to ${MAX_PAYLOAD_BYTES} bytes`);
  }
  const k = FLOOD_KEYS;
  const binHeader = payload.length < 0x100 ? 2 : 3; // bin8 or bin16 (MAX_PAYLOAD_BYTES < 64 KiB)
  const body = 3 + k.kind.length + k.id.length + id.length + k.hops.length + 1 + k.payload.length + binHeader;
  const length = body + payload.length + k.sig.length + sig.length;
  const frame = allocBytes(FRAME_HEADER_BYTES + length);
  let at = writeUint32(frame, 0, length);
  // A map of 5 as map16, which is how msgpackr writes every object (before it knows the key count).
  frame[at++] = 0xde;
  frame[at++] = 0;
  frame[at++] = 5;
  at += put(frame, at, k.kind);
  at += put(frame, at, k.id);
  frame.set(id, at);
  at += id.length;
  at += put(frame, at, k.hops);
  frame[at++] = hops; // a positive fixint: MAX_HOPS < 128
  at += put(frame, at, k.payload);
  if (binHeader === 2) {
    frame[at++] = 0xc4;
    frame[at++] = payload.length;
  } else {
    frame[at++] = 0xc5;
    frame[at++] = payload.length >>> 8;
    frame[at++] = payload.length & 0xff;
  }
  frame.set(payload, at);
  at += payload.length;
  at += put(frame, at, k.sig);
  frame.set(sig, at);
  return frame;
}

/**
 * Chunks held at most before they are copied into one. A peer sending a frame a byte per TCP segment
 * would otherwise make the decoder hold an array object per byte (~100 B each) and shift through them
 * all: a 256 KiB frame in one-byte chunks took 21 s of event loop, before this cap (found by review).
 */
const MAX_CHUNKS_HELD = 256;

export interface FrameDecoderOptions<T> {
  /** @default DEFAULT_MAX_FRAME_BYTES (256 KiB) */
  maxFrameBytes?: number;
  /** Turns a decoded value into a message; null drops it (unknown kind). @default parseLinkMessage */
  parse?: (value: unknown) => T | null;
}

/**
 * Stateful decoder of a byte stream into messages. After it throws, the stream is out of step and the
 * link must be closed; further pushes throw the same error.
 */
export class FrameDecoder<T = LinkMessage> {
  readonly maxFrameBytes: number;
  private readonly parse: (value: unknown) => T | null;
  /** Chunks received and not yet consumed; the first one from `offset` on. */
  private chunks: Uint8Array[] = [];
  private offset = 0;
  private buffered = 0;
  /** pushTransient's frame being read: its header bytes so far, then its body as it fills. */
  private readonly head = new Uint8Array(FRAME_HEADER_BYTES);
  private headFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private failed: WireError | undefined;
  /** Well-formed frames of unknown kinds that were dropped. */
  ignored = 0;

  constructor(options: FrameDecoderOptions<T> = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.parse = options.parse ?? (parseLinkMessage as (value: unknown) => T | null);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buffered + this.headFilled + (this.body ? FRAME_HEADER_BYTES + this.bodyFilled : 0);
  }

  push(chunk: Uint8Array): T[] {
    if (this.failed) throw this.failed;
    if (this.body || this.headFilled > 0) throw new Error('FrameDecoder: push after pushTransient');
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.chunks.length > MAX_CHUNKS_HELD) this.coalesce();
    }
    const out: T[] = [];
    try {
      for (;;) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const length = this.peekLength();
        this.checkLength(length);
        if (this.buffered < FRAME_HEADER_BYTES + length) break;
        this.skip(FRAME_HEADER_BYTES);
        this.decode(this.take(length), out);
      }
    } catch (err) {
      this.fail(err);
    }
    return out;
  }

  /**
   * As push, for bytes written over once this returns (a socket's reused read buffer, node:net's
   * onread): each frame is copied out of `chunk` as it arrives, a large one into a pooled buffer
   * (frame-pool.ts), so no message points into `chunk` and no read leaves an array to the collector.
   * A frame's body is taken when its header arrives (at most maxFrameBytes). A decoder is fed by push
   * or by pushTransient, never both.
   */
  pushTransient(chunk: Uint8Array): T[] {
    if (this.failed) throw this.failed;
    if (this.chunks.length > 0) throw new Error('FrameDecoder: pushTransient after push');
    const out: T[] = [];
    try {
      let at = 0;
      while (at < chunk.length) {
        if (!this.body) {
          let length: number;
          if (this.headFilled === 0 && chunk.length - at >= FRAME_HEADER_BYTES) {
            length = readUint32(chunk, at);
            at += FRAME_HEADER_BYTES;
          } else {
            const n = Math.min(FRAME_HEADER_BYTES - this.headFilled, chunk.length - at);
            this.head.set(chunk.subarray(at, at + n), this.headFilled);
            this.headFilled += n;
            at += n;
            if (this.headFilled < FRAME_HEADER_BYTES) break;
            this.headFilled = 0;
            length = readUint32(this.head, 0);
          }
          this.checkLength(length);
          this.body = takeFrameBody(length);
          this.bodyFilled = 0;
        }
        const n = Math.min(this.body.length - this.bodyFilled, chunk.length - at);
        this.body.set(chunk.subarray(at, at + n), this.bodyFilled);
        this.bodyFilled += n;
        at += n;
        if (this.bodyFilled < this.body.length) break;
        const frame = this.body;
        this.body = null;
        this.decode(frame, out);
      }
    } catch (err) {
      this.fail(err);
    }
    return out;
  }

  private checkLength(length: number): void {
    if (length > this.maxFrameBytes) {
      throw new WireError(
        'FRAME_TOO_LARGE',
        `frame declares ${length} bytes, the limit is ${this.maxFrameBytes}`,
      );
    }
    if (length === 0) throw new WireError('FRAME_MALFORMED', 'frame declares an empty body');
  }

  private decode(frame: Uint8Array, out: T[]): void {
    const message = this.parse(unpackValue(frame));
    if (message === null) this.ignored++;
    else out.push(message);
  }

  private fail(err: unknown): never {
    this.failed =
      err instanceof WireError ? err : new WireError('SCHEMA_INVALID', String(err), { cause: err });
    this.chunks = [];
    this.offset = 0;
    this.buffered = 0;
    this.body = null;
    this.headFilled = 0;
    throw this.failed;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first.length - this.offset >= FRAME_HEADER_BYTES) {
      return readUint32(first, this.offset);
    }
    let length = 0;
    let read = 0;
    for (let c = 0, at = this.offset; read < FRAME_HEADER_BYTES; c++, at = 0) {
      const chunk = this.chunks[c];
      for (; at < chunk.length && read < FRAME_HEADER_BYTES; at++, read++) length = length * 256 + chunk[at];
    }
    return length;
  }

  /** Copies every byte held into one chunk. */
  private coalesce(): void {
    const all = allocBytes(this.buffered);
    let at = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = c === 0 ? this.chunks[c].subarray(this.offset) : this.chunks[c];
      all.set(chunk, at);
      at += chunk.length;
    }
    this.chunks = [all];
    this.offset = 0;
  }

  /** Drops the next n buffered bytes (caller checked they are there). */
  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const left = this.chunks[0].length - this.offset;
      if (left > n) {
        this.offset += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  /**
   * Removes and returns the next n buffered bytes (caller checked they are there): a view of the chunk
   * when the bytes lie in one, which is the usual case, else a copy.
   */
  private take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.skip(n);
      return out;
    }
    const out = allocBytes(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0];
      const used = Math.min(c.length - this.offset, n - filled);
      out.set(c.subarray(this.offset, this.offset + used), filled);
      filled += used;
      this.skip(used);
    }
    return out;
  }
}
