/**
 * The frame of a `file-chunk` answer laid out in one buffer, pooled when large (frame-pool.ts), with
 * its data left for the caller to read from disk straight into it: a holder serving a file at
 * 70 MiB/s made three arrays of 128 KiB per chunk before (the chunk read, msgpackr's output, the frame
 * copied behind its header), and V8 frees dead arrays only once some 32 MiB of them piled up, which a
 * sending daemon's peak RSS showed (bench/scenarios/files.ts). The bytes are those `encodeFrame` makes
 * of {kind, root, index, data}, in that order (tests/unit/wire-file-chunk-frame.test.ts).
 *
 * The frame is the caller's until the link has written it; then releaseFrame(frame) gives the buffer
 * back for the next one (Link.sendFrame's `written` callback).
 */
import { FRAME_HEADER_BYTES } from './constants.js';
import { WireError } from './errors.js';
import { concatBytes, utf8 } from './bytes.js';
import { MAX_CHUNK_WIRE_BYTES, FILE_ROOT_BYTES } from './file-messages.js';
import { MAX_FILE_CHUNKS } from './file-tree.js';
import { takeFrameBody } from './frame-pool.js';

/** A fixstr key (all of them are under 32 bytes). */
const key = (name: string) => concatBytes([Uint8Array.of(0xa0 | name.length), utf8(name)]);

/** A map of 4 as map16 (how msgpackr writes every object), then kind: 'file-chunk' and root's key. */
const HEAD = concatBytes([
  Uint8Array.of(0xde, 0, 4),
  key('kind'),
  key('file-chunk'),
  key('root'),
  Uint8Array.of(0xc4, FILE_ROOT_BYTES),
]);
const INDEX_KEY = key('index');
const DATA_KEY = key('data');

export interface FileChunkFrame {
  /** The whole frame, length prefix first: what Link.sendFrame takes. */
  frame: Uint8Array;
  /** Where the chunk's bytes go (a view into `frame`): the caller fills every byte of it. */
  data: Uint8Array;
}

/** Bytes of a MessagePack unsigned integer (msgpackr's smallest form). */
function uintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

/** Bytes of a MessagePack bin header for `length` bytes. */
function binHeaderBytes(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

/** `value` as `bytes` big-endian bytes at `at`. */
function writeBigEndian(target: Uint8Array, at: number, value: number, bytes: number): void {
  for (let i = bytes - 1; i >= 0; i--) {
    target[at + i] = value & 0xff;
    value = Math.floor(value / 256);
  }
}

/**
 * The frame of chunk `index` of the file named by `root`, `length` bytes long, all but its data
 * written. Checks what the schema checks on receipt, so it never lays out a frame a peer would refuse.
 */
export function fileChunkFrame(root: Uint8Array, index: number, length: number): FileChunkFrame {
  if (root.length !== FILE_ROOT_BYTES) throw new WireError('SCHEMA_INVALID', 'file-chunk.root: 32 bytes');
  if (!Number.isInteger(index) || index < 0 || index >= MAX_FILE_CHUNKS) {
    throw new WireError('SCHEMA_INVALID', `file-chunk.index: an integer below ${MAX_FILE_CHUNKS}`);
  }
  if (!Number.isInteger(length) || length < 0 || length > MAX_CHUNK_WIRE_BYTES) {
    throw new WireError('SCHEMA_INVALID', `file-chunk.data: 0 to ${MAX_CHUNK_WIRE_BYTES} bytes`);
  }
  const indexBytes = uintBytes(index);
  const binBytes = binHeaderBytes(length);
  const fields = HEAD.length + FILE_ROOT_BYTES + INDEX_KEY.length + indexBytes + DATA_KEY.length + binBytes;
  const body = fields + length;
  const frame = takeFrameBody(FRAME_HEADER_BYTES + body);
  writeBigEndian(frame, 0, body, FRAME_HEADER_BYTES);
  let at = FRAME_HEADER_BYTES;
  frame.set(HEAD, at);
  at += HEAD.length;
  frame.set(root, at);
  at += FILE_ROOT_BYTES;
  frame.set(INDEX_KEY, at);
  at += INDEX_KEY.length;
  if (indexBytes === 1) frame[at] = index;
  else {
    frame[at] = indexBytes === 2 ? 0xcc : indexBytes === 3 ? 0xcd : 0xce;
    writeBigEndian(frame, at + 1, index, indexBytes - 1);
  }
  at += indexBytes;
  frame.set(DATA_KEY, at);
  at += DATA_KEY.length;
  frame[at] = binBytes === 2 ? 0xc4 : binBytes === 3 ? 0xc5 : 0xc6;
  writeBigEndian(frame, at + 1, length, binBytes - 1);
  at += binBytes;
  return { frame, data: frame.subarray(at, at + length) };
}
