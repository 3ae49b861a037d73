/**
 * Files (PROTOCOL.md §21) on the wire: the `file` payload that offers a file to a room or (sealed) to
 * one node, the plaintext inside a direct offer, and the five link messages one hop apart that move
 * its chunks (file-have, file-want, file-chunk, file-leaves, file-none).
 */
import * as C from './constants.js';
import { packValue, unpackValue } from './codec.js';
import { FILE_CHUNK_BYTES, FILE_KEY_BYTES, FILE_TAG_BYTES, MAX_FILE_CHUNKS } from './file-tree.js';
import { bool, bytes, list, object, optional, text, uint } from './schema.js';

type Bytes = Uint8Array;

/** Bytes of a root (SHA-256). */
export const FILE_ROOT_BYTES = 32;
/** Longest file name in an offer, in characters. */
export const MAX_FILE_NAME_CHARS = 255;
/** Longest media type in an offer. */
export const MAX_FILE_TYPE_CHARS = 127;
/** Chunk indexes in one file-want or file-none. */
export const MAX_WANT_CHUNKS = 64;
/** Leaf hashes in one file-leaves. */
export const MAX_LEAVES_PER_MESSAGE = 4096;
/** Largest chunk on the wire: a full chunk and, for a direct file, its tag. */
export const MAX_CHUNK_WIRE_BYTES = FILE_CHUNK_BYTES + FILE_TAG_BYTES;

/** What an offer says of a file (in the clear for a room, inside the box for a direct one). */
export interface FileDescription {
  nick: string;
  /** As the sender named it: never used as a path by a receiver (safe-name.ts). */
  name: string;
  /** Plaintext bytes. */
  size: number;
  /** Media type, or '' when unknown. */
  type: string;
  /** Plaintext bytes per chunk: FILE_CHUNK_BYTES in this version. */
  chunk: number;
  /** Root of the hash tree over the chunks as they travel (sealed ones for a direct file). */
  root: Bytes;
}

/** A file offered to a room, or (with `to` and `box`) to one node. */
export interface FilePayload {
  kind: 'file';
  id: Bytes;
  from: Bytes;
  ts: number;
  room?: string;
  nick?: string;
  name?: string;
  size?: number;
  type?: string;
  chunk?: number;
  root?: Bytes;
  to?: Bytes;
  box?: Bytes;
}

/** Inside a direct offer's box: the description and the key its chunks are sealed with. */
export interface FilePlaintext extends FileDescription {
  key: Bytes;
}

// As in messages.ts, which imports this file (so these cannot come from there).
const nickCheck = text(C.MAX_NICK_CHARS, { pattern: C.NICK_PATTERN, min: 1 });
const roomCheck = text(C.MAX_ROOM_CHARS, { pattern: C.ROOM_PATTERN, min: 1 });
const root = bytes(FILE_ROOT_BYTES);
const fileName = text(MAX_FILE_NAME_CHARS, { min: 1 });
const fileType = text(MAX_FILE_TYPE_CHARS);
const chunkSize = uint(FILE_CHUNK_BYTES);

export const FILE_PAYLOAD_SCHEMA = object({
  id: bytes(C.MESSAGE_ID_BYTES),
  from: bytes(C.NODE_ID_BYTES),
  ts: uint(),
  room: optional(roomCheck),
  nick: optional(nickCheck),
  name: optional(fileName),
  size: optional(uint()),
  type: optional(fileType),
  chunk: optional(chunkSize),
  root: optional(root),
  to: optional(bytes(C.NODE_ID_BYTES)),
  box: optional(bytes(1, C.MAX_BOX_BYTES)),
});

const filePlaintext = object({
  nick: nickCheck,
  name: fileName,
  size: uint(),
  type: fileType,
  chunk: chunkSize,
  root,
  key: bytes(FILE_KEY_BYTES),
});

export function encodeFilePlaintext(plain: FilePlaintext): Uint8Array {
  filePlaintext(plain, 'file-plaintext');
  return packValue(plain);
}

export function decodeFilePlaintext(plainBytes: Uint8Array): FilePlaintext {
  return filePlaintext(unpackValue(plainBytes), 'file-plaintext') as FilePlaintext;
}

/** Which chunks the sender holds (bit i of byte i>>3, most significant first); `want`: it fetches too. */
export interface FileHaveMessage {
  kind: 'file-have';
  root: Bytes;
  bits: Bytes;
  want?: boolean;
}
/** Send me these chunks, and (with `leaves`) the leaf hashes from that index on. */
export interface FileWantMessage {
  kind: 'file-want';
  root: Bytes;
  chunks: number[];
  leaves?: number;
}
export interface FileChunkMessage {
  kind: 'file-chunk';
  root: Bytes;
  index: number;
  data: Bytes;
}
export interface FileLeavesMessage {
  kind: 'file-leaves';
  root: Bytes;
  from: number;
  hashes: Bytes[];
}
/** The sender does not hold these chunks (or, with `leaves`, the leaf hashes). */
export interface FileNoneMessage {
  kind: 'file-none';
  root: Bytes;
  chunks: number[];
  leaves?: boolean;
}

export type FileLinkMessage =
  FileHaveMessage | FileWantMessage | FileChunkMessage | FileLeavesMessage | FileNoneMessage;

const index = uint(MAX_FILE_CHUNKS - 1);
const indexes = list(index, MAX_WANT_CHUNKS);

export const FILE_LINK_SCHEMAS = {
  'file-have': object({ root, bits: bytes(0, MAX_FILE_CHUNKS / 8), want: optional(bool) }),
  'file-want': object({ root, chunks: indexes, leaves: optional(index) }),
  'file-chunk': object({ root, index, data: bytes(0, MAX_CHUNK_WIRE_BYTES) }),
  'file-leaves': object({ root, from: index, hashes: list(bytes(32), MAX_LEAVES_PER_MESSAGE) }),
  'file-none': object({ root, chunks: indexes, leaves: optional(bool) }),
};
