/**
 * Files (PROTOCOL.md §21): the hash tree over a file's chunks and the sealing of a direct file's chunks.
 * The tree is RFC 6962's Merkle tree (leaf = SHA-256(0x00 ‖ chunk), node = SHA-256(0x01 ‖ left ‖
 * right), split at the largest power of two below the count), so a receiver that holds the leaf hashes
 * checked against the root checks every chunk on arrival by its own hash alone.
 */
import type { CryptoProvider } from './crypto-provider.js';
import { concatBytes, utf8 } from './bytes.js';

/** Bytes of plaintext per chunk (the last chunk may be shorter). */
export const FILE_CHUNK_BYTES = 128 * 1024;
/** Most chunks a file may have: 8 GiB at 128 KiB (a have bitmap is at most 8 KiB). */
export const MAX_FILE_CHUNKS = 65536;
/** Poly1305 tag on each sealed chunk of a direct file. */
export const FILE_TAG_BYTES = 16;
/** Bytes of the per-file key a direct offer carries. */
export const FILE_KEY_BYTES = 32;

type Sha = Pick<CryptoProvider, 'sha256'>;
const LEAF_PREFIX = new Uint8Array([0]);
const NODE_PREFIX = new Uint8Array([1]);

/**
 * RFC 6962 leaf hash of one chunk. With `scratch` (at least 1 + the chunk's bytes), the prefixed chunk
 * is laid out there instead of in a new array: a receiver hashing every chunk of a 1 GiB file would
 * otherwise leave a 128 KiB array per chunk to the collector, a large share of its peak memory.
 */
export function leafHash(crypto: Sha, chunk: Uint8Array, scratch?: Uint8Array): Uint8Array {
  if (!scratch || scratch.length < chunk.length + 1) return crypto.sha256(concatBytes([LEAF_PREFIX, chunk]));
  scratch[0] = LEAF_PREFIX[0];
  scratch.set(chunk, 1);
  return crypto.sha256(scratch.subarray(0, chunk.length + 1));
}

/** RFC 6962 interior node hash. */
export function nodeHash(crypto: Sha, left: Uint8Array, right: Uint8Array): Uint8Array {
  return crypto.sha256(concatBytes([NODE_PREFIX, left, right]));
}

/** The Merkle tree hash (RFC 6962 MTH) of leaf hashes; SHA-256 of nothing for none. */
export function treeRoot(crypto: Sha, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return crypto.sha256(new Uint8Array(0));
  return subtree(crypto, leaves, 0, leaves.length);
}

function subtree(crypto: Sha, leaves: readonly Uint8Array[], from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leaves[from];
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(crypto, subtree(crypto, leaves, from, from + k), subtree(crypto, leaves, from + k, to));
}

/** Chunks of a file of `size` bytes in chunks of `chunkBytes` (0 for an empty file). */
export function chunkCount(size: number, chunkBytes = FILE_CHUNK_BYTES): number {
  return Math.ceil(size / chunkBytes);
}

const FILE_AAD = utf8('konnect/1 file');

/** The nonce of chunk `index` of a direct file: 4 zero bytes, then the index as a 64-bit big-endian. */
export function chunkNonce(index: number): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index));
  return nonce;
}

/** Seals chunk `index` of a direct file under its key: ciphertext ‖ 16-byte tag. */
export function sealChunk(
  crypto: CryptoProvider,
  key: Uint8Array,
  index: number,
  chunk: Uint8Array,
): Uint8Array {
  return crypto.chacha20Poly1305Seal(key, chunkNonce(index), chunk, FILE_AAD);
}

/** Opens a sealed chunk; throws when it does not authenticate. */
export function openChunk(
  crypto: CryptoProvider,
  key: Uint8Array,
  index: number,
  sealed: Uint8Array,
): Uint8Array {
  return crypto.chacha20Poly1305Open(key, chunkNonce(index), sealed, FILE_AAD);
}
