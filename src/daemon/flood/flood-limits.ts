/**
 * Bounds on the work one link and one origin can make this node do (issue 15): a valid member
 * flooding signed messages as fast as TCP takes them was verified, stored and relayed in full, and
 * held the event loop until every honest link timed out.
 *
 * - Per link, before verification (the costly step): a token bucket of new flooded messages, and at
 *   most perLinkInFlight of them being verified at once. A message over either is deferred, not
 *   dropped: it waits here and the link is not read meanwhile, so TCP slows
 *   the sender down to the rate. Only what a paused link had already delivered waits (a chunk's
 *   worth); past LINK_QUEUE_MAX it is dropped. A link kept over its limit for `persistMs` is closed
 *   (RATE_LIMITED).
 * - Per origin, after verification (so a forger cannot spend an honest author's budget): a token
 *   bucket of messages accepted (stored, relayed, shown). Over it, a message waits (marked seen, so
 *   its copies cost nothing) up to ORIGIN_QUEUE_MAX per origin; past that it is dropped and not marked
 *   seen: history sync brings it later (on the next link up or room join), paced like any catch-up.
 *
 * Defaults sit above honest use: the whole 50-node benchmark mesh tops out near 230 msg/s (one link
 * carries at most that), and a paste of 200 lines fits an author's burst; a longer one is held back
 * and shown at 50 lines a second, not dropped, up to ORIGIN_QUEUE_MAX lines.
 */
import type { Clock, Timer } from '../../clock/index.js';
import type { Link } from '../links/index.js';
import type { Logger } from '../logger.js';
import { TokenBucket, type TokenBucketLimits } from './token-bucket.js';

export interface FloodLimits {
  /**
   * New flooded messages one link may bring for verification. The burst is what a flooder gets
   * verified at once when it starts: at 2000 that was 2000 verifications, lookups and the origin's
   * accepted burst back to back (~0.5 s of a busy loop), and honest messages waited behind it tens to
   * hundreds of ms. 200 still takes a 200-line paste at once; past it a link's messages wait, not
   * dropped, at 1000/s, over four times what the busiest benchmark link carries. @default 1000/s, burst 200
   */
  perLink: TokenBucketLimits;
  /**
   * Verifications one link may have under way at once. The pool's queue is first come, first served:
   * without a bound an honest neighbour's message waited behind thousands of a flooder's. @default 32
   */
  perLinkInFlight: number;
  /**
   * Messages of one origin accepted. What is accepted is relayed, and a neighbour handles a link's
   * messages in order: a burst of B from one author delays what follows it on every downstream link by
   * B messages' work (~0.1 ms each), so B stays in the low hundreds. @default 50/s, burst 200
   */
  perOrigin: TokenBucketLimits;
  /** A link over its limit without a break for this long is closed. @default 60000 */
  persistMs: number;
}

export const DEFAULT_FLOOD_LIMITS: FloodLimits = {
  perLink: { ratePerSec: 1000, burst: 200 },
  perLinkInFlight: 32,
  perOrigin: { ratePerSec: 50, burst: 200 },
  persistMs: 60_000,
};

/** Messages held for one paused link at most (more than one socket read brings). */
export const LINK_QUEUE_MAX = 4096;
/** Verified messages of one origin held back at most. */
export const ORIGIN_QUEUE_MAX = 2000;
/** Per link or origin, a limit is logged at most once in this long. */
export const LIMIT_LOG_INTERVAL_MS = 10_000;
/** Origins tracked before those with full buckets (as good as new) are forgotten. */
const ORIGINS_TRACKED = 1024;

export interface FloodLimitStats {
  /** Flooded messages deferred because their link was over its limit. */
  limitedByLink: number;
  /** ... dropped because a limited link's queue was full (they come back by sync). */
  droppedByLink: number;
  /** Verified messages held back because their origin was over its limit. */
  limitedByOrigin: number;
  /** ... dropped because that origin's queue was full (they come back by sync). */
  droppedByOrigin: number;
  /** Links closed for staying over their limit (RATE_LIMITED). */
  linksClosed: number;
}

