/**
 * libsodium's ed25519 verification (sodium-native, prebuilt for the common platforms): ~35 µs a
 * signature here against node:crypto's ~57, and no native job object per call, which node:crypto makes
 * and the collector must then finalize (0.4 ms of every scavenge at 900 verifications a second, that
 * is of a pause in the middle of deliveries). Where the binary does not load, node:crypto does the
 * same work under the same rules (src/wire/ed25519-rules.ts).
 */
import { createRequire } from 'node:module';

export interface SodiumVerify {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  /** Signing (~19 µs here against node:crypto's ~40): `secretKey` is libsodium's 64 bytes (seed, key). */
  crypto_sign_detached?(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_seed_keypair?(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  /** Private rooms' AEAD (PROTOCOL.md §19); returns the bytes written to `c`. */
  crypto_aead_xchacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  /** Throws when the tag does not authenticate; returns the bytes written to `m`. */
  crypto_aead_xchacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
}

/**
 * The prebuilt binary for this platform, loaded directly: that is all the package's entry point loads,
 * through a resolver (require-addon) whose own modules cost 3.5 MiB of RSS against the binary's 1 MiB
 * (the daemon's RSS has a 70 MB budget). The entry point is the fallback, then null (node:crypto).
 */
export function loadSodium(): SodiumVerify | null {
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
