/**
 * libsodium's ed25519 rules that go beyond the signature equation (crypto_sign_verify_detached), as
 * pure functions on the encodings: OpenSSL (node:crypto) does not apply them and noble applies a
 * different set, so every provider that is not libsodium checks these first. Otherwise a member of
 * the mesh could sign messages that one node accepts and relays and another rejects, counting every
 * copy against the honest link that brought it until it drops that link.
 */
import { NODE_ID_BYTES, SIGNATURE_BYTES } from './constants.js';

/** The order of the ed25519 base point. */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

/**
 * libsodium's small-order points (ge25519_has_small_order): the encodings, sign bit of x aside, of the
 * points of order 1, 2, 4 and 8, and the non-canonical spellings of two of them (y = p, p + 1).
 */
const SMALL_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((hex) => Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16)));

export function hasSmallOrder(point: Uint8Array): boolean {
  return SMALL_ORDER_POINTS.some((p) => {
    for (let i = 0; i < 31; i++) if (point[i] !== p[i]) return false;
    return (point[31] & 0x7f) === p[31];
  });
}

/** y < p (ge25519_is_canonical): not 0x7fff…ff followed by a low byte of 0xed or more. */
export function isCanonicalPoint(point: Uint8Array): boolean {
  if ((point[31] & 0x7f) !== 0x7f || point[0] < 0xed) return true;
  for (let i = 1; i < 31; i++) if (point[i] !== 0xff) return true;
  return false;
}

/** A 32-byte little-endian number. */
export function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** S < L (sc25519_is_canonical): a signature has one encoding only. */
export function isCanonicalScalar(s: Uint8Array): boolean {
  // Fast path: below 2^252 (the high nibble clear) S is less than L.
  if ((s[31] & 0xf0) === 0) return true;
  return littleEndian(s) < ED25519_L;
}

/**
 * The rules libsodium applies before the signature equation, which OpenSSL (node:crypto) does not: R
 * (the signature's first half) not of small order, the key canonical and not of small order. Every
 * verification on node:crypto or noble checks them first, so that all accept the same signatures.
 */
export function strictEd25519(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature.length === SIGNATURE_BYTES &&
    publicKey.length === NODE_ID_BYTES &&
    !hasSmallOrder(signature.subarray(0, 32)) &&
    isCanonicalPoint(publicKey) &&
    !hasSmallOrder(publicKey)
  );
}
