/**
 * The node's CryptoProvider: ed25519 signing and verification on libsodium where its binary loads
 * (node:crypto otherwise, under the same rules), everything else on node:crypto (OpenSSL). Also what only a Node
 * process has: verification on libuv's thread pool (verifyThen), used by the flood router and sync.
 * Secret keys are raw 32 bytes at the interface; the KeyObject each one imports as is cached by array.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  randomBytes,
  scryptSync,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import {
  CryptoError,
  type CryptoProvider,
  NODE_ID_BYTES,
  type RawKeyPair,
  SIGNATURE_BYTES,
  strictEd25519,
  X25519_KEY_BYTES,
} from '../wire/index.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { loadSodium } from './sodium.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const TAG_BYTES = 16;

export function ed25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== NODE_ID_BYTES)
    throw new CryptoError('KEY_INVALID', `ed25519 key of ${raw.length} bytes`);
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.length !== X25519_KEY_BYTES)
    throw new CryptoError('KEY_INVALID', `X25519 key of ${raw.length} bytes`);
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The raw 32 bytes of an ed25519 or X25519 public key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return Uint8Array.from(der.subarray(der.length - 32));
}

/**
 * The raw 32 bytes (seed or scalar) of an ed25519 or X25519 private key: the tail of its PKCS#8 DER.
 * Not through a JWK export: Node 20 deadlocks when a collection during that export finalizes the
 * key-generation job of the same key (seen as a test process hung in a futex in ~KeyGenJob).
 */
export function rawSecretKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return Uint8Array.from(der.subarray(der.length - 32));
}

/** Private KeyObjects by the array holding their raw bytes: an identity's keys import once. */
const secretKeys = new WeakMap<Uint8Array, KeyObject>();

function secretKeyObject(raw: Uint8Array, prefix: Buffer): KeyObject {
  let key = secretKeys.get(raw);
  if (!key) {
    if (raw.length !== 32) throw new CryptoError('KEY_INVALID', `secret key of ${raw.length} bytes`);
    key = createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
    secretKeys.set(raw, key);
  }
  return key;
}

