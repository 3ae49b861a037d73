/**
 * Sealing direct messages (X25519 + HKDF-SHA256 + ChaCha20-Poly1305), the handshake transcript and the
 * human fingerprint, built on primitives from a CryptoProvider the caller passes (crypto-provider.ts):
 * this file loads no crypto library, so it runs in Node and in a browser alike. Raw 32-byte keys are
 * what travel on the wire.
 */
import { concatBytes, utf8 } from './bytes.js';
import { PROTOCOL_VERSION, X25519_KEY_BYTES } from './constants.js';
import type { CryptoProvider } from './crypto-provider.js';
import { CryptoError } from './errors.js';

const SEAL_INFO = utf8(`konnect/${PROTOCOL_VERSION} direct`);
const HELLO_CONTEXT = utf8(`konnect/${PROTOCOL_VERSION} hello`);
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Ephemeral public key, nonce and tag around the ciphertext of a sealed box. */
export const SEAL_OVERHEAD_BYTES = X25519_KEY_BYTES + NONCE_BYTES + TAG_BYTES;

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
): Uint8Array {
  return concatBytes([HELLO_CONTEXT, signerId, peerId, peerNonce, signerNonce]);
}

/**
 * Seals `plaintext` to a recipient's X25519 key: a fresh ephemeral key per message, HKDF-SHA256 over the
 * shared secret (salt: ephemeral key ‖ recipient key), ChaCha20-Poly1305 with `aad` authenticated.
 * Output: ephemeral public key (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16).
 */
export function sealDirect(
  crypto: CryptoProvider,
  plaintext: Uint8Array,
  recipientX25519: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (recipientX25519.length !== X25519_KEY_BYTES)
    throw new CryptoError('KEY_INVALID', `X25519 key of ${recipientX25519.length} bytes`);
  const eph = crypto.x25519Keygen();
  // A low-order recipient key (a presence payload can carry any 32 bytes as someone's key) throws
  // KEY_INVALID here, before anything is encrypted under a secret others could compute.
  const shared = crypto.x25519(eph.secretKey, recipientX25519);
  const key = crypto.hkdfSha256(shared, concatBytes([eph.publicKey, recipientX25519]), SEAL_INFO, 32);
  const nonce = crypto.randomBytes(NONCE_BYTES);
  return concatBytes([eph.publicKey, nonce, crypto.chacha20Poly1305Seal(key, nonce, plaintext, aad)]);
}

/** Opens a sealed box with the recipient's X25519 secret key; any tampering throws SEAL_INVALID. */
export function openDirect(
  crypto: CryptoProvider,
  box: Uint8Array,
  recipientSecret: Uint8Array,
  recipientX25519: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  if (box.length < SEAL_OVERHEAD_BYTES) throw new CryptoError('SEAL_INVALID', 'sealed box too short');
  const ephRaw = box.subarray(0, X25519_KEY_BYTES);
  const nonce = box.subarray(X25519_KEY_BYTES, X25519_KEY_BYTES + NONCE_BYTES);
  const sealed = box.subarray(X25519_KEY_BYTES + NONCE_BYTES);
  try {
    const shared = crypto.x25519(recipientSecret, ephRaw);
    const key = crypto.hkdfSha256(shared, concatBytes([ephRaw, recipientX25519]), SEAL_INFO, 32);
    return crypto.chacha20Poly1305Open(key, nonce, sealed, aad);
  } catch (err) {
    throw new CryptoError('SEAL_INVALID', 'sealed box does not open with this key', { cause: err });
  }
}

/** Associated data of a direct message: binds the box to its id, sender and recipient. */
export function directAad(id: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  return concatBytes([SEAL_INFO, id, from, to]);
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Human fingerprint of a node id: the first 40 bits of SHA-256(public key) in lower-case RFC 4648
 * base32, as two groups of four (`k3x9-ab2q`). The digest comes from the provider too: a second
 * SHA-256 library loaded for this alone cost the daemon 1.1 MiB of RSS (its budget is 70 MB).
 */
export function fingerprint(crypto: Pick<CryptoProvider, 'sha256'>, nodeId: Uint8Array): string {
  const digest = crypto.sha256(nodeId);
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]);
  let out = '';
  for (let i = 7; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
