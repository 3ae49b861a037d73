/**
 * The flood router: every flooded message is handled once per node. It reads the id, drops what it has
 * seen (before any signature work: verification costs ~60 µs, a map lookup almost nothing), verifies
 * the rest once, hands it to the node, and forwards the origin's exact payload and signature with the
 * hop counter decremented, as one pre-encoded frame, to every eager link but the one it came from; lazy
 * links get its id in a batched `ihave` instead (push-tree.ts). A duplicate on an eager link prunes it.
 */
import {
  type Bytes,
  DEFAULT_HOPS,
  MAX_IHAVE_IDS,
  type FloodMessage,
  type GraftMessage,
  type IHaveMessage,
  type PruneMessage,
  isKonnectError,
  type AnyPayload,
  PayloadRegistry,
} from '../../wire/index.js';
import { nodeCrypto } from '../../crypto-node/index.js';
import type { Link } from '../links/index.js';
import { DEFAULT_FLOOD_LIMITS, FloodLimiter } from './flood-limits.js';
import { type OriginKey, PushTree } from './push-tree.js';
import { SeenCache } from './seen-cache.js';
import { RecentMessages } from './recent-messages.js';
import { VerifyLoad } from './verify-load.js';
import { SignatureCheck } from './signature-check.js';
import type { Decoded, FloodStats, SignedMessage } from './flood-types.js';
import type { FloodRouterOptions } from './flood-router-options.js';
import { floodFrame, originKey, seenKey, signedOfFlood } from './flood-frames.js';

/** Copies of one message held while its first copy is verified (each from another link, at most). */
const MAX_COPIES_HELD = 8;

export class FloodRouter {
  readonly stats: FloodStats = {
    received: 0,
    duplicates: 0,
    delivered: 0,
    forwardedFrames: 0,
    rejected: 0,
    readPauses: 0,
    verifiedInline: 0,
    limitedByLink: 0,
    droppedByLink: 0,
    limitedByOrigin: 0,
    droppedByOrigin: 0,
    linksClosed: 0,
  };
  private readonly opts: FloodRouterOptions;
  private readonly seen: SeenCache;
  /** What this node flooded lately, to answer a neighbour's graft. */
  private readonly recent = new RecentMessages();
  /** Messages whose signature is being verified: the copies that came meanwhile, first one first. */
  private readonly checking = new Map<string, { message: FloodMessage; from: Link }[]>();
  private stopped = false;
  private stopping = false;
  private readonly signatures: SignatureCheck;
  private readonly limiter: FloodLimiter;
  private readonly payloads: PayloadRegistry;
  readonly tree: PushTree;

