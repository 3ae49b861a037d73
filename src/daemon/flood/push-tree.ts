/**
 * Lazy push, after Plumtree (Leitão, Pereira and Rodrigues, "Epidemic Broadcast Trees", SRDS 2007),
 * with one tree per origin.
 *
 * Flooding sends each message on every link, so a node with d links receives d copies of it and
 * decodes, looks up and discards d − 1 of them. Here a link is eager or lazy for each origin: eager
 * links carry that origin's messages whole, lazy links only their ids, batched into `ihave` frames.
 * Every link starts eager. When one of an origin's messages arrives a second time on an eager link, the
 * link is made lazy for that origin at both ends (`prune`): the origin's eager links thin out to a tree
 * along the fastest paths from it, and each node then receives each message once.
 *
 * Why a tree per origin and not Plumtree's one shared tree: with many origins sending at once, messages
 * cross an edge in both directions and prune two edges of one cycle, which cuts the shared tree; in a
 * 50-node mesh measured here it settled into 10 to 16 pieces joined only by grafts, and the median
 * delivery took 280 ms. An origin's own messages all flow outwards from it, so they cannot do that.
 *
 * When a node hears of an id and the message itself has not come within the graft timeout, it asks the
 * announcer for it (`graft`), and the announcer makes the link eager for that message's origin: a tree
 * cut anywhere mends, at the cost of one timeout for one message. Only ids announced on that link are
 * answered, once each. And when a node loses the link an origin's messages came on (its parent in
 * that origin's tree), it does not wait for that: it asks its other links to push the origin to it
 * (`graft` {origins}), and the duplicates that follow prune the tree back to one path.
 */
import { type Bytes, MAX_IHAVE_IDS } from '../../wire/index.js';
import type { Clock, Timer } from '../../clock/clock.js';
import type { Link } from '../links/index.js';
import type { LoopLagSource } from './loop-lag.js';
import { QuietTurns } from './quiet-turn.js';
import { IdRing } from './id-ring.js';

export interface PushTreeTimings {
  /**
   * How long announcements wait to be batched into one `ihave` per link; then they go at the next
   * quiet turn (quiet-turn.ts), not in the middle of relaying a message.
   */
  announceDelayMs: number;
  /** How long an announced message may take to arrive before it is grafted, on a loop without lag. */
  graftTimeoutMs: number;
  /** Each ms of the event loop's lag (loop-lag.ts) adds this many ms to the graft timeout... */
  graftLagFactor: number;
  /** ... up to this timeout in all. */
  graftTimeoutMaxMs: number;
}

export const DEFAULT_PUSH_TREE_TIMINGS: PushTreeTimings = {
  announceDelayMs: 200,
  graftTimeoutMs: 250,
  graftLagFactor: 20,
  graftTimeoutMaxMs: 2000,
};

/**
 * How long an announced message may take before it is grafted, when the loop lags `lagMs` behind:
 * longer in proportion to the lag, bounded. A loop that lags is slow to bring the eager copy too
 * (it sits in a socket, a read queue or the verification pool behind the others), and a graft then
 * only adds a copy and more work to a loop already behind (loop-lag.ts says what that cost).
 */
export function graftWaitMs(t: PushTreeTimings, lagMs: number): number {
  const extra = Number.isFinite(lagMs) && lagMs > 0 ? lagMs * t.graftLagFactor : 0;
  return Math.max(t.graftTimeoutMs, Math.min(t.graftTimeoutMaxMs, t.graftTimeoutMs + extra));
}

/** Announced but missing messages tracked at once; beyond that, history sync fills the gaps. */
export const MAX_MISSING = 4096;
/** Of those, first announced by one link: a neighbour announcing junk cannot crowd out the others. */
export const MAX_MISSING_PER_LINK = 1024;
/** Announcers kept per missing message, to graft from in turn. */
const MAX_ANNOUNCERS = 4;
/** Origins a link may be lazy for; past that its list is dropped (it is eager again for all). */
export const MAX_LAZY_ORIGINS = 4096;
/**
 * Ids remembered per link as announced to it, the only ones its grafts may ask for (the oldest is
 * forgotten first). A graft comes 0.45 s after the announcement (up to 2.2 s on a lagging loop, see
 * graftWaitMs), as long again per further announcer;
 * 4096 ids last ~3 s at the highest rate a 10-node mesh sustains here (~1,400 msg/s, BENCHMARKS.md),
 * and take 84 KB per link in an IdRing (typed arrays, no garbage; a Set of strings churned ~160 KB
 * tables through the large-object space). A graft for an id forgotten is not answered, but still makes
 * the link eager for the id's origin when the router knows it (PushTreeOptions.originOf).
 */
