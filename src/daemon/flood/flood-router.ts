/**
 * The flood router: every flooded message is handled once per node. It reads the id, drops what it has
 * seen (before any signature work: verification costs ~60 µs, a map lookup almost nothing), verifies
 * the rest once, hands it to the node, and forwards the origin's exact payload and signature with the
 * hop counter decremented, as one pre-encoded frame, to every eager link but the one it came from; lazy
 * links get its id in a batched `ihave` instead (push-tree.ts). A duplicate on an eager link prunes it.
 */
import type { KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  type Bytes,
  DEFAULT_HOPS,
  FRAME_HEADER_BYTES,
  MAX_IHAVE_IDS,
  decodePayloadWithOrigin,
  encodeFloodFrame,
  encodePayload,
  type FloodMessage,
  type GraftMessage,
  type IHaveMessage,
  type PruneMessage,
  isKonnectError,
  type Payload,
  parseLinkMessage,
  unpackValue,
  strictEd25519,
} from '../../wire/index.js';
import {
  importedEd25519Key,
  nodeCrypto,
  rawVerifyBackend,
  verifyRaw,
  verifyThen,
} from '../../crypto-node/index.js';
import type { Clock } from '../../clock/clock.js';
import type { Identity } from '../identity.js';
import type { Link } from '../links/link.js';
import { type OriginKey, PushTree, type PushTreeTimings } from './push-tree.js';
import { SeenCache } from './seen-cache.js';

export interface FloodStats {
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

export interface FloodRouterOptions {
  identity: Identity;
  links: () => Iterable<Link>;
  clock: Clock;
  /** Lazy push (push-tree.ts); false floods every message on every link. @default true */
  lazyPush?: boolean;
  pushTimings?: Partial<PushTreeTimings>;
  /** Called once per new, verified message (own messages excepted). */
  deliver: (payload: Payload, signed: SignedMessage, from: Link | null) => void;
  seen?: SeenCache;
  /** Whether a message is already held (in the history store): such a message is a duplicate too. */
  isKnown?: (id: Bytes) => boolean;
  /** A stored message by id (to answer a graft for one no longer among the recent ones). */
  lookup?: (id: Bytes) => SignedMessage | undefined;
  /** Called when a link sends a message that fails verification. */
  onRejected?: (link: Link | null, reason: string) => void;
  /**
   * Whether the flooded message about to be verified may be verified on the event loop rather than
   * the thread pool (asked only when nothing is being verified on the pool).
   * @default inlineVerifySlot: unless the loop is saturated (VERIFY_ON_POOL_ABOVE), up to 64 a turn
   */
  inlineVerify?: () => boolean;
}

/** Verifications in flight on the thread pool before the links bringing more are paused. */
export const MAX_VERIFYING = 4096;
/**
 * Where a flooded message is verified: on the event loop itself, or on the thread pool. The pool's
 * round trip (a thread woken, the result queued back, one more turn of the loop) costs the loop ~21 µs
 * and a delivery more latency than verifying costs the loop, and its threads contend with the loop
 * for the cores: on libsodium (~35 µs a verification) a 50-node mesh at 100 msg/s, 83 % busy with
 * the pool, went from p50 2.83-2.87 / p99 22.8-25.0 ms to 2.05-2.20 / 7.1-8.9 ms verifying on the
 * loop. Only a loop saturated for a whole window gains from the second core: past
 * VERIFY_ON_POOL_ABOVE busy over a window they go to the pool, and come back once a window is at most
 * VERIFY_INLINE_BELOW busy. The gap is wider than what the pool saves the loop (~14 µs a delivery,
 * 0.07 of a second at N = 50 and 100 msg/s), so a loop near the bound does not switch every window;
 * with 0.8 for the way back the highest zero-loss rate at N = 50 fell from 231 to 201 msg/s, with
 * 0.85 it was 232. On node:crypto (~57 µs, where libsodium does not load) the loop gives way at
 * 30 %, as measured before. History sync always uses the pool (its batches verify in parallel).
 */
export const VERIFY_ON_POOL_ABOVE = rawVerifyBackend === 'libsodium' ? 0.95 : 0.3;
export const VERIFY_INLINE_BELOW = rawVerifyBackend === 'libsodium' ? 0.85 : 0.3;
/** Copies of one message held while its first copy is verified (each from another link, at most). */
const MAX_COPIES_HELD = 8;

/** A payload that decoded and matches its envelope, and its origin's id. */
export interface Decoded {
  payload: Payload | 'ignored';
  from: Bytes;
}

export class FloodRouter {
  readonly stats: FloodStats = {
    received: 0,
    duplicates: 0,
    delivered: 0,
    forwardedFrames: 0,
    rejected: 0,
    readPauses: 0,
    verifiedInline: 0,
  };
  private readonly opts: FloodRouterOptions;
  private readonly seen: SeenCache;
  /** What this node flooded lately, to answer a neighbour's graft. */
  private readonly recent = new RecentMessages();
  /** Messages whose signature is being verified: the copies that came meanwhile, first one first. */
  private readonly checking = new Map<string, { message: FloodMessage; from: Link }[]>();
  private stopped = false;
  /** Verifications on the thread pool now, and the links not read meanwhile. */
  private verifying = 0;
  private stopping = false;
  private readonly pausedLinks = new Set<Link>();
  private readonly inlineVerify: () => boolean;
  readonly tree: PushTree;

