/**
 * History reconciliation by range digests: the pure decisions (how a time range is digested, split
 * and compared, which ids each side lacks). sync-session.ts drives them over a link; the store answers
 * the range queries (HistoryStore in SQL, MemorySyncStore in memory). Bytes exchanged grow with the
 * difference between two histories times the log of their size, not with their size.
 *
 * ## The exchange (protocol v1), per scope
 *
 * A *scope* is one conversation two linked nodes share: `room:<name>` for each room both are in, and
 * `dm` for the direct conversation between the two nodes of the link (each node stores it under its
 * own name for it, `dm:<other node id hex>`). Each scope is reconciled independently; messages of
 * several scopes may interleave on the link.
 *
 * **Ranges.** A range `[from, to)` is a half-open interval of origin timestamps (the payload's `ts`,
 * ms since the epoch); a range whose `to` is 2^53−1 (MAX_SYNC_TS) also includes ts = 2^53−1, so
 * messages stamped arbitrarily far in the future are still covered. A range is valid when
 * `from < to`; invalid ranges are ignored.
 *
 * **Digest.** The digest of a range over a node's messages of the scope is `count` (messages in the
 * range) and a 16-byte `hash`: for each message take H = SHA-256(the 16 id bytes), read H[0..16] as
 * four big-endian unsigned 32-bit lanes, and sum each lane over the messages modulo 2^32; the hash is
 * the four sums, big-endian, concatenated. The empty range's hash is 16 zero bytes. Sums commute, so
 * the digest does not depend on order, and a store can keep the lanes per row and aggregate natively.
 * (It detects accidental differences; it is not a security boundary: every message that does travel
 * is verified against its origin's signature.)
 *
 * **Window.** The initiator reconciles `[now − window, MAX_SYNC_TS]` (window 30 days by default).
 * Older messages are not reconciled. The responder needs no clock: it digests whatever ranges it is sent.
 *
 * **Splitting.** A node splits a range `[from, to)` with `to − from ≥ 2` into at most 16 sub-ranges
 * that tile it exactly (the first starts at `from`, each ends where the next starts, the last ends at
 * `to`), each non-empty and so strictly smaller. The boundaries are the splitter's choice and travel
 * in the digest, so the peer need not split the same way. konnect picks them from its own messages in
 * the range: the ts of the first message of each 1/16 of them by (ts, id), keeping distinct values
 * strictly inside the range (at most 15, evenly chosen); if none is (all its messages sit at `from`),
 * the one boundary `from + 1`.
 * A range with `to − from ≤ 1` is never split.
 *
 * **Batches and termination.** Each side's messages for a scope form *batches*, each ended by
 * `sync-done {scope}`. The initiator's first batch is one `sync-digest` of the window split as above
 * (a single range when it holds no message there); the responder sends nothing first. Every other
 * message a side sends is a reaction to a message of the peer's latest batch, sent as soon as that
 * message is handled (links are ordered, so reactions to batch k always follow the peer's k−1).
 * On receiving the peer's `sync-done`:
 *  - if the peer's batch just ended held no message for the scope, the scope is finished; no reply;
 *  - otherwise the receiver ends its own batch with `sync-done`; if that batch held no message, the
 *    scope is finished for it too (the peer will see an empty batch and stop).
 * So an exchange always ends with one empty batch, and both sides know it has ended without counters.
 * A side stops answering a scope after 64 batches (SYNC_MAX_ROUNDS); an honest exchange takes about
 * log16(history size) + 4 batches. A `sync-digest` for a scope the receiver does not share, or has
 * finished, is answered with a lone `sync-done` (an empty batch: the sender stops); anything else for
 * such a scope is ignored.
 *
 * **Reactions.**
 *  1. `sync-digest {scope, ranges}` (≤ 64 ranges): for each valid range, the receiver digests the same
 *     range over its own messages. Equal (count and hash): nothing. Otherwise:
 *     - if the sender's count is 0: it sends all its messages in the range as `sync-msgs`;
 *     - else if it holds ≤ 64 messages there, or the range cannot be split: `sync-ids {scope, from,
 *       to, ids}` with all its ids in the range (ordered by (ts, id); several messages of ≤ 1024 ids
 *       each with the same from/to when an unsplittable range holds more);
 *     - else it splits the range and sends the sub-ranges with its digests of them as `sync-digest`
 *       (≤ 64 ranges a message).
 *  2. `sync-ids {scope, from, to, ids}`: the ids are the sender's complete list for that range (for a
 *     range with `to − from ≤ 1` the list may span several messages of the batch and is complete at
 *     its `sync-done`). The receiver sends `sync-want {scope, ids}` (≤ 1024 ids a message) for listed
 *     ids it does not hold, and `sync-msgs` with its messages in the range that are not listed.
 *  3. `sync-want {scope, ids}`: the receiver sends `sync-msgs` with those of the ids it holds in the
 *     scope; it ignores the others (ids of other scopes are never served).
 *  4. `sync-msgs {scope, msgs}`: each `{id, payload, sig}` is exactly as first flooded. The receiver
 *     verifies, stores and delivers new ones; nothing is sent in reply. A sync-msgs message carries at
 *     most 256 messages and at most 192 KiB of id + payload + signature bytes, under the 256 KiB frame.
 *
 * A side that finished a scope holds every message of the window the other held when it answered,
 * except forged ones (dropped on verification) and ones either side pruned meanwhile.
 */