export const MAX_ANNOUNCED_PER_LINK = 4096;

export interface PushTreeStats {
  /** Prunes sent: an eager link brought a message we had. */
  prunes: number;
  /** Grafts sent: messages announced to us that did not arrive in time. */
  grafts: number;
  /** Messages sent in answer to a neighbour's graft. */
  regrafted: number;
  /** Ids announced in `ihave` frames, and the frames. */
  announced: number;
  ihaveFrames: number;
  /** Links lost that were a parent for some origin, after which the other links were asked to push. */
  repairs: number;
}

interface Missing {
  id: Bytes;
  /** The link that announced it first, charged for it against MAX_MISSING_PER_LINK. */
  owner: Link;
  announcers: Link[];
  timer: Timer;
}

/** An origin, as the latin1 string of its 32-byte node id (a cheap map key). */
export type OriginKey = string;

export interface PushTreeOptions {
  clock: Clock;
  /** The node's quiet-turn scheduler, where batched announcements wait. @default a new one */
  quietTurns?: QuietTurns;
  /**
   * False: every link stays eager (plain flooding). Such a node never prunes, but it still honours its
   * neighbours' prunes and grafts and grafts what they announce, so it mixes with lazy-push nodes.
   * @default true
   */
  lazyPush?: boolean;
  timings?: Partial<PushTreeTimings>;
  /** Whether a message is already held (seen or stored); `key` is its keyOf. */
  has(id: Bytes, key: string): boolean;
  /**
   * Sends these messages, if held, to a neighbour that grafted them; returns the origins of those sent.
   * Only ids announced to that link and not yet resent to it are passed (see onGraft).
   */
  resend(link: Link, ids: Bytes[]): OriginKey[];
  /** The origin of a message flooded lately, if known (to honour a graft for an id forgotten). */
  originOf?(id: Bytes): OriginKey | undefined;
  /** The map key of an id (the flood router's seen-cache key). @default its bytes as latin1 */
  keyOf?(id: Bytes): string;
  /** The event loop's lag in ms, read when a graft timer is set (graftWaitMs). @default none: 0 */
  loopLag?: LoopLagSource;
}

export class PushTree {
  readonly stats: PushTreeStats = {
    prunes: 0,
    grafts: 0,
    regrafted: 0,
    announced: 0,
    ihaveFrames: 0,
    repairs: 0,
  };
  readonly lazyPush: boolean;
  private readonly opts: PushTreeOptions;
  private readonly quietTurns: QuietTurns;
  private readonly timings: PushTreeTimings;
  /** Per link, the origins it is lazy for. */
  private readonly lazy = new WeakMap<Link, Set<OriginKey>>();
  private readonly pending = new Map<Link, Bytes[]>();
  private readonly missing = new Map<string, Missing>();
  private readonly missingBy = new Map<Link, number>();
  /** Per link, the ids announced to it and not yet grafted by it, oldest first. */
  private readonly announced = new WeakMap<Link, IdRing>();
  /**
   * Per origin, the link its newest message (by the origin's ts) came on first: its parent in that
   * origin's tree; null once that link went down, until the origin's next newer message.
   */
  private readonly parents = new Map<OriginKey, { link: Link | null; ts: number }>();
  private flushTimer: Timer | null = null;

  constructor(opts: PushTreeOptions) {
    this.opts = opts;
    this.quietTurns = opts.quietTurns ?? new QuietTurns();
    this.lazyPush = opts.lazyPush ?? true;
    this.timings = { ...DEFAULT_PUSH_TREE_TIMINGS, ...opts.timings };
  }

  /** Messages announced to us that have not arrived yet (each with a graft timer running). */
  get awaiting(): number {
    return this.missing.size;
  }

  isEager(link: Link, origin: OriginKey): boolean {
    return !this.lazy.get(link)?.has(origin);
  }

