/**
 * The wire's CryptoProvider on @noble/curves, @noble/ciphers and @noble/hashes: pure JavaScript, so it
 * runs in a browser page served over plain HTTP on the LAN, which is not a secure context (WebCrypto's
 * ed25519 and X25519 are unavailable there). Audited, maintained libraries rather than hand-written
 * curve arithmetic: constant-time field code and the edge cases of point decoding are where hand-rolled
 * ed25519 goes wrong.
 *
 * Verification follows libsodium exactly, not noble's own verify: noble's strict mode (zip215: false)
 * checks the cofactored equation, which accepts signatures whose R carries a small-order component
 * that libsodium (cofactorless: R re-encoded and compared byte for byte) refuses. So this provider
 * decodes with noble's strict point decoding and checks libsodium's equation and rules itself.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { chacha20poly1305, xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scrypt } from '@noble/hashes/scrypt.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import {
  CryptoError,
  type CryptoProvider,
  ED25519_L,
  equalBytes,
  isCanonicalScalar,
  littleEndian,
  strictEd25519,
  X25519_KEY_BYTES,
} from '../wire/index.js';

const Point = ed25519.Point;

/** libsodium's crypto_sign_verify_detached, on noble's point arithmetic. */
function verify(data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!strictEd25519(signature, publicKey)) return false;
  const r = signature.subarray(0, 32);
  const sBytes = signature.subarray(32, 64);
  if (!isCanonicalScalar(sBytes)) return false;
  try {
    const a = Point.fromBytes(publicKey, false); // y < p, on the curve
    const hash = sha512.create().update(r).update(publicKey).update(data).digest();
    const k = littleEndian(hash) % ED25519_L;
    // R' = [S]B − [k]A, encoded and compared with R: the cofactorless equation, as libsodium checks it.
    const check = Point.BASE.multiplyUnsafe(littleEndian(sBytes)).subtract(a.multiplyUnsafe(k));
    return equalBytes(check.toBytes(), r);
  } catch {
    return false;
  }
}

function x25519Shared(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (secretKey.length !== 32 || publicKey.length !== X25519_KEY_BYTES)
    throw new CryptoError('KEY_INVALID', 'X25519 keys are 32 bytes');
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(secretKey, publicKey);
  } catch (err) {
    throw new CryptoError('KEY_INVALID', 'low-order X25519 key', { cause: err });
  }
  if (shared.every((b) => b === 0)) throw new CryptoError('KEY_INVALID', 'low-order X25519 key');
  return shared;
}

export const nobleCrypto: CryptoProvider = {
  name: 'noble',
  randomBytes: (length) => randomBytes(length),
  sha256: (data) => sha256(data),
  ed25519Keygen: () => ed25519.keygen(),
  ed25519PublicKey: (secretKey) => ed25519.getPublicKey(secretKey),
  sign: (data, secretKey) => ed25519.sign(data, secretKey),
  verify,
  x25519Keygen: () => x25519.keygen(),
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  x25519: x25519Shared,
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  chacha20Poly1305Seal: (key, nonce, plaintext, aad) => chacha20poly1305(key, nonce, aad).encrypt(plaintext),
  chacha20Poly1305Open: (key, nonce, sealed, aad) => chacha20poly1305(key, nonce, aad).decrypt(sealed),
  scrypt: (password, salt, { N, r, p }, length) => scrypt(password, salt, { N, r, p, dkLen: length }),
  xchacha20Poly1305Seal: (key, nonce, plaintext, aad) =>
    xchacha20poly1305(key, nonce, aad).encrypt(plaintext),
  xchacha20Poly1305Open: (key, nonce, sealed, aad) => xchacha20poly1305(key, nonce, aad).decrypt(sealed),
};