/** The counters alone (the router's stats hold more), as `konnect status --json` shows them. */
export function limitCounts(s: FloodLimitStats): FloodLimitStats {
  const { limitedByLink, droppedByLink, limitedByOrigin, droppedByOrigin, linksClosed } = s;
  return { limitedByLink, droppedByLink, limitedByOrigin, droppedByOrigin, linksClosed };
}

/** Work admitted for a link; it calls `verified` once its verification is over. */
type LinkWork = (verified: () => void) => void;

interface LinkState {
  bucket: TokenBucket;
  queue: LinkWork[];
  inFlight: number;
  pumpQueued: boolean;
  timer: Timer | null;
  overSince: number | null;
  loggedAt: number;
  deferred: number;
  dropped: number;
}

interface OriginState {
  bucket: TokenBucket;
  queue: (() => void)[];
  timer: Timer | null;
  loggedAt: number;
  deferred: number;
  dropped: number;
}

export class FloodLimiter {
  private readonly links = new Map<Link, LinkState>();
  private readonly origins = new Map<string, OriginState>();
  private stopped = false;

  constructor(
    private readonly limits: FloodLimits,
    private readonly clock: Clock,
    private readonly logger?: Logger,
    /** Where the counters are kept (the router passes its own stats). */
    readonly stats: FloodLimitStats = {
      limitedByLink: 0,
      droppedByLink: 0,
      limitedByOrigin: 0,
      droppedByOrigin: 0,
      linksClosed: 0,
    },
  ) {}

  /**
   * Runs `work` (verifying a new flooded message) now if the link is within its limit, else later in
   * arrival order while the link is not read. Returns false when the message was dropped.
   */
  admitFromLink(link: Link, work: LinkWork): boolean {
    const now = this.clock.now();
    let s = this.links.get(link);
    if (!s) {
      s = {
        bucket: new TokenBucket(this.limits.perLink, now),
        queue: [],
        inFlight: 0,
        pumpQueued: false,
        timer: null,
        overSince: null,
        loggedAt: -Infinity,
        deferred: 0,
        dropped: 0,
      };
      this.links.set(link, s);
    }
    if (s.queue.length === 0 && s.inFlight < this.limits.perLinkInFlight) {
      // A full bucket means the link has kept within its rate for a burst's worth of time: the spell
      // over the limit is over. (Checked before taking: after a take the bucket is never full, and
      // a link once over its limit was closed persistMs later however long it had kept within it.)
      if (s.overSince !== null && s.bucket.full(now)) s.overSince = null;
      if (s.bucket.take(now)) {
        this.run(link, s, work);
        return true;
      }
    }
    s.overSince ??= now;
    if (now - s.overSince > this.limits.persistMs) {
      this.stats.linksClosed++;
      this.logger?.warn('closed a link that stayed over its flood limit', {
        peer: link.label,
        seconds: Math.round((now - s.overSince) / 1000),
      });
      this.linkDown(link);
      link.fail('RATE_LIMITED', `over ${this.limits.perLink.ratePerSec} messages a second for too long`);
      return false;
    }
    if (s.queue.length >= LINK_QUEUE_MAX) {
      this.stats.droppedByLink++;
      s.dropped++;
      this.logLink(link, s, now);
      return false;
    }
    this.stats.limitedByLink++;
    s.deferred++;
    s.queue.push(work);
    link.pauseReading();
    this.logLink(link, s, now);
    this.pump(link, s);
    return true;
  }

  private run(link: Link, s: LinkState, work: LinkWork): void {
    s.inFlight++;
    let done = false;
    work(() => {
      if (done) return;
      done = true;
      s.inFlight--;
      // Not from inside this callback: a verification that ends at once (on the loop) would start
      // the next, and so on through the whole queue in one turn of the event loop.
      if (s.queue.length > 0 && !s.pumpQueued) {
        s.pumpQueued = true;
        setImmediate(() => {
          s.pumpQueued = false;
          this.pump(link, s);
        });
      }
    });
  }

  /** Runs what waits for a link as far as its tokens and in-flight bound allow; resumes it when none waits. */
  private pump(link: Link, s: LinkState): void {
    if (this.links.get(link) !== s || link.state === 'closed' || this.stopped) return;
    const now = this.clock.now();
    while (s.queue.length > 0 && s.inFlight < this.limits.perLinkInFlight && s.bucket.take(now)) {
      this.run(link, s, s.queue.shift()!);
    }
    if (s.queue.length === 0) link.resumeReading();
    else if (s.inFlight < this.limits.perLinkInFlight) this.drainLinkLater(link, s);
    // else: the next verification to finish pumps again
  }

