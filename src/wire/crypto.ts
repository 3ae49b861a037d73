/**
 * Signing (ed25519) and sealing (X25519 + HKDF-SHA256 + ChaCha20-Poly1305) on node:crypto, plus the
 * handshake transcript and the human fingerprint. Raw 32-byte keys are what travel on the wire.
 * Verification by raw key (every delivery) runs on libsodium where its binary loads (verifyRaw).
 */
import { createRequire } from 'node:module';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
} from 'node:crypto';
import { NODE_ID_BYTES, PROTOCOL_VERSION, SIGNATURE_BYTES, X25519_KEY_BYTES } from './constants.js';
import { CryptoError } from './errors.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const SEAL_INFO = Buffer.from(`konnect/${PROTOCOL_VERSION} direct`);
const HELLO_CONTEXT = Buffer.from(`konnect/${PROTOCOL_VERSION} hello`);
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Ephemeral public key, nonce and tag around the ciphertext of a sealed box. */
export const SEAL_OVERHEAD_BYTES = X25519_KEY_BYTES + NONCE_BYTES + TAG_BYTES;

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

export function sign(data: Uint8Array, privateKey: KeyObject): Uint8Array {
  return cryptoSign(null, data, privateKey);
}

/**
 * `verify` on libuv's thread pool: the event loop stays free for the ~60 µs a verification takes, and
 * verifications run on as many cores as the pool has threads. Never rejects.
 */
export function verifyAsync(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): Promise<boolean> {
  return new Promise((resolve) => verifyThen(data, signature, publicKey, resolve));
}

/**
 * `verifyAsync` with a callback, for the relay path: a promise and its reactions per message were
 * garbage the collector paid for on every delivery. `done` is always called later, never inside the
 * call, and exactly once.
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

/** True when `signature` is the signer's ed25519 signature over exactly `data`. */
export function verify(data: Uint8Array, signature: Uint8Array, publicKey: KeyObject): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return cryptoVerify(null, data, publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * libsodium's ed25519 verification (sodium-native, prebuilt for the common platforms): ~35 µs a
 * signature here against node:crypto's ~57, and no native job object per call, which node:crypto makes
 * and the collector must then finalize (0.4 ms of every scavenge at 900 verifications a second, that
 * is of a pause in the middle of deliveries). Where the binary does not load, node:crypto does the
 * same work. Both accept exactly the same signatures: libsodium refuses small-order keys and R points
 * and non-canonical keys, which OpenSSL accepts, so every node:crypto path first applies those rules
 * (strictEd25519). Otherwise a member of the mesh could sign messages that a node verifying on the
 * pool accepts and relays and a node verifying on libsodium rejects, counting every copy against the
 * honest link that brought it until it drops that link.
 */
interface SodiumVerify {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/**
 * The prebuilt binary for this platform, loaded directly: that is all the package's entry point loads,
 * through a resolver (require-addon) whose own modules cost 3.5 MiB of RSS against the binary's 1 MiB
 * (the daemon's RSS has a 70 MB budget). The entry point is the fallback, then node:crypto.
 */
function loadSodium(): SodiumVerify | null {
  const load = createRequire(import.meta.url);
  for (const entry of [
    `sodium-native/prebuilds/${process.platform}-${process.arch}/sodium-native.node`,
    'sodium-native',
  ]) {
    try {
      const sodium = load(entry) as Partial<SodiumVerify>;
      if (typeof sodium.crypto_sign_verify_detached === 'function') return sodium as SodiumVerify;
    } catch {
      // next
    }
  }
  return null;
}

const sodium = loadSodium();

type RawVerify = (data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array) => boolean;

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
      return verify(data, signature, importedEd25519Key(publicKey));
    } catch {
      return false;
    }
  },
};

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

/** Which library verifyRaw uses in this process. */
export const rawVerifyBackend: keyof typeof rawVerifiers = rawVerifiers.libsodium
  ? 'libsodium'
  : 'node:crypto';

/**
 * True when `signature` is the ed25519 signature over exactly `data` of the raw 32-byte `publicKey` (a
 * node id); false for anything malformed, never a throw.
 */
export const verifyRaw: RawVerify = rawVerifiers.libsodium ?? rawVerifiers['node:crypto'];

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
].map((hex) => Buffer.from(hex, 'hex'));

function hasSmallOrder(point: Uint8Array): boolean {
  return SMALL_ORDER_POINTS.some((p) => {
    for (let i = 0; i < 31; i++) if (point[i] !== p[i]) return false;
    return (point[31] & 0x7f) === p[31];
  });
}

