/**
 * The hash tree over a file's chunks (PROTOCOL.md §21): RFC 6962's Merkle tree hash checked against
 * the reference vectors of Certificate Transparency's test suite (the eight leaves "", 00, 10, 2021,
 * 3031, 40414243, 5051…57, 6061…6f and the root of each prefix), the chunk count at its bounds, and the
 * sealing of a direct file's chunks (nonce layout, tamper and wrong-index detection).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import {
  chunkCount,
  chunkNonce,
  FILE_CHUNK_BYTES,
  fromHex,
  leafHash,
  MAX_FILE_CHUNKS,
  nodeHash,
  openChunk,
  sealChunk,
  toHex,
  treeRoot,
} from '../../src/wire/index.js';

const crypto = nodeCrypto;

/** Certificate Transparency's reference leaves and the tree head of each prefix (RFC 6962 §2.1). */
export const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
export const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leaves = CT_LEAVES.map((hex) => leafHash(crypto, fromHex(hex)));

describe('RFC 6962 tree hash', () => {
  it('matches the reference tree head of every prefix of the eight reference leaves', () => {
    for (let n = 0; n <= 8; n++)
      expect(toHex(treeRoot(crypto, leaves.slice(0, n))), `${n} leaves`).toBe(CT_ROOTS[n]);
  });

  it('prefixes a leaf with 0x00 and a node with 0x01 (a leaf cannot pass for a node)', () => {
    const a = fromHex('00'.repeat(32));
    const b = fromHex('11'.repeat(32));
    expect(toHex(leafHash(crypto, new Uint8Array(0)))).toBe(CT_ROOTS[1]);
    expect(toHex(nodeHash(crypto, a, b))).toBe(toHex(crypto.sha256(new Uint8Array([1, ...a, ...b]))));
    expect(toHex(leafHash(crypto, new Uint8Array([...a, ...b])))).not.toBe(toHex(nodeHash(crypto, a, b)));
  });

  it('hashes a leaf the same through a reused scratch buffer, whatever the scratch held before', () => {
    const scratch = new Uint8Array(64).fill(0xff);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (chunk) => {
        expect(toHex(leafHash(crypto, chunk, scratch))).toBe(toHex(leafHash(crypto, chunk)));
      }),
    );
  });

  it('splits at the largest power of two below the count (3 leaves: (l0 l1) l2)', () => {
    const [l0, l1, l2] = leaves;
    expect(toHex(treeRoot(crypto, [l0, l1, l2]))).toBe(toHex(nodeHash(crypto, nodeHash(crypto, l0, l1), l2)));
  });

  it('a change to any one leaf changes the root', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.nat(), (n, at) => {
        const ls = Array.from({ length: n }, (_, i) => leafHash(crypto, new Uint8Array([i, i >> 8])));
        const before = toHex(treeRoot(crypto, ls));
        const changed = [...ls];
        changed[at % n] = leafHash(crypto, new Uint8Array([0xff, 0xff, 0xff]));
        return toHex(treeRoot(crypto, changed)) !== before;
      }),
      { numRuns: 100 },
    );
  });
});

describe('chunks', () => {
  it('counts chunks of 128 KiB at and just past each boundary', () => {
    expect(FILE_CHUNK_BYTES).toBe(131072);
    expect(chunkCount(0)).toBe(0);
    expect(chunkCount(1)).toBe(1);
    expect(chunkCount(FILE_CHUNK_BYTES)).toBe(1);
    expect(chunkCount(FILE_CHUNK_BYTES + 1)).toBe(2);
    expect(chunkCount(MAX_FILE_CHUNKS * FILE_CHUNK_BYTES)).toBe(MAX_FILE_CHUNKS);
    expect(chunkCount(MAX_FILE_CHUNKS * FILE_CHUNK_BYTES + 1)).toBe(MAX_FILE_CHUNKS + 1);
  });

  it('a direct chunk nonce is 4 zero bytes and the index as 64-bit big-endian', () => {
    expect(toHex(chunkNonce(0))).toBe('000000000000000000000000');
    expect(toHex(chunkNonce(1))).toBe('000000000000000000000001');
    expect(toHex(chunkNonce(65535))).toBe('00000000000000000000ffff');
  });

  it('a sealed chunk opens under its key and index only, and not after one bit flipped', () => {
    const key = new Uint8Array(32).fill(7);
    const chunk = new TextEncoder().encode('a chunk of a direct file');
    const sealed = sealChunk(crypto, key, 3, chunk);
    expect(sealed.length).toBe(chunk.length + 16);
    expect(new TextDecoder().decode(openChunk(crypto, key, 3, sealed))).toBe('a chunk of a direct file');
    expect(() => openChunk(crypto, key, 4, sealed)).toThrow();
    expect(() => openChunk(crypto, new Uint8Array(32).fill(8), 3, sealed)).toThrow();
    const flipped = new Uint8Array(sealed);
    flipped[0] ^= 1;
    expect(() => openChunk(crypto, key, 3, flipped)).toThrow();
  });

  it('seals the same bytes with node:crypto and noble (ChaCha20-Poly1305, AAD "konnect/1 file")', () => {
    const key = new Uint8Array(32).fill(7);
    const chunk = new Uint8Array([1, 2, 3]);
    const sealed = toHex(sealChunk(crypto, key, 5, chunk));
    expect(toHex(sealChunk(nobleCrypto, key, 5, chunk))).toBe(sealed);
    expect(sealed).toBe(SEALED_VECTOR);
  });
});

/** Key 32 × 0x07, chunk index 5, plaintext 010203 (PROTOCOL.md §21 test vectors). */
const SEALED_VECTOR = '12a395ad8585525e9a736cff9bf57dbf6e6551';