  /**
   * Runs `accept` (store, relay, deliver a verified message) now if its origin is within its limit,
   * else later in order. Returns 'now', 'later', or 'dropped' (then the caller must not mark it seen).
   */
  admitFromOrigin(
    origin: string,
    label: string | (() => string),
    accept: () => void,
  ): 'now' | 'later' | 'dropped' {
    const now = this.clock.now();
    let s = this.origins.get(origin);
    if (!s) {
      this.forgetIdleOrigins(now);
      s = {
        bucket: new TokenBucket(this.limits.perOrigin, now),
        queue: [],
        timer: null,
        loggedAt: -Infinity,
        deferred: 0,
        dropped: 0,
      };
      this.origins.set(origin, s);
    }
    if (s.queue.length === 0 && s.bucket.take(now)) {
      accept();
      return 'now';
    }
    if (s.queue.length >= ORIGIN_QUEUE_MAX) {
      this.stats.droppedByOrigin++;
      s.dropped++;
      this.logOrigin(label, s, now);
      return 'dropped';
    }
    this.stats.limitedByOrigin++;
    s.deferred++;
    s.queue.push(accept);
    this.logOrigin(label, s, now);
    this.drainOriginLater(s);
    return 'later';
  }

  /**
   * True when this origin's held-back queue is full, so its next message would be dropped anyway:
   * the caller drops it before verifying (counted). Safe before verification: only verified messages
   * fill the queue, so a forger cannot make an honest author's messages be dropped this way.
   */
  dropUnverified(origin: string): boolean {
    const s = this.origins.get(origin);
    if (!s || s.queue.length < ORIGIN_QUEUE_MAX) return false;
    this.stats.droppedByOrigin++;
    s.dropped++;
    return true;
  }

  linkDown(link: Link): void {
    const s = this.links.get(link);
    if (!s) return;
    if (s.timer) this.clock.clearTimeout(s.timer);
    this.links.delete(link);
  }

  stop(): void {
    this.stopped = true;
    for (const link of [...this.links.keys()]) this.linkDown(link);
    for (const s of this.origins.values()) if (s.timer) this.clock.clearTimeout(s.timer);
    this.origins.clear();
  }

  private drainLinkLater(link: Link, s: LinkState): void {
    if (s.timer || this.stopped) return;
    s.timer = this.clock.setTimeout(
      () => {
        s.timer = null;
        this.pump(link, s);
      },
      Math.max(1, s.bucket.msUntilToken(this.clock.now())),
    );
  }

  private drainOriginLater(s: OriginState): void {
    if (s.timer || this.stopped) return;
    s.timer = this.clock.setTimeout(
      () => {
        s.timer = null;
        if (this.stopped) return;
        const now = this.clock.now();
        while (s.queue.length > 0 && s.bucket.take(now)) s.queue.shift()!();
        if (s.queue.length > 0) this.drainOriginLater(s);
      },
      Math.max(1, s.bucket.msUntilToken(this.clock.now())),
    );
  }

  private forgetIdleOrigins(now: number): void {
    if (this.origins.size < ORIGINS_TRACKED) return;
    for (const [key, s] of this.origins) {
      if (s.queue.length === 0 && s.bucket.full(now)) this.origins.delete(key);
    }
  }

  private logLink(link: Link, s: LinkState, now: number): void {
    if (now - s.loggedAt < LIMIT_LOG_INTERVAL_MS) return;
    s.loggedAt = now;
    this.logger?.warn('a link is over its flood limit: its messages are deferred', {
      peer: link.label,
      deferred: s.deferred,
      dropped: s.dropped,
    });
  }

  /** `label`: a function when making it costs something (it is needed only when logged). */
  private logOrigin(label: string | (() => string), s: OriginState, now: number): void {
    if (now - s.loggedAt < LIMIT_LOG_INTERVAL_MS) return;
    s.loggedAt = now;
    this.logger?.warn('an author is over its flood limit: its messages are held back', {
      origin: typeof label === 'string' ? label : label(),
      deferred: s.deferred,
      dropped: s.dropped,
    });
  }
}