/** y < p (ge25519_is_canonical): not 0x7fff…ff followed by a low byte of 0xed or more. */
function isCanonicalPoint(point: Uint8Array): boolean {
  if ((point[31] & 0x7f) !== 0x7f || point[0] < 0xed) return true;
  for (let i = 1; i < 31; i++) if (point[i] !== 0xff) return true;
  return false;
}

/**
 * The rules libsodium applies before the signature equation, which OpenSSL (node:crypto) does not: R
 * (the signature's first half) not of small order, the key canonical and not of small order. Every
 * verification on node:crypto checks them first, so that both accept the same signatures.
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

/**
 * The bytes each side signs in the handshake: context, the signer's id, the peer's id, the peer's
 * nonce, the signer's nonce. Signing the peer's fresh nonce proves key possession now; including both
 * ids binds the proof to this pair so it cannot be replayed elsewhere.
 */
export function helloTranscript(
  signerId: Uint8Array,
  peerId: Uint8Array,
  peerNonce: Uint8Array,
  signerNonce: Uint8Array,
): Buffer {
  return Buffer.concat([HELLO_CONTEXT, signerId, peerId, peerNonce, signerNonce]);
}

/**
 * Seals `plaintext` to a recipient's X25519 key: a fresh ephemeral key per message, HKDF-SHA256 over the
 * shared secret (salt: ephemeral key ‖ recipient key), ChaCha20-Poly1305 with `aad` authenticated.
 * Output: ephemeral public key (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */
export function sealDirect(plaintext: Uint8Array, recipientX25519: Uint8Array, aad: Uint8Array): Buffer {
  const recipient = x25519PublicKey(recipientX25519);
  const eph = generateKeyPairSync('x25519');
  const ephRaw = rawPublicKey(eph.publicKey);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  } catch (err) {
    // OpenSSL refuses a low-order key itself (all-zero result) before deriveKey could: keep it typed, as a
    // presence payload can carry any 32 bytes as someone's key.
    throw new CryptoError('KEY_INVALID', 'low-order X25519 key', { cause: err });
  }
  const key = deriveKey(shared, ephRaw, recipientX25519);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([ephRaw, nonce, ciphertext, cipher.getAuthTag()]);
}

/** Opens a sealed box with the recipient's X25519 private key; any tampering throws SEAL_INVALID. */
export function openDirect(
  box: Uint8Array,
  recipientPrivate: KeyObject,
  recipientX25519: Uint8Array,
  aad: Uint8Array,
): Buffer {
  if (box.length < SEAL_OVERHEAD_BYTES) throw new CryptoError('SEAL_INVALID', 'sealed box too short');
  const b = Buffer.from(box.buffer, box.byteOffset, box.length);
  const ephRaw = b.subarray(0, X25519_KEY_BYTES);
  const nonce = b.subarray(X25519_KEY_BYTES, X25519_KEY_BYTES + NONCE_BYTES);
  const ciphertext = b.subarray(X25519_KEY_BYTES + NONCE_BYTES, b.length - TAG_BYTES);
  const tag = b.subarray(b.length - TAG_BYTES);
  try {
    const shared = diffieHellman({ privateKey: recipientPrivate, publicKey: x25519PublicKey(ephRaw) });
    const key = deriveKey(shared, ephRaw, recipientX25519);
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad, { plaintextLength: ciphertext.length });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch (err) {
    if (err instanceof CryptoError) throw err;
    throw new CryptoError('SEAL_INVALID', 'sealed box does not open with this key', { cause: err });
  }
}

function deriveKey(shared: Buffer, ephRaw: Uint8Array, recipientRaw: Uint8Array): Buffer {
  // An all-zero secret means a low-order public key: refuse it rather than encrypt under a known key.
  if (shared.every((b) => b === 0)) throw new CryptoError('SEAL_INVALID', 'low-order X25519 key');
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephRaw, recipientRaw]), SEAL_INFO, 32));
}

/** Associated data of a direct message: binds the box to its id, sender and recipient. */
export function directAad(id: Uint8Array, from: Uint8Array, to: Uint8Array): Buffer {
  return Buffer.concat([SEAL_INFO, id, from, to]);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Human fingerprint of a node id: the first 40 bits of SHA-256(public key) in lower-case RFC 4648
 * base32, as two groups of four (`k3x9-ab2q`).
 */
export function fingerprint(nodeId: Uint8Array): string {
  const digest = createHash('sha256').update(nodeId).digest();
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