  constructor(opts: FloodRouterOptions) {
    this.opts = opts;
    this.seen = opts.seen ?? new SeenCache();
    this.inlineVerify = opts.inlineVerify ?? inlineVerifySlot;
    this.tree = new PushTree({
      clock: opts.clock,
      lazyPush: opts.lazyPush,
      timings: opts.pushTimings,
      has: (id) => this.hasSeen(id) || this.checking.has(seenKey(id)) || (this.opts.isKnown?.(id) ?? false),
      keyOf: seenKey,
      originOf: (id) => this.recent.get(seenKey(id), this.now())?.origin,
      // Ids announced to this link, each once (PushTree.onGraft checks both).
      resend: (link, ids) => {
        const origins: OriginKey[] = [];
        for (const id of ids) {
          const held = this.held(id);
          if (held && link.sendFrame(floodFrame(held.signed, DEFAULT_HOPS))) origins.push(held.origin);
        }
        return origins;
      },
    });
  }

  /** A message to answer a graft with: one flooded lately, else a stored one. */
  private held(id: Bytes): { signed: SignedMessage; origin: OriginKey } | undefined {
    const recent = this.recent.get(seenKey(id), this.now());
    if (recent) return { signed: signedOfFlood(recent.frame), origin: recent.origin };
    const signed = this.opts.lookup?.(id);
    if (!signed) return undefined;
    try {
      return { signed, origin: originKey(decodePayloadWithOrigin(signed.payload).origin.from) };
    } catch {
      return undefined; // stored, so checked once; unreadable now means a newer schema: skip it
    }
  }

  private now(): number {
    return this.opts.clock.now();
  }

  /** Signs and floods a payload written by this node; returns the signed message. */
  originate(payload: Payload, options: { only?: Link; hops?: number } = {}): SignedMessage {
    const bytes = encodePayload(payload);
    const signed = {
      id: payload.id,
      payload: bytes,
      sig: nodeCrypto.sign(bytes, this.opts.identity.signingKey),
    };
    const key = seenKey(payload.id);
    this.seen.add(key, this.now());
    const frame = floodFrame(signed, options.hops ?? DEFAULT_HOPS);
    if (options.only) options.only.sendFrame(frame);
    else {
      const origin = originKey(payload.from);
      this.recent.add(key, { frame, origin, firstWasLazy: false, from: null, at: this.now() });
      this.broadcast(frame, signed.id, origin, null);
    }
    return signed;
  }

  /** Sends an already signed message (a replay of presence to a new neighbour) on one link. */
  sendTo(link: Link, signed: SignedMessage): void {
    link.sendFrame(floodFrame(signed, DEFAULT_HOPS));
  }

  /**
   * Passes on a checked message this node learned by history sync, written by `from`, unless it has
   * been seen already (then it was passed on when it was).
   */
  relay(signed: SignedMessage, from: Bytes, except: Link | null): void {
    const key = seenKey(signed.id);
    if (this.seen.has(key, this.now())) return;
    this.seen.add(key, this.now());
    this.tree.received(key);
    const origin = originKey(from);
    const frame = floodFrame(signed, DEFAULT_HOPS);
    this.recent.add(key, { frame, origin, firstWasLazy: false, from: except, at: this.now() });
    this.broadcast(frame, signed.id, origin, except);
  }

  hasSeen(id: Bytes): boolean {
    return this.seen.has(seenKey(id), this.now());
  }