/** True when `signature` is the ed25519 signature over exactly `data` (OpenSSL's rules alone). */
export function verifyWithKey(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return cryptoVerify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * Verification on libuv's thread pool with a callback, for the relay path: the event loop stays free
 * for the ~60 µs a verification takes, and a promise per message was garbage the collector paid for.
 * OpenSSL's rules alone: callers apply strictEd25519 first. `done` is called later, exactly once.
 */
export function verifyThen(
  data: Uint8Array,
  signature: Uint8Array,
  publicKey: KeyObject,
  done: (valid: boolean) => void,
): void {
  if (signature.length !== SIGNATURE_BYTES) {
    queueMicrotask(() => done(false));
    return;
  }
  try {
    cryptoVerify(null, data, publicKey, signature, (err, valid) => done(!err && valid));
  } catch {
    queueMicrotask(() => done(false));
  }
}

/** node:crypto's keys by their raw bytes: importing one costs about as much as a verification. */
const importedKeys = new Map<string, KeyObject>();

/** ed25519PublicKey, cached (10,000 keys, then the cache starts over). */
export function importedEd25519Key(raw: Uint8Array): KeyObject {
  const mapKey = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  let key = importedKeys.get(mapKey);
  if (!key) {
    if (importedKeys.size >= 10_000) importedKeys.clear();
    key = ed25519PublicKey(raw);
    importedKeys.set(mapKey, key);
  }
  return key;
}

type RawVerify = (data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => boolean;
type RawSign = (data: Uint8Array, secretKey: Uint8Array) => Uint8Array;

const sodium = loadSodium();

/** verifyRaw's two implementations (null: libsodium did not load here), for tests and the benchmarks. */
export const rawVerifiers: { libsodium: RawVerify | null; 'node:crypto': RawVerify } = {
  libsodium: sodium
    ? (data, signature, publicKey) => {
        if (signature.length !== SIGNATURE_BYTES || publicKey.length !== NODE_ID_BYTES) return false;
        try {
          return sodium.crypto_sign_verify_detached(signature, data, publicKey);
        } catch {
          return false;
        }
      }
    : null,
  'node:crypto': (data, signature, publicKey) => {
    if (!strictEd25519(signature, publicKey)) return false;
    try {
      return verifyWithKey(data, signature, importedEd25519Key(publicKey));
    } catch {
      return false;
    }
  },
};

/** Which library verifyRaw uses in this process. */
export const rawVerifyBackend: keyof typeof rawVerifiers = rawVerifiers.libsodium
  ? 'libsodium'
  : 'node:crypto';

/** The CryptoProvider's verify: libsodium where it loads, else node:crypto under libsodium's rules. */
export const verifyRaw: RawVerify = rawVerifiers.libsodium ?? rawVerifiers['node:crypto'];

/**
 * A key pair from 32 random bytes: any 32 bytes are an ed25519 seed or an X25519 secret (RFC 8032,
 * RFC 7748 clamp them). No generateKeyPairSync: its job object, finalized by a collection while a key
 * of it is exported, deadlocks Node 20 (see rawSecretKey).
 */
function rawPair(type: 'ed25519' | 'x25519'): RawKeyPair {
  const secretKey = Uint8Array.from(randomBytes(32));
  const prefix = type === 'ed25519' ? ED25519_PKCS8_PREFIX : X25519_PKCS8_PREFIX;
  return { secretKey, publicKey: rawPublicKey(createPublicKey(secretKeyObject(secretKey, prefix))) };
}

/** libsodium's 64-byte signing keys (seed, public key) by the array holding the seed. */
const sodiumSigningKeys = new WeakMap<Uint8Array, Uint8Array>();

/**
 * ed25519 signatures on libsodium where it loads (~19 µs here against node:crypto's ~40: an origin
 * signs every message it sends), else node:crypto. Both give the same bytes (RFC 8032 signatures are
 * deterministic); the conformance suite holds both to RFC 8032's vectors.
 */
export const signers: { libsodium: RawSign | null; 'node:crypto': RawSign } = {
  libsodium:
    sodium?.crypto_sign_detached && sodium.crypto_sign_seed_keypair
      ? (data, secretKey) => {
          let key = sodiumSigningKeys.get(secretKey);
          if (!key) {
            if (secretKey.length !== 32)
              throw new CryptoError('KEY_INVALID', `secret key of ${secretKey.length} bytes`);
            key = new Uint8Array(64);
            sodium.crypto_sign_seed_keypair!(new Uint8Array(32), key, secretKey);
            sodiumSigningKeys.set(secretKey, key);
          }
          const signature = Buffer.allocUnsafe(SIGNATURE_BYTES);
          sodium.crypto_sign_detached!(signature, data, key);
          return signature;
        }
      : null,
  'node:crypto': (data, secretKey) =>
    cryptoSign(null, data, secretKeyObject(secretKey, ED25519_PKCS8_PREFIX)),
};

const signRaw: RawSign = signers.libsodium ?? signers['node:crypto'];

/** A provider over node:crypto with the given verification and signing (libsodium's where it loads). */
export function createNodeCrypto(
  verify: RawVerify = verifyRaw,
  name = `node (${rawVerifyBackend})`,
  sign: RawSign = signRaw,
): CryptoProvider {
  return {
    name,
    randomBytes: (length) => randomBytes(length),
    sha256: (data) => createHash('sha256').update(data).digest(),
    ed25519Keygen: () => rawPair('ed25519'),
    ed25519PublicKey: (secretKey) =>
      rawPublicKey(createPublicKey(secretKeyObject(secretKey, ED25519_PKCS8_PREFIX))),
    sign,
    verify,
    x25519Keygen: () => rawPair('x25519'),
    x25519PublicKey: (secretKey) =>
      rawPublicKey(createPublicKey(secretKeyObject(secretKey, X25519_PKCS8_PREFIX))),
    x25519: (secretKey, publicKey) => {
      let shared: Buffer;
      try {
        shared = diffieHellman({
          privateKey: secretKeyObject(secretKey, X25519_PKCS8_PREFIX),
          publicKey: x25519PublicKey(publicKey),
        });
      } catch (err) {
        // OpenSSL refuses a low-order key itself (all-zero result): keep that typed.
        if (err instanceof CryptoError) throw err;
        throw new CryptoError('KEY_INVALID', 'low-order X25519 key', { cause: err });
      }
      if (shared.every((b) => b === 0)) throw new CryptoError('KEY_INVALID', 'low-order X25519 key');
      return shared;
    },
    hkdfSha256: (ikm, salt, info, length) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),
    chacha20Poly1305Seal: (key, nonce, plaintext, aad) => {
      const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad, { plaintextLength: plaintext.length });
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
    chacha20Poly1305Open: (key, nonce, sealed, aad) => {
      if (sealed.length < TAG_BYTES) throw new CryptoError('SEAL_INVALID', 'shorter than a tag');
      const ciphertext = sealed.subarray(0, sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad, { plaintextLength: ciphertext.length });
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    },
    // scrypt's memory is 128·N·r bytes (32 MiB for a room key): node:crypto's default cap is exactly that.
    scrypt: (password, salt, { N, r, p }, length) =>
      new Uint8Array(scryptSync(password, salt, length, { N, r, p, maxmem: 256 * N * r })),
    xchacha20Poly1305Seal,
    xchacha20Poly1305Open,
  };
}

/** libsodium's XChaCha20-Poly1305 where it loads, @noble/ciphers' (the same construction) otherwise. */
function xchacha20Poly1305Seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  if (!sodium) return xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  if (key.length !== 32 || nonce.length !== 24)
    throw new CryptoError('KEY_INVALID', 'XChaCha20 key or nonce');
  const out = new Uint8Array(plaintext.length + TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out, plaintext, aad, null, nonce, key);
  return out;
}

function xchacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array) {
  if (!sodium) return xchacha20poly1305(key, nonce, aad).decrypt(sealed);
  if (sealed.length < TAG_BYTES) throw new CryptoError('SEAL_INVALID', 'shorter than a tag');
  if (key.length !== 32 || nonce.length !== 24)
    throw new CryptoError('KEY_INVALID', 'XChaCha20 key or nonce');
  const out = new Uint8Array(sealed.length - TAG_BYTES);
  sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out, null, sealed, aad, nonce, key);
  return out;
}

/** The node's provider: what the daemon passes to the wire. */
export const nodeCrypto: CryptoProvider = createNodeCrypto();