  /**
   * A message new to us came on `link`. If the link was lazy for its origin (it answered a graft, or
   * sent before our prune reached it), it is the better path now: eager again. Returns whether it was
   * lazy, which `duplicateFrom` needs.
   */
  firstFrom(link: Link, origin: OriginKey, ts?: number): boolean {
    let parent = this.parents.get(origin);
    // Re-inserted at the end each time, so the first entry is the origin heard from longest ago: a
    // flood of made-up identities pushes out only origins that have gone quiet.
    if (!this.parents.delete(origin) && this.parents.size >= MAX_LAZY_ORIGINS) {
      this.parents.delete(this.parents.keys().next().value!);
    }
    // An older message come late, on a path slow at that moment, names no parent. By arrival order,
    // two nodes could each take the other as parent (m1 came x→y→z before w→z, m2 w→z→y before
    // x→y), prune w and x, and be cut off together: 128 of 131 cut pairs in a saturated 50-node
    // mesh. By the origin's order, the parents are the first-arrival tree of one message.
    if (!parent || ts === undefined || ts >= parent.ts) parent = { link, ts: ts ?? parent?.ts ?? 0 };
    this.parents.set(origin, parent);
    const lazy = this.lazy.get(link);
    if (lazy === undefined || !lazy.delete(origin)) return false;
    // Its far end may not know: it pushed before our prune reached it, and takes the prune next. The
    // tree is then cut here until the origin's next message is grafted (keepPushing says why).
    this.keepPushing(link, origin);
    return true;
  }

  /**
   * A message we had came again on `link`. If the first copy came on an eager link (an established
   * path), this link is redundant for its origin: prune it at both ends. If the first copy came by a
   * graft or a race, this link may be the real path, so it stays. A copy on a link already lazy here
   * means the other end missed or undid our prune (it took a copy from us as its first): prune again.
   */
  duplicateFrom(link: Link, origin: OriginKey, firstWasLazy: boolean): void {
    // From our parent, it is an older message that came late: its newest message came first there.
    if (!this.lazyPush || firstWasLazy || this.parents.get(origin)?.link === link) return;
    this.setLazy(link, origin);
    this.stats.prunes++;
    link.send({ kind: 'prune', origin: Buffer.from(origin, 'latin1') });
  }

  /** Queues an id for the next `ihave` on a link that is lazy for its origin. */
  announce(link: Link, id: Bytes, key: string = this.keyOf(id)): void {
    let told = this.announced.get(link);
    if (!told) this.announced.set(link, (told = new IdRing(MAX_ANNOUNCED_PER_LINK)));
    if (!told.has(key)) told.push(key); // full: the oldest is forgotten
    let ids = this.pending.get(link);
    if (!ids) this.pending.set(link, (ids = []));
    ids.push(id);
    if (ids.length >= MAX_IHAVE_IDS) this.flushLink(link, ids);
    else {
      this.flushTimer ??= this.opts.clock.setTimeout(
        () => this.quietTurns.whenQuiet(() => this.flush()),
        this.timings.announceDelayMs,
      );
    }
  }

  /** A new message arrived (by any path): it is no longer missing. */
  received(key: string): void {
    const entry = this.missing.get(key);
    if (!entry) return;
    this.opts.clock.clearTimeout(entry.timer);
    this.forget(key, entry);
  }

  private forget(key: string, entry: Missing): void {
    this.missing.delete(key);
    const n = (this.missingBy.get(entry.owner) ?? 1) - 1;
    if (n > 0) this.missingBy.set(entry.owner, n);
    else this.missingBy.delete(entry.owner);
  }

  onPrune(link: Link, origin: OriginKey): void {
    // From our parent for this origin, the prune is stale: a copy we sent it before its messages
    // came to us first. Taken, it would cut us off the origin's tree.
    // Without a parent since it went down, the repair asked every link to push (linkDown); a copy
    // we pass on meanwhile (one verified as the link went, or by history sync) draws prunes from them.
    const parent = this.parents.get(origin);
    if (parent && (parent.link === link || parent.link === null)) this.keepPushing(link, origin);
    else this.setLazy(link, origin);
  }

  /**
   * Asks a link to push an origin's messages to us eagerly (`graft` {origins}). Under load, copies of
   * one origin's messages take different paths in different orders, and prunes cross the messages
   * that changed a node's parent: left so, a saturated 10-node mesh ended with 59 of its 90 (node,
   * origin) pairs cut off their origin's tree, and each origin's next message reached them only by
   * announcement and graft (up to 2.2 s when the loop lags) however idle the mesh was by then.
   */
  private keepPushing(link: Link, origin: OriginKey): void {
    link.send({ kind: 'graft', ids: [], origins: [Buffer.from(origin, 'latin1')] });
  }

