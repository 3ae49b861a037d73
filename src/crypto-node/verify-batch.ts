/**
 * The wire format between the event loop and the verify workers (verify-pool.ts): a batch of
 * signature checks packed into one ArrayBuffer, handed over without a copy (transferred), and its
 * answer, one byte per check. One buffer rather than an array of small arrays: structured cloning
 * cost per object, and a batch holds tens to hundreds of messages.
 *
 * Layout: u32 count, then count × u32 payload length, then count × (32-byte key, 64-byte signature,
 * payload), little-endian.
 */
import { NODE_ID_BYTES, SIGNATURE_BYTES } from '../wire/constants.js';

export interface Check {
  data: Uint8Array;
  signature: Uint8Array;
  publicKey: Uint8Array;
}

const FIXED = NODE_ID_BYTES + SIGNATURE_BYTES;

/** Packs checks whose key and signature have the right lengths (the caller answers the others). */
export function packChecks(checks: readonly Check[]): ArrayBuffer {
  let bytes = 4 + 4 * checks.length;
  for (const c of checks) bytes += FIXED + c.data.length;
  const buffer = new ArrayBuffer(bytes);
  const view = new DataView(buffer);
  const out = new Uint8Array(buffer);
  view.setUint32(0, checks.length, true);
  let at = 4 + 4 * checks.length;
  checks.forEach((c, i) => {
    view.setUint32(4 + 4 * i, c.data.length, true);
    out.set(c.publicKey, at);
    out.set(c.signature, at + NODE_ID_BYTES);
    out.set(c.data, at + FIXED);
    at += FIXED + c.data.length;
  });
  return buffer;
}

/** The checks of a packed batch, as views into it; throws on a buffer that is not one. */
export function unpackChecks(buffer: ArrayBuffer): Check[] {
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  if (buffer.byteLength < 4) throw new Error('verify batch: too short');
  const count = view.getUint32(0, true);
  let at = 4 + 4 * count;
  if (at > buffer.byteLength) throw new Error('verify batch: count past the end');
  const checks: Check[] = [];
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(4 + 4 * i, true);
    if (at + FIXED + length > buffer.byteLength) throw new Error('verify batch: check past the end');
    checks.push({
      publicKey: bytes.subarray(at, at + NODE_ID_BYTES),
      signature: bytes.subarray(at + NODE_ID_BYTES, at + FIXED),
      data: bytes.subarray(at + FIXED, at + FIXED + length),
    });
    at += FIXED + length;
  }
  return checks;
}

/** Event loop → worker. */
export interface VerifyRequest {
  seq: number;
  batch: ArrayBuffer;
}

/** Worker → event loop: one byte per check (1 valid, 0 not), or why the batch could not be read. */
export type VerifyAnswer =
  { type: 'ready' } | { type: 'failed'; error: string } | { type: 'answer'; seq: number; valid: Uint8Array };
