/**
 * The safety code (PROTOCOL.md §20) against fixed vectors computed apart from konnect (Python's
 * hashlib over the documented input: label, then the two keys in byte order): the same code whichever
 * side asks, from either crypto provider, and another code for any other key.
 */
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { SAFETY_CODE_LABEL, safetyCode } from '../../src/wire/index.js';

const ascending = new Uint8Array(32).map((_, i) => i); // 00 01 02 … 1f
const descending = new Uint8Array(32).map((_, i) => 255 - i); // ff fe fd … e0
const zeros = new Uint8Array(32);

/** The test vectors PROTOCOL.md §20 quotes. */
const SAFETY_CODE_VECTORS = [
  { a: ascending, b: descending, code: '21756 49198 76991 39496 47322 33573' },
  { a: zeros, b: ascending, code: '16368 94975 51977 52354 10089 56782' },
  { a: ascending, b: ascending, code: '89913 09172 91673 77459 44783 40897' },
];

describe('safety code', () => {
  it('uses the documented label', () => {
    expect(SAFETY_CODE_LABEL).toBe('konnect/1 safety');
  });

  for (const [i, v] of SAFETY_CODE_VECTORS.entries()) {
    it(`vector ${i + 1}: fixed keys give the fixed code, in either order, from either provider`, () => {
      for (const crypto of [nodeCrypto, nobleCrypto]) {
        expect(safetyCode(crypto, v.a, v.b)).toBe(v.code);
        expect(safetyCode(crypto, v.b, v.a)).toBe(v.code);
      }
    });
  }

  it('is 6 groups of 5 digits (leading zeros kept) and changes with either key', () => {
    const code = safetyCode(nodeCrypto, ascending, descending);
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    const other = descending.slice();
    other[31] ^= 1;
    expect(safetyCode(nodeCrypto, ascending, other)).not.toBe(code);
    const mine = ascending.slice();
    mine[0] ^= 0x80;
    expect(safetyCode(nodeCrypto, mine, descending)).not.toBe(code);
  });
});