  constructor(opts: FloodRouterOptions) {
    this.opts = opts;
    this.seen = opts.seen ?? new SeenCache();
    this.payloads = opts.payloads ?? PayloadRegistry.protocol();
    const load = opts.verifyLoad ?? new VerifyLoad();
    this.signatures = new SignatureCheck(this.stats, opts.inlineVerify ?? (() => load.inlineSlot()));
    const limits = { ...DEFAULT_FLOOD_LIMITS, ...opts.limits };
    this.limiter = new FloodLimiter(limits, opts.clock, opts.logger, this.stats);
    this.tree = new PushTree({
      clock: opts.clock,
      quietTurns: opts.quietTurns,
      lazyPush: opts.lazyPush,
      timings: opts.pushTimings,
      loopLag: () => load.lag.lagMs(),
      has: (id, key = seenKey(id)) =>
        this.seen.has(key, this.now()) || this.checking.has(key) || (this.opts.isKnown?.(id) ?? false),
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
      return { signed, origin: originKey(this.payloads.decodeWithOrigin(signed.payload).origin.from) };
    } catch {
      return undefined; // stored, so checked once; unreadable now means a newer schema: skip it
    }
  }

  private now(): number {
    return this.opts.clock.now();
  }

  /** Signs and floods a payload written by this node; returns the signed message. */
  originate<P extends AnyPayload>(payload: P, options: { only?: Link; hops?: number } = {}): SignedMessage {
    const bytes = this.payloads.encode(payload);
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
    this.signatures.forget(link);
    this.limiter.linkDown(link);
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
    this.limiter.stop();
    this.checking.clear();
    this.signatures.stop();
    this.tree.stop();
  }

  /** Handles a flood frame from a link. */
  handle(message: FloodMessage, from: Link): void {
    this.stats.received++;
    const key = seenKey(message.id);
    if (this.isDuplicate(key, message, from)) return;
    // New to this node (or being verified): within the link's limit it goes on at once, over it
    // later (the link is not read meanwhile), and is looked at again then (not when it goes on at
    // once: nothing changed since, and the store was just asked). Dropped (a limited link's queue
    // full), it is not marked seen: it may come again, or by sync.
    let later = false;
    this.limiter.admitFromLink(from, (verified) => {
      if (this.stopped || (later && this.isDuplicate(key, message, from))) verified();
      else this.startCheck(key, message, from, verified);
    });
    later = true;
  }

  /** Counts and handles a copy of a message seen or held already; true if it was one. */
  private isDuplicate(key: string, message: FloodMessage, from: Link): boolean {
    const now = this.now();
    if (!this.seen.has(key, now) && !this.opts.isKnown?.(message.id)) return false;
    this.stats.duplicates++;
    const first = this.recent.get(key, now);
    // A link that repeats its own first copy is not a redundant path.
    if (first && first.from !== from && from.lazyPush) {
      this.tree.duplicateFrom(from, first.origin, first.firstWasLazy);
    }
    return true;
  }

  /** `verified`: called once this message's verification is over (or none was needed). */
  private startCheck(key: string, message: FloodMessage, from: Link, verified: () => void): void {
    const copies = this.checking.get(key);
    if (copies) {
      verified();
      // Its first copy is being verified. Held, not dropped: if that copy was a forgery, this one may
      // be the genuine message.
      // Two per link at most: a link cannot fill the slots with forgeries of its own.
      const fromLink = copies.filter((c) => c.from === from).length;
      if (copies.length < MAX_COPIES_HELD && fromLink < 2) copies.push({ message, from });
      return;
    }
    this.checking.set(key, [{ message, from }]);
    this.checkFirst(key, verified);
  }

  /**
   * Verifies the first held copy of a message (never within this call); accepts it, or rejects it and tries
   * the next copy. Copies that came while it was verified count as duplicates (and may prune).
   */
  private checkFirst(key: string, verified?: () => void): void {
    const copies = this.checking.get(key)!;
    const { message, from } = copies[0];
    const decoded = this.decode(message, from);
    const origin = decoded ? originKey(decoded.from) : '';
    const settle = (valid: boolean) => {
      verified?.();
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
      const verdict = this.limiter.admitFromOrigin(
        origin,
        () => Buffer.from(origin, 'latin1').toString('hex'),
        () => this.acceptWithCopies(key, origin, message, from, decoded, copies),
      );
      // Held back: its copies (and later ones) are duplicates now. Dropped: not seen, so it may come
      // again (by sync, or from another link once the origin is within its limit).
      if (verdict === 'later') this.seen.add(key, this.now());
    };
    if (!decoded) settle(false);
    else if (this.limiter.dropUnverified(origin)) {
      // Its author is so far over its limit that it would be dropped after verifying: not seen, so
      // a later copy or history sync brings it.
      this.checking.delete(key);
      verified?.();
    } else this.signatures.verify(message, decoded.from, from, settle, true);
  }

  private acceptWithCopies(
    key: string,
    origin: OriginKey,
    message: FloodMessage,
    from: Link,
    decoded: Decoded,
    copies: { message: FloodMessage; from: Link }[],
  ): void {
    if (this.stopped) return;
    const firstWasLazy = this.accept(key, origin, message, from, decoded);
    for (let i = 1; i < copies.length; i++) {
      const copy = copies[i];
      this.stats.duplicates++;
      if (copy.from !== from && copy.from.lazyPush) {
        this.tree.duplicateFrom(copy.from, origin, firstWasLazy);
      }
    }
  }

  /** A verified message, new to this node: record, forward and deliver it. Returns firstWasLazy. */
  private accept(key: string, origin: OriginKey, message: FloodMessage, from: Link, d: Decoded): boolean {
    const now = this.now();
    this.seen.add(key, now);
    this.tree.received(key);
    // A link that went down while this copy was verified must not become the origin's parent (its
    // linkDown has run: nothing would repair the tree again), and its copy says nothing about the
    // tree: as if it had come by a graft, so the copies held meanwhile (from the parent still alive)
    // prune nothing.
    const firstWasLazy = from.state === 'closed' || this.tree.firstFrom(from, origin, d.ts);
    // Out of hops, it stops here, not even announced or held for grafts: a direct message sent on its
    // one link (hops 1) must not travel further.
    if (message.hops > 1) {
      // The frame is a copy: what is held must not pin the socket buffer the message was read into.
      const frame = floodFrame(message, message.hops - 1);
      this.recent.add(key, { frame, origin, firstWasLazy, from, at: now });
      this.broadcast(frame, message.id, origin, from, key);
    }
    if (d.payload !== 'ignored') {
      this.stats.delivered++;
      this.opts.deliver(d.payload, message, from);
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
      this.signatures.verify(message, decoded.from, from, resolve),
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
    let decoded: ReturnType<PayloadRegistry['decodeWithOrigin']>;
    try {
      decoded = this.payloads.decodeWithOrigin(message.payload);
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
    return { payload: payload ?? 'ignored', from: origin.from, ts: origin.ts };
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
