/**
 * The node's digest lanes: SHA-256 of a message id by node:crypto (reconcile.ts takes the hash from
 * its caller so that it runs in a browser page too; this is the node's side of it).
 */
import * as nodeCrypto from 'node:crypto';
import { idLanesWith } from './reconcile.js';

/**
 * SHA-256 in one call. `crypto.hash` (Node 20.12 and later) makes no Hash object: every stored row
 * hashes its id, and a Hash object per row was native garbage for the collector. Older Node 20
 * releases fall back to createHash.
 */
export const nodeSha256: (data: Uint8Array) => Uint8Array =
  typeof nodeCrypto.hash === 'function'
    ? (data) => nodeCrypto.hash('sha256', data, 'buffer')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest();

/** The four 32-bit lanes of SHA-256(id) a digest sums. */
export function idLanes(id: Uint8Array): [number, number, number, number] {
  return idLanesWith(nodeSha256, id);
}