import {
  equalBytes,
  fromHex,
  MAX_SYNC_IDS,
  MAX_SYNC_MESSAGES,
  MAX_SYNC_RANGES,
  MESSAGE_ID_BYTES,
  SYNC_HASH_BYTES,
  toHex,
  UsageError,
  type MessageIdStr,
  type SyncRange,
} from '../../wire/index.js';

/** How far back the initiator reconciles. */
export const DEFAULT_SYNC_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
/** Sub-ranges a range is split into. */
export const SYNC_FANOUT = 16;
/** A side holding at most this many messages in a differing range lists their ids instead of splitting. */
export const SYNC_ID_LIST_THRESHOLD = 64;
/** Upper bound of the top range, inclusive: the largest ts the wire can carry. */
export const MAX_SYNC_TS = Number.MAX_SAFE_INTEGER;
/** Bytes of id + payload + signature in one sync-msgs message: well under the 256 KiB frame limit. */
export const SYNC_MSGS_MAX_BYTES = 192 * 1024;
/** Batches a side answers per scope before it stops: a bound against a peer that never converges. */
export const SYNC_MAX_ROUNDS = 64;
/** Ids of unsplittable ranges a side buffers per scope and batch (see sync-ids); more are dropped. */
export const MAX_SYNC_IDS_DEFERRED = 64 * MAX_SYNC_IDS;

export interface RangeDigest {
  count: number;
  /** SYNC_HASH_BYTES bytes: four big-endian 32-bit lane sums. */
  hash: Uint8Array;
}

export interface SignedMessage {
  id: Uint8Array;
  payload: Uint8Array;
  sig: Uint8Array;
}

/** What reconciliation needs from a store; `scope` is always this node's local scope name. */
export interface SyncStore {
  rangeDigest(scope: string, from: number, to: number): RangeDigest;
  /** Ids in the range, ordered by (ts, id). */
  rangeIds(scope: string, from: number, to: number): MessageIdStr[];
  /**
   * Timestamps that cut the range into about `parts` parts of equal count (any order, duplicates
   * allowed; splitBoundaries() cleans them up). Only the splitter's own choice: peers need not agree.
   */
  rangeQuantiles(scope: string, from: number, to: number, parts: number): number[];
  /** Which of these ids are not stored (in any scope). */
  missing(ids: MessageIdStr[]): MessageIdStr[];
  /** The stored signed messages among `ids` that belong to `scope`; unknown ids are skipped. */
  signedMessages(scope: string, ids: MessageIdStr[]): SignedMessage[];
}

/**
 * The four 32-bit lanes a digest sums, read from SHA-256(id). The hash comes from the caller (the
 * node's native one, id-lanes.ts; the browser's noble one through its CryptoProvider), so this file
 * loads no crypto library and runs in a page too.
 */
export function idLanesWith(
  sha256: (data: Uint8Array) => Uint8Array,
  id: Uint8Array,
): [number, number, number, number] {
  const h = sha256(id);
  const view = new DataView(h.buffer, h.byteOffset, 16);
  return [view.getUint32(0), view.getUint32(4), view.getUint32(8), view.getUint32(12)];
}

/** Builds a digest from a count and four lane sums (any non-negative integers; reduced mod 2^32). */
export function digestFromSums(count: number, sums: readonly number[]): RangeDigest {
  const hash = new Uint8Array(SYNC_HASH_BYTES);
  const view = new DataView(hash.buffer);
  for (let lane = 0; lane < 4; lane++) view.setUint32(lane * 4, sums[lane] % 2 ** 32);
  return { count, hash };
}

export function digestsEqual(a: RangeDigest, b: RangeDigest): boolean {
  return a.count === b.count && equalBytes(a.hash, b.hash);
}

/**
 * Canonical UUID text of 16 id bytes. Unlike uuid's stringify it never throws: ids from peers are
 * only as well-formed as the peer, and an id we do not hold is simply wanted or ignored.
 */
