/**
 * Ed25519 signatures on which verifiers disagree unless they apply libsodium's rules: OpenSSL
 * (node:crypto) accepts small-order R and keys, noble's strict mode checks the cofactored equation and
 * so accepts an R or a key with a small-order component. konnect's providers must all decide as
 * libsodium does (src/wire/ed25519-rules.ts). Built on noble's point arithmetic; scalars in BigInt.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

const Point = ed25519.Point;
/** The order of the base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The encoding of the identity point (x = 0, y = 1): of order 1. */
export const IDENTITY_POINT = Uint8Array.from([1, ...new Uint8Array(31)]);
/** A point of order 8 (libsodium's blocklist holds its encoding). */
const ORDER_8 = Point.fromBytes(
  Uint8Array.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'.match(/../g)!, (h) =>
    parseInt(h, 16),
  ),
);

const le = (bytes: Uint8Array): bigint => {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
};
const toLe32 = (n: bigint): Uint8Array =>
  Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint => le(sha512(concat(r, a, m))) % L;

/** The secret scalar of a 32-byte seed (RFC 8032 §5.1.5). */
function secretScalar(seed: Uint8Array): bigint {
  const scalar = sha512(seed).slice(0, 32);
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  return le(scalar) % L;
}

/**
 * A signature by `seed` (public key `publicKey`) over `message` whose R is the identity point:
 * S = H(R ‖ A ‖ M)·a mod L satisfies the cofactorless equation, so OpenSSL accepts it; libsodium
 * refuses R of small order.
 */
export function identityRSignature(seed: Uint8Array, publicKey: Uint8Array, message: Uint8Array): Uint8Array {
  const h = challenge(IDENTITY_POINT, publicKey, message);
  return concat(IDENTITY_POINT, toLe32((h * secretScalar(seed)) % L));
}

/** R = identity and S = 0 "verify" any message under the identity point as the key (for OpenSSL). */
export const SMALL_ORDER_FORGERY = {
  publicKey: IDENTITY_POINT,
  signature: concat(IDENTITY_POINT, new Uint8Array(32)),
};

/**
 * R = [r]B + T with T of order 8, S = r + H(R ‖ A ‖ M)·a: the cofactored equation (noble's strict
 * mode) holds, the cofactorless one (libsodium, OpenSSL) does not, since [S]B − [k]A = R − T.
 */
export function mixedOrderRSignature(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const a = secretScalar(seed);
  const publicKey = Point.BASE.multiply(a).toBytes();
  const r = 0x1234567890abcdefn;
  const bigR = Point.BASE.multiply(r).add(ORDER_8).toBytes();
  const s = (r + challenge(bigR, publicKey, message) * a) % L;
  return concat(bigR, toLe32(s));
}

/**
 * A key with a small-order component, A' = [a]B + T (canonical, not itself of small order), and a
 * message signed so that [S]B = R + [k]A' holds without a cofactor: the message is chosen (by a
 * counter appended to `prefix`) so that k is a multiple of 8 and [k]T vanishes, or, with
 * `multipleOf8` false, so that it is not, when only the cofactored equation holds.
 */
export function torsionKeySignature(
  seed: Uint8Array,
  prefix: Uint8Array,
  multipleOf8: boolean,
): { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array } {
  const a = secretScalar(seed);
  const publicKey = Point.BASE.multiply(a).add(ORDER_8).toBytes();
  const r = 0xfeedfacecafebeefn;
  const bigR = Point.BASE.multiply(r).toBytes();
  for (let i = 0; ; i++) {
    const message = concat(prefix, Uint8Array.of(i & 0xff, i >> 8));
    const k = challenge(bigR, publicKey, message);
    if ((k % 8n === 0n) !== multipleOf8) continue;
    return { publicKey, message, signature: concat(bigR, toLe32((r + k * a) % L)) };
  }
}

/** A genuine signature with S + L in place of S: the same equation, a second encoding. */
export function nonCanonicalS(signature: Uint8Array): Uint8Array {
  return concat(signature.subarray(0, 32), toLe32(le(signature.subarray(32)) + L));
}