  onIHave(link: Link, ids: Bytes[], keyOf: (id: Bytes) => string): void {
    for (const id of ids) {
      const key = keyOf(id);
      const entry = this.missing.get(key);
      if (entry) {
        if (entry.announcers.length < MAX_ANNOUNCERS && !entry.announcers.includes(link)) {
          entry.announcers.push(link);
        }
        continue;
      }
      const charged = this.missingBy.get(link) ?? 0;
      if (this.missing.size >= MAX_MISSING || charged >= MAX_MISSING_PER_LINK || this.opts.has(id, key))
        continue;
      const timer = this.opts.clock.setTimeout(() => this.expire(key), this.graftWait());
      this.missing.set(key, { id, owner: link, announcers: [link], timer });
      this.missingBy.set(link, charged + 1);
    }
  }

  /**
   * A neighbour missed these: send them, and push their origins' messages to it eagerly from now on.
   * Only what was announced to it, once each: a graft is an answer to our `ihave`, so a neighbour can
   * neither pull the history through grafts (each stored room message for a 16-byte id) nor have the
   * same messages sent again and again.
   */
  onGraft(link: Link, ids: Bytes[], eagerFor: OriginKey[] = []): void {
    const lazy = this.lazy.get(link);
    if (lazy) for (const origin of eagerFor) lazy.delete(origin);
    const told = this.announced.get(link);
    const wanted: Bytes[] = [];
    for (const id of ids) {
      if (told?.delete(this.keyOf(id))) wanted.push(id);
      else if (lazy) {
        // Not answered (forgotten, or never announced here), but the neighbour wants this origin.
        const origin = this.opts.originOf?.(id);
        if (origin !== undefined) lazy.delete(origin);
      }
    }
    if (wanted.length === 0) return;
    const origins = this.opts.resend(link, wanted);
    this.stats.regrafted += origins.length;
    if (lazy) for (const origin of origins) lazy.delete(origin);
  }

  /**
   * A link went down. Returns the origins it was our parent for: their trees lost their way to us,
   * and until they mend (by an `ihave` and a graft, ~0.5 s) their next messages would come late. The
   * caller asks the remaining links to push those origins eagerly (`graft` {origins}); the duplicates
   * that follow prune the tree back to one path.
   */
  linkDown(link: Link): OriginKey[] {
    this.pending.delete(link);
    const orphaned: OriginKey[] = [];
    for (const [origin, parent] of this.parents) {
      if (parent.link !== link) continue;
      parent.link = null;
      orphaned.push(origin);
    }
    // A node that floods prunes nobody, so every link towards it is still eager: nothing to repair.
    if (!this.lazyPush || orphaned.length === 0) return [];
    this.stats.repairs++;
    return orphaned;
  }

  stop(): void {
    if (this.flushTimer) this.opts.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const entry of this.missing.values()) this.opts.clock.clearTimeout(entry.timer);
    this.missing.clear();
    this.missingBy.clear();
    this.pending.clear();
    this.parents.clear();
  }

  private keyOf(id: Bytes): string {
    return this.opts.keyOf ? this.opts.keyOf(id) : Buffer.from(id).toString('latin1');
  }

  private setLazy(link: Link, origin: OriginKey): void {
    let lazy = this.lazy.get(link);
    if (!lazy || lazy.size >= MAX_LAZY_ORIGINS) this.lazy.set(link, (lazy = new Set()));
    lazy.add(origin);
  }

  /** The announced message has not come: graft it from the next announcer still linked. */
  private expire(key: string): void {
    const entry = this.missing.get(key);
    if (!entry) return;
    let link = entry.announcers.shift();
    while (link && link.state !== 'up') link = entry.announcers.shift();
    if (!link || this.opts.has(entry.id, key)) {
      this.forget(key, entry);
      return;
    }
    this.stats.grafts++;
    link.send({ kind: 'graft', ids: [entry.id] });
    // If this announcer does not answer either, the next one is asked after another timeout.
    entry.timer = this.opts.clock.setTimeout(() => this.expire(key), this.graftWait());
  }

  private graftWait(): number {
    return graftWaitMs(this.timings, this.opts.loopLag?.() ?? 0);
  }

  private flush(): void {
    this.flushTimer = null;
    for (const [link, ids] of this.pending) this.flushLink(link, ids);
  }

  private flushLink(link: Link, ids: Bytes[]): void {
    this.pending.delete(link);
    if (link.send({ kind: 'ihave', ids })) {
      this.stats.announced += ids.length;
      this.stats.ihaveFrames++;
    }
  }
}