export function idToText(id: Uint8Array): MessageIdStr {
  const hex = toHex(id);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const ID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The 16 bytes of a canonical (lower-case) UUID text. */
export function idFromText(id: MessageIdStr): Uint8Array {
  if (!ID_TEXT.test(id)) throw new UsageError('INVALID_ARGUMENT', `not a canonical message id: ${id}`);
  return fromHex(id.replace(/-/g, '')).subarray(0, MESSAGE_ID_BYTES);
}

export function isValidRange(from: number, to: number): boolean {
  return Number.isSafeInteger(from) && Number.isSafeInteger(to) && from >= 0 && from < to;
}

/** Largest ts inside `[from, to)`: to − 1, except the top range, which includes MAX_SYNC_TS itself. */
export function rangeLast(to: number): number {
  return to === MAX_SYNC_TS ? MAX_SYNC_TS : to - 1;
}

/** A range that splitting cannot shrink further. */
export function isUnitRange(from: number, to: number): boolean {
  return to - from <= 1;
}

/**
 * Clean split points for `[from, to)`: sorted, distinct, strictly inside the range. When the
 * candidates give none (all the splitter's messages share one ts), the range is cut around the first
 * candidate so the sub-ranges still shrink. Empty only for a unit range or no candidates (nothing to
 * split by: the splitter holds no message there).
 */
export function splitBoundaries(from: number, to: number, candidates: readonly number[]): number[] {
  if (isUnitRange(from, to) || candidates.length === 0) return [];
  const inside = [...new Set(candidates)].filter((t) => t > from && t < to).sort((a, b) => a - b);
  if (inside.length > SYNC_FANOUT - 1) {
    // Keep evenly spaced candidates so no part swallows most of the range.
    const step = inside.length / (SYNC_FANOUT - 1);
    return [...new Set(Array.from({ length: SYNC_FANOUT - 1 }, (_, i) => inside[Math.floor(i * step)]))];
  }
  if (inside.length > 0) return inside;
  const t = Math.min(Math.max(candidates[0], from), to - 1);
  return [t, t + 1].filter((b) => b > from && b < to);
}

/** The sub-ranges `[from, b1), [b1, b2), …, [bn, to)` for sorted boundaries strictly inside. */
export function subRanges(from: number, to: number, boundaries: readonly number[]): [number, number][] {
  const edges = [from, ...boundaries, to];
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < edges.length; i++) out.push([edges[i], edges[i + 1]]);
  return out;
}

/** Splits `[from, to)` by the store's own messages and digests each part. */
export function digestSplit(store: SyncStore, scope: string, from: number, to: number): SyncRange[] {
  const candidates = store.rangeQuantiles(scope, from, to, SYNC_FANOUT);
  return subRanges(from, to, splitBoundaries(from, to, candidates)).map(([a, b]) => ({
    from: a,
    to: b,
    ...store.rangeDigest(scope, a, b),
  }));
}

/** The initiator's first digest: the window, split into up to SYNC_FANOUT ranges. */
export function initialRanges(store: SyncStore, scope: string, windowStart: number): SyncRange[] {
  const from = Math.max(0, Math.min(Math.floor(windowStart), MAX_SYNC_TS - 1));
  return digestSplit(store, scope, from, MAX_SYNC_TS);
}

export interface IdList {
  from: number;
  to: number;
  ids: MessageIdStr[];
}

/** What to send back for a received sync-digest. */
export interface DigestAnswer {
  /** Sub-ranges with this side's digests: to be sent as sync-digest. */
  split: SyncRange[];
  /** This side's ids of small or unsplittable ranges: to be sent as sync-ids. */
  idLists: IdList[];
  /** Ranges the peer holds nothing in: send all of this side's messages there. */
  pushRanges: { from: number; to: number }[];
}

export function answerDigest(store: SyncStore, scope: string, theirs: readonly SyncRange[]): DigestAnswer {
  const answer: DigestAnswer = { split: [], idLists: [], pushRanges: [] };
  for (const range of theirs) {
    const { from, to } = range;
    if (!isValidRange(from, to)) continue;
    const mine = store.rangeDigest(scope, from, to);
    if (digestsEqual(mine, range)) continue;
    if (range.count === 0) answer.pushRanges.push({ from, to });
    else if (mine.count <= SYNC_ID_LIST_THRESHOLD || isUnitRange(from, to)) {
      answer.idLists.push({ from, to, ids: store.rangeIds(scope, from, to) });
    } else answer.split.push(...digestSplit(store, scope, from, to));
  }
  return answer;
}

/** For the peer's complete id list of a range: which of its ids this side wants, which of its own to push. */
export function answerIds(
  store: SyncStore,
  scope: string,
  from: number,
  to: number,
  theirIds: ReadonlySet<MessageIdStr>,
): { want: MessageIdStr[]; push: MessageIdStr[] } {
  const want = store.missing([...theirIds]);
  const push = store.rangeIds(scope, from, to).filter((id) => !theirIds.has(id));
  return { want, push };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Splits signed messages into sync-msgs bodies within MAX_SYNC_MESSAGES and SYNC_MSGS_MAX_BYTES. */
export function chunkSignedMessages(messages: readonly SignedMessage[]): SignedMessage[][] {
  const out: SignedMessage[][] = [];
  let current: SignedMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = m.id.length + m.payload.length + m.sig.length + 16; // + msgpack map/key overhead
    if (current.length > 0 && (current.length >= MAX_SYNC_MESSAGES || bytes + size > SYNC_MSGS_MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Digest ranges per sync-digest message. */
export const chunkRanges = (ranges: readonly SyncRange[]): SyncRange[][] => chunk(ranges, MAX_SYNC_RANGES);
/** Ids per sync-ids / sync-want message. */
export const chunkIds = <T>(ids: readonly T[]): T[][] => chunk(ids, MAX_SYNC_IDS);