  /** Lazy-push control messages from a neighbour. */
  handleTree(message: IHaveMessage | GraftMessage | PruneMessage, from: Link): void {
    if (message.kind === 'prune') this.tree.onPrune(from, originKey(message.origin));
    else if (message.kind === 'graft') {
      this.tree.onGraft(
        from,
        message.ids,
        message.origins?.map((o) => originKey(o)),
      );
    } else this.tree.onIHave(from, message.ids, seenKey);
  }

  /**
   * A link went down. `replaced`: by a duplicate link to the same peer, which is eager for every
   * origin from the start, so nothing needs repairing.
   */
  linkDown(link: Link, options: { replaced?: boolean } = {}): void {
    this.pausedLinks.delete(link);
    const orphaned = this.tree.linkDown(link);
    if (!options.replaced) this.repair(orphaned, link);
  }

  /** The node is stopping: links going down from now on are not repaired (nobody is left to ask). */
  beginStop(): void {
    this.stopping = true;
  }

  /**
   * Asks every live link (that speaks lazy push) to push these origins eagerly: the first to deliver
   * becomes the new parent, and the duplicates the others bring prune them again.
   */
  private repair(orphaned: OriginKey[], lost: Link): void {
    if (orphaned.length === 0 || this.stopped || this.stopping) return;
    const origins = orphaned.map((o) => Buffer.from(o, 'latin1'));
    for (const other of this.opts.links()) {
      if (other === lost || !other.lazyPush) continue;
      for (let i = 0; i < origins.length; i += MAX_IHAVE_IDS) {
        other.send({ kind: 'graft', ids: [], origins: origins.slice(i, i + MAX_IHAVE_IDS) });
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.checking.clear();
    this.pausedLinks.clear();
    this.tree.stop();
  }

  /** Handles a flood frame from a link. */
  handle(message: FloodMessage, from: Link): void {
    this.stats.received++;
    const key = seenKey(message.id);
    const now = this.now();
    if (this.seen.has(key, now) || this.opts.isKnown?.(message.id)) {
      this.stats.duplicates++;
      const first = this.recent.get(key, now);
      // A link that repeats its own first copy is not a redundant path.
      if (first && first.from !== from && from.lazyPush) {
        this.tree.duplicateFrom(from, first.origin, first.firstWasLazy);
      }
      return;
    }
    const copies = this.checking.get(key);
    if (copies) {
      // Its first copy is being verified. Held, not dropped: if that copy was a forgery, this one may
      // be the genuine message.
      // Two per link at most: a link cannot fill the slots with forgeries of its own.
      const fromLink = copies.filter((c) => c.from === from).length;
      if (copies.length < MAX_COPIES_HELD && fromLink < 2) copies.push({ message, from });
      return;
    }
    this.checking.set(key, [{ message, from }]);
    this.checkFirst(key);
  }

  /**
   * Verifies the first held copy of a message (never within this call); accepts it, or rejects it and tries
   * the next copy. Copies that came while it was verified count as duplicates (and may prune).
   */
  private checkFirst(key: string): void {
    const copies = this.checking.get(key)!;
    const { message, from } = copies[0];
    const decoded = this.decode(message, from);
    const settle = (valid: boolean) => {
      if (this.stopped) return;
      if (!decoded || !valid) {
        if (decoded) this.reject(from, 'bad signature');
        copies.shift();
        if (copies.length > 0) this.checkFirst(key);
        else this.checking.delete(key);
        return;
      }
      this.checking.delete(key);
      if (this.seen.has(key, this.now())) {
        // History sync brought, verified and passed it on meanwhile: every copy is a duplicate, and
        // none says anything about the tree.
        this.stats.duplicates += copies.length;
        return;
      }
      const firstWasLazy = this.accept(key, message, from, decoded);
      for (let i = 1; i < copies.length; i++) {
        const copy = copies[i];
        this.stats.duplicates++;
        if (copy.from !== from && copy.from.lazyPush) {
          this.tree.duplicateFrom(copy.from, originKey(decoded.from), firstWasLazy);
        }
      }
    };
    if (!decoded) settle(false);
    else this.verifySignature(message, decoded.from, from, settle, true);
  }

  /** A verified message, new to this node: record, forward and deliver it. Returns firstWasLazy. */
  private accept(key: string, message: FloodMessage, from: Link, decoded: Decoded): boolean {
    const now = this.now();
    this.seen.add(key, now);
    this.tree.received(key);
    const origin = originKey(decoded.from);
    // A link that went down while this copy was verified must not become the origin's parent (its
    // linkDown has run: nothing would repair the tree again), and its copy says nothing about the
    // tree: as if it had come by a graft, so the copies held meanwhile (from the parent still alive)
    // prune nothing.
    const firstWasLazy = from.state === 'closed' || this.tree.firstFrom(from, origin);
    // Out of hops, it stops here, not even announced or held for grafts: a direct message sent on its
    // one link (hops 1) must not travel further.
    if (message.hops > 1) {
      // The frame is a copy: what is held must not pin the socket buffer the message was read into.
      const frame = floodFrame(message, message.hops - 1);
      this.recent.add(key, { frame, origin, firstWasLazy, from, at: now });
      this.broadcast(frame, message.id, origin, from, key);
    }
    if (decoded.payload !== 'ignored') {
      this.stats.delivered++;
      this.opts.deliver(decoded.payload, message, from);
    }
    return firstWasLazy;
  }

  /**
   * Verifies a signed message on its own (used by history sync). Resolves to the payload and its
   * origin ('ignored' for a valid message of a kind this version does not know), or null when it must
   * be dropped (counted against `from`). Never rejects.
   */
  async check(message: SignedMessage, from: Link | null): Promise<Decoded | null> {
    const decoded = this.decode(message, from);
    if (!decoded) return null;
    const valid = await new Promise<boolean>((resolve) =>
      this.verifySignature(message, decoded.from, from, resolve),
    );
    if (this.stopped) return null;
    if (!valid) {
      this.reject(from, 'bad signature');
      return null;
    }
    return decoded;
  }

  /** Decodes the payload and checks it against the envelope; null (counted against `from`) if bad. */
  private decode(message: SignedMessage, from: Link | null): Decoded | null {
    let decoded: ReturnType<typeof decodePayloadWithOrigin>;
    try {
      decoded = decodePayloadWithOrigin(message.payload);
    } catch (err) {
      this.reject(from, `undecodable payload: ${isKonnectError(err) ? err.message : String(err)}`);
      return null;
    }
    const { payload, origin } = decoded;
    if (Buffer.compare(origin.id, message.id) !== 0) {
      this.reject(from, 'envelope id differs from payload id');
      return null;
    }
    // A valid message of a kind this version does not know is relayed (newer nodes may understand
    // it) but not delivered; it is verified like any other, so nobody can flood junk through us.
    return { payload: payload ?? 'ignored', from: origin.from };
  }

  /**
   * Verifies on the thread pool, or (`mayInline`, a flooded message) on the event loop unless it is
   * saturated and nothing is on the pool (inlineVerify); `done` is always called later, never in this
   * call.
   * Reading a socket is cheap and verifying is not: a peer sending signed messages faster than the
   * pool verifies them would queue work and buffers without limit. So once MAX_VERIFYING are in
   * flight, the link that brought one more stops being read (TCP pushes back on its sender) until the
   * pool is down to half; what was already read still goes on, and past twice the bound it is verified
   * right here on the event loop.
   */
  private verifySignature(
    message: SignedMessage,
    from: Bytes,
    link: Link | null,
    done: (valid: boolean) => void,
    mayInline = false,
  ): void {
    const inline = mayInline && this.verifying === 0 && this.inlineVerify();
    if (inline) this.stats.verifiedInline++;
    if (this.verifying >= MAX_VERIFYING && link && !this.pausedLinks.has(link)) {
      this.stats.readPauses++;
      this.pausedLinks.add(link);
      link.pauseReading();
    }
    if (inline || this.verifying >= 2 * MAX_VERIFYING) {
      const valid = verifyRaw(message.payload, message.sig, from);
      queueMicrotask(() => done(valid));
      return;
    }
    // libsodium's rules (crypto.ts), which verifyRaw applies on either library: the pool's
    // node:crypto must not accept more.
    if (!strictEd25519(message.sig, from)) {
      queueMicrotask(() => done(false));
      return;
    }
    let key: KeyObject;
    try {
      key = importedEd25519Key(from);
    } catch {
      queueMicrotask(() => done(false)); // a key that does not import is as bad as a bad signature
      return;
    }
    this.verifying++;
    verifyThen(message.payload, message.sig, key, (valid) => {
      this.verifying--;
      if (this.verifying <= MAX_VERIFYING / 2 && this.pausedLinks.size > 0) {
        for (const paused of this.pausedLinks) paused.resumeReading();
        this.pausedLinks.clear();
      }
      done(valid);
    });
  }

  private reject(from: Link | null, reason: string): void {
    this.stats.rejected++;
    if (from) from.badMessages++;
    this.opts.onRejected?.(from, reason);
  }

  private broadcast(
    frame: Uint8Array,
    id: Bytes,
    origin: OriginKey,
    except: Link | null,
    key?: string,
  ): void {
    for (const link of this.opts.links()) {
      if (link === except) continue;
      if (!this.tree.isEager(link, origin)) this.tree.announce(link, id, key);
      else if (link.sendFrame(frame)) this.stats.forwardedFrames++;
    }
  }
}

/**
 * Verifications on the event loop in one turn of it, at most (~2 ms on libsodium): a chunk of frames
 * must not hold the loop long. 8 sent one in six verifications of the 50-node mesh to the pool, the
 * two paths mixed, and its p99 was no better than with the pool alone.
 */
export const INLINE_PER_TURN = 64;
/**
 * The event loop's utilization (of the whole process) is sampled when asked, at most once per this
 * many ms, over the time since the previous sample. A second, not less: the pool is for sustained
 * load, and over 100 ms windows a lightly loaded loop (a 10-node mesh at 100 msg/s, 18 % busy)
 * crossed a 30 % bound whenever a collection or a few commits fell into one window, and then sent
 * 3 to 9 % of its verifications to the pool, each a slower delivery, at the moments the loop was
 * already late.
 */
const LOOP_WINDOW_MS = 1000;
let loopMark = performance.eventLoopUtilization();
let loopMarkAt = performance.now();
let onPool = false;
let inlineThisTurn = 0;

/** Whether flooded messages go to the pool for the next window, after one `busy` (0 to 1) spent so. */
export function verifyOnPoolNext(onPool: boolean, busy: number): boolean {
  return onPool ? busy > VERIFY_INLINE_BELOW : busy >= VERIFY_ON_POOL_ABOVE;
}

/**
 * True when one more verification may run on the event loop now: the loop is not in a spell of
 * saturation (see VERIFY_ON_POOL_ABOVE), and fewer than INLINE_PER_TURN ran in this turn.
 */
export function inlineVerifySlot(): boolean {
  const now = performance.now();
  if (now - loopMarkAt >= LOOP_WINDOW_MS) {
    const current = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(current, loopMark).utilization;
    loopMark = current;
    loopMarkAt = now;
    onPool = verifyOnPoolNext(onPool, busy);
  }
  if (onPool || inlineThisTurn >= INLINE_PER_TURN) return false;
  if (inlineThisTurn++ === 0) setImmediate(() => (inlineThisTurn = 0));
  return true;
}

function floodFrame(signed: SignedMessage, hops: number): Uint8Array {
  return encodeFloodFrame(signed.id, hops, signed.payload, signed.sig);
}

/** The signed message inside a flood frame this node made (to answer a graft: rare). */
function signedOfFlood(frame: Uint8Array): SignedMessage {
  const { id, payload, sig } = parseLinkMessage(
    unpackValue(frame.subarray(FRAME_HEADER_BYTES)),
  ) as FloodMessage;
  return { id, payload, sig };
}

/**
 * Messages flooded in the last RECENT_MS, at most RECENT_MAX of them, with their origin and how their
 * first copy came: to prune a link that brings a duplicate, and to answer a neighbour's graft, which
 * comes within a second of the message. Older grafts are answered from the history store.
 */
const RECENT_MS = 10_000;
const RECENT_MAX = 1024;

interface Recent {
  /** A flood frame of it (any hops): one buffer to hold, and what a graft is answered from. */
  frame: Uint8Array;
  origin: OriginKey;
  firstWasLazy: boolean;
  /** The link its first copy came on (null: written here). */
  from: Link | null;
  at: number;
}

class RecentMessages {
  private readonly entries = new Map<string, Recent>();

  add(key: string, entry: Recent): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const [k, e] of this.entries) {
      if (this.entries.size <= RECENT_MAX && entry.at - e.at <= RECENT_MS) break;
      this.entries.delete(k);
    }
  }

  get(key: string, now: number): Recent | undefined {
    const e = this.entries.get(key);
    return e && now - e.at <= RECENT_MS ? e : undefined;
  }
}

function originKey(id: Bytes): OriginKey {
  return seenKey(id);
}

function seenKey(id: Bytes): string {
  return (Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.length)).toString('latin1');
}
