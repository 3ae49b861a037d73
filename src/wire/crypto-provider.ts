/**
 * The primitives the wire needs, behind one interface the caller passes in: the wire itself loads no
 * crypto library, so it runs unchanged in Node (src/crypto-node: libsodium and node:crypto) and in a
 * browser (src/crypto-noble: @noble/*, since plain HTTP on a LAN is not a secure context and
 * WebCrypto's ed25519 and X25519 are unavailable there). Keys are raw bytes everywhere, as on the
 * wire and as a browser keeps them in IndexedDB. Every provider passes tests/unit/crypto-conformance.
 */

/** A key pair as raw bytes: a 32-byte secret (an ed25519 seed, or an X25519 scalar) and its public key. */
export interface RawKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface CryptoProvider {
  /** Which implementation this is, for logs and benchmarks. */
  readonly name: string;
  randomBytes(length: number): Uint8Array;
  sha256(data: Uint8Array): Uint8Array;

  ed25519Keygen(): RawKeyPair;
  /** The public key (node id) of a 32-byte ed25519 seed. */
  ed25519PublicKey(secretKey: Uint8Array): Uint8Array;
  sign(data: Uint8Array, secretKey: Uint8Array): Uint8Array;
  /**
   * True when `signature` is the ed25519 signature over exactly `data` of the raw 32-byte `publicKey`,
   * under libsodium's rules (crypto_sign_verify_detached): S < L, R and the key not of small order,
   * the key canonical, and the cofactorless equation [S]B = R + [k]A checked by re-encoding R. Every
   * provider must accept exactly the same signatures, or a signature accepted by one node and refused
   * by another would make honest relays look hostile. False for anything malformed, never a throw.
   */
  verify(data: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;

  x25519Keygen(): RawKeyPair;
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /**
   * The X25519 shared secret; throws CryptoError KEY_INVALID for a key of the wrong length or one whose
   * result is all zero (a low-order key), rather than hand back a secret anyone can compute.
   */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** ChaCha20-Poly1305 (RFC 8439, 12-byte nonce): ciphertext ‖ 16-byte tag. */
  chacha20Poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** The plaintext of ciphertext ‖ tag; throws (any error) when the tag does not authenticate. */
  chacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  // ---- private rooms (PROTOCOL.md §19) ----
  /** scrypt (RFC 7914) of `password` and `salt` with cost N (a power of two), block size r, parallelism p. */
  scrypt(password: Uint8Array, salt: Uint8Array, params: ScryptParams, length: number): Uint8Array;
  /** XChaCha20-Poly1305 (24-byte nonce, libsodium's crypto_aead_xchacha20poly1305_ietf): ciphertext ‖ tag. */
  xchacha20Poly1305Seal(
    key: Uint8Array,
    nonce: Uint8Array,
    plaintext: Uint8Array,
    aad: Uint8Array,
  ): Uint8Array;
  /** The plaintext of ciphertext ‖ tag; throws (any error) when the tag does not authenticate. */
  xchacha20Poly1305Open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

/** scrypt's cost parameters. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
