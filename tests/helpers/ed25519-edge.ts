/**
 * Ed25519 signatures that OpenSSL (node:crypto) accepts and libsodium refuses: the cases konnect's
 * two verifiers must agree on (src/wire/crypto.ts, strictEd25519). Scalar arithmetic in BigInt.
 */
import { createHash, type KeyObject } from 'node:crypto';

/** The order of the base point. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** The encoding of the identity point (x = 0, y = 1): of order 1. */
export const IDENTITY_POINT = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]);

const le = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
const toLe32 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();

/**
 * A signature by `privateKey` (public key `publicKey`) over `message` whose R is the identity point:
 * S = H(R ‖ A ‖ M)·a mod L satisfies the cofactorless equation, so OpenSSL accepts it; libsodium
 * refuses R of small order.
 */
export function identityRSignature(
  privateKey: KeyObject,
  publicKey: Uint8Array,
  message: Uint8Array,
): Buffer {
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const expanded = createHash('sha512').update(seed).digest();
  const scalar = Buffer.from(expanded.subarray(0, 32));
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
  const h = le(createHash('sha512').update(IDENTITY_POINT).update(publicKey).update(message).digest()) % L;
  return Buffer.concat([IDENTITY_POINT, toLe32((h * le(scalar)) % L)]);
}

/** R = identity and S = 0 "verify" any message under the identity point as the key (for OpenSSL). */
export const SMALL_ORDER_FORGERY = {
  publicKey: IDENTITY_POINT,
  signature: Buffer.concat([IDENTITY_POINT, Buffer.alloc(32)]),
};
