/**
 * The safety code two people compare face to face (PROTOCOL.md §20): SHA-256 of a fixed label and the
 * two raw ed25519 public keys in byte order, so both sides compute the same code whoever asks.
 * Rendered as 6 groups of 5 decimal digits: each group is a 32-bit big-endian word of the digest mod
 * 100000 (about 100 bits of the digest in all, far past what a person can be fooled about by chance).
 */
import type { CryptoProvider } from './crypto-provider.js';

/** The label hashed before the keys; a new label is a new version of the code. */
export const SAFETY_CODE_LABEL = 'konnect/1 safety';
export const SAFETY_CODE_GROUPS = 6;

/** Negative when `a` sorts before `b` bytewise. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

export function safetyCode(
  crypto: Pick<CryptoProvider, 'sha256'>,
  keyA: Uint8Array,
  keyB: Uint8Array,
): string {
  const [first, second] = compareBytes(keyA, keyB) <= 0 ? [keyA, keyB] : [keyB, keyA];
  const label = new TextEncoder().encode(SAFETY_CODE_LABEL);
  const input = new Uint8Array(label.length + first.length + second.length);
  input.set(label, 0);
  input.set(first, label.length);
  input.set(second, label.length + first.length);
  const digest = crypto.sha256(input);
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  const groups: string[] = [];
  for (let i = 0; i < SAFETY_CODE_GROUPS; i++)
    groups.push(String(view.getUint32(i * 4) % 100000).padStart(5, '0'));
  return groups.join(' ');
}
