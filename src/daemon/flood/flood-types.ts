/** The flood router's data: a signed message as it travels, what decoding one gives, and the counters. */
import type { AnyPayload, Bytes } from '../../wire/index.js';
import type { FloodLimitStats } from './flood-limits.js';

/** The limit counters (flood-limits.ts) are kept in the router's stats by the limiter itself. */
export interface FloodStats extends FloodLimitStats {
  received: number;
  duplicates: number;
  delivered: number;
  forwardedFrames: number;
  rejected: number;
  /** Times a link stopped being read because MAX_VERIFYING verifications were in flight. */
  readPauses: number;
  /** Flooded messages verified on the event loop rather than the pool (see inlineVerify). */
  verifiedInline: number;
}

export interface SignedMessage {
  id: Bytes;
  payload: Bytes;
  sig: Bytes;
}

/** A payload that decoded and matches its envelope, and its origin's id. */
export interface Decoded {
  payload: AnyPayload | 'ignored';
  from: Bytes;
  /** The origin's timestamp: the push tree takes a message's path as the parent only if it is the newest. */
  ts: number;
}
