/**
 * A discrete-event simulation of flooding over a link graph, driving the real lazy-push code
 * (src/daemon/push-tree.ts, one PushTree per node) on a virtual clock. What a node does with a flood
 * frame mirrors FloodRouter.handle/accept/broadcast (src/daemon/flood-router.ts) minus what costs CPU
 * and not hops (decoding, signatures, storage): drop what was seen (a duplicate on an eager link
 * prunes it), else deliver, and forward with the hop counter decremented while it is above 1, whole on
 * eager links and as an `ihave` on lazy ones; grafts are answered with the hop limit afresh, as the
 * router does. No sockets and no real time, so thousands of nodes fit in one process.
 */
import { DEFAULT_HOPS } from '../../src/wire/index.js';
import type { Clock, Timer } from '../../src/clock/clock.js';
import type { Link } from '../../src/daemon/links/link.js';
import { type OriginKey, PushTree } from '../../src/daemon/flood/push-tree.js';
import type { Graph } from './graph.js';

type Wire =
  | { kind: 'flood'; id: Uint8Array; origin: OriginKey; hops: number; travelled: number }
  | { kind: 'prune'; origin: Buffer }
  | { kind: 'ihave'; ids: Uint8Array[] }
  | { kind: 'graft'; ids: Uint8Array[]; origins?: Buffer[] };

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
  timer: boolean;
  cancelled?: boolean;
}

/** A binary heap of events by time, then by order of scheduling. */
class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(at: number, run: () => void, timer = false): SimEvent {
    const e: SimEvent = { at, seq: this.seq++, run, timer };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
    return e;
  }
  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** One end of a link: what the PushTree of `node` sees (it uses send and state, as of a real Link). */
class SimLink {
  state: 'up' | 'closed' = 'up';
  readonly lazyPush = true;
  peerEnd!: SimLink;
  constructor(
    private readonly sim: FloodSim,
    readonly node: number,
    readonly latencyMs: number,
  ) {}
  send(message: Wire): boolean {
    if (this.state !== 'up') return false;
    this.sim.transmit(this, message);
    return true;
  }
}

interface Seen {
  origin: OriginKey;
  from: SimLink | null;
  firstWasLazy: boolean;
}

export interface MessageResult {
  /** Nodes alive, and those the message reached (the origin counts as reached). */
  alive: number;
  reached: number;
  /**
   * First-arrival path lengths over the nodes reached, not counting the origin. A graft's answer
   * starts at the hop limit afresh (as the router's), so a path that went through one may be longer.
   */
  meanHops: number;
  maxHops: number;
  /** Whole copies received per node reached, duplicates included. */
  copiesPerNode: number;
  /** Nodes that got the message first with its hop counter spent, so did not forward it. */
  hopLimited: number;
  /** Virtual ms from sending to the last node reached. */
  lastMs: number;
}

export class FloodSim {
  readonly queue = new EventQueue();
  now = 0;
  private readonly trees: PushTree[];
  private readonly links: SimLink[][];
  private readonly seen: Map<string, Seen>[];
  private readonly dead = new Set<number>();
  private arrivals = new Map<number, { hops: number; at: number }>();
  private copies = 0;
  private hopLimited = 0;
  private current = '';
  private timerFired = false;
  private messageCount = 0;

  constructor(
    readonly graph: Graph,
    random: () => number,
    options: { hopLimit?: number } = {},
  ) {
    this.hopLimit = options.hopLimit ?? DEFAULT_HOPS;
    const n = graph.ids.length;
    this.links = Array.from({ length: n }, () => []);
    this.seen = Array.from({ length: n }, () => new Map());
    for (let a = 0; a < n; a++) {
      for (let k = graph.start[a]; k < graph.start[a + 1]; k++) {
        const b = graph.adj[k];
        if (b <= a) continue;
        const latency = 1 + random() * 4;
        const ab = new SimLink(this, a, latency);
        const ba = new SimLink(this, b, latency);
        ab.peerEnd = ba;
        ba.peerEnd = ab;
        this.links[a].push(ab);
        this.links[b].push(ba);
      }
    }
    const clock: Clock = {
      now: () => this.now,
      setTimeout: (fn, ms) =>
        this.queue.push(
          this.now + ms,
          () => {
            this.timerFired = true;
            fn();
          },
          true,
        ) as Timer,
      clearTimeout: (t) => void ((t as SimEvent).cancelled = true),
      setInterval: () => {
        throw new Error('not used by PushTree');
      },
      clearInterval: () => undefined,
    };
    this.trees = Array.from(
      { length: n },
      (_, v) =>
        new PushTree({
          clock,
          has: (id) => this.seen[v].has(key(id)),
          keyOf: key,
          originOf: (id) => this.seen[v].get(key(id))?.origin,
          resend: (link, ids) => {
            const origins: OriginKey[] = [];
            for (const id of ids) {
              const held = this.seen[v].get(key(id));
              if (!held) continue;
              (link as unknown as SimLink).send({
                kind: 'flood',
                id,
                origin: held.origin,
                hops: this.hopLimit,
                travelled: this.arrivals.get(v)?.hops ?? 0,
              });
              origins.push(held.origin);
            }
            return origins;
          },
        }),
    );
  }

  readonly hopLimit: number;

  transmit(from: SimLink, message: Wire): void {
    const to = from.peerEnd;
    this.queue.push(this.now + from.latencyMs, () => {
      if (to.state === 'up' && !this.dead.has(to.node)) this.receive(to, message);
    });
  }

  /** Nodes fail at once: their links close, and each neighbour's PushTree repairs what it lost. */
  remove(nodes: Iterable<number>): void {
    for (const v of nodes) {
      this.dead.add(v);
      this.trees[v].stop();
    }
    for (const v of this.dead) {
      for (const end of this.links[v]) if (end.state !== 'closed') this.close(end);
      this.links[v] = [];
    }
  }

  /** A new link, eager for every origin at both ends as a real one starts (the link manager dialled). */
  addLink(a: number, b: number, random: () => number): void {
    if (this.dead.has(a) || this.dead.has(b) || this.linked(a, b)) return;
    const latency = 1 + random() * 4;
    const ab = new SimLink(this, a, latency);
    const ba = new SimLink(this, b, latency);
    ab.peerEnd = ba;
    ba.peerEnd = ab;
    this.links[a].push(ab);
    this.links[b].push(ba);
  }

  /** Closes the link between `a` and `b` (the overlay no longer wants it), as a link that goes down. */
  closeLink(a: number, b: number): void {
    const end = this.links[a].find((l) => l.peerEnd.node === b);
    if (end) this.close(end);
  }

  linked(a: number, b: number): boolean {
    return this.links[a].some((l) => l.peerEnd.node === b);
  }

  /** The live nodes' current neighbours, by node index. */
  neighbours(v: number): number[] {
    return this.links[v].map((l) => l.peerEnd.node);
  }

  /**
   * Both ends of a link close; each live end drops it and, as FloodRouter.linkDown/repair does, asks
   * its remaining links to push the origins whose messages came on it.
   */
  private close(end: SimLink): void {
    for (const side of [end, end.peerEnd]) {
      side.state = 'closed';
      if (this.dead.has(side.node)) continue;
      this.links[side.node] = this.links[side.node].filter((l) => l !== side);
      const orphaned = this.trees[side.node].linkDown(side as unknown as Link);
      if (orphaned.length === 0) continue;
      const origins = orphaned.map((o) => Buffer.from(o, 'latin1'));
      for (const l of this.links[side.node]) l.send({ kind: 'graft', ids: [], origins });
    }
  }

  isAlive(v: number): boolean {
    return !this.dead.has(v);
  }

  /** Floods one message from `origin` and runs the simulation until nothing is left to happen. */
  async send(origin: number): Promise<MessageResult> {
    const id = Buffer.alloc(16);
    id.writeUInt32BE(++this.messageCount, 0);
    id.writeUInt32BE(origin, 4);
    this.current = key(id);
    this.arrivals = new Map([[origin, { hops: 0, at: this.now }]]);
    this.copies = 0;
    this.hopLimited = 0;
    const start = this.now;
    const originKey = `origin:${origin}`;
    this.seen[origin].set(this.current, { origin: originKey, from: null, firstWasLazy: false });
    this.broadcast(origin, { kind: 'flood', id, origin: originKey, hops: this.hopLimit, travelled: 0 }, null);
    await this.run();
    let sum = 0;
    let max = 0;
    let last = start;
    for (const [v, a] of this.arrivals) {
      if (v === origin) continue;
      sum += a.hops;
      max = Math.max(max, a.hops);
      last = Math.max(last, a.at);
    }
    const reached = this.arrivals.size;
    return {
      alive: this.graph.ids.length - this.dead.size,
      reached,
      meanHops: reached > 1 ? sum / (reached - 1) : 0,
      maxHops: max,
      copiesPerNode: reached > 1 ? this.copies / (reached - 1) : 0,
      hopLimited: this.hopLimited,
      lastMs: last - start,
    };
  }

  /**
   * Runs events in time order. PushTree sends its batched `ihave`s from a quiet turn of the real
   * event loop (quiet-turn.ts), so after a timer fires the loop gets turns before time moves on.
   */
  private async run(): Promise<void> {
    for (;;) {
      const e = this.queue.pop();
      if (!e) {
        // Work queued for a quiet turn may still send something: give it turns before stopping.
        let more = false;
        for (let i = 0; i < 8 && !more; i++) {
          await turn();
          more = this.queue.size > 0;
        }
        if (!more) return;
        continue;
      }
      if (e.cancelled) continue;
      this.now = Math.max(this.now, e.at);
      this.timerFired = false;
      e.run();
      if (this.timerFired) await turn();
    }
  }

  private receive(link: SimLink, m: Wire): void {
    const v = link.node;
    const tree = this.trees[v];
    const l = link as unknown as Link;
    if (m.kind === 'prune') return tree.onPrune(l, m.origin.toString('latin1'));
    if (m.kind === 'ihave') return tree.onIHave(l, m.ids, key);
    if (m.kind === 'graft') {
      return tree.onGraft(
        l,
        m.ids,
        m.origins?.map((o) => o.toString('latin1')),
      );
    }
    const k = key(m.id);
    if (k === this.current) this.copies++;
    const seen = this.seen[v].get(k);
    if (seen) {
      if (seen.from !== link) tree.duplicateFrom(l, seen.origin, seen.firstWasLazy);
      return;
    }
    tree.received(k);
    const firstWasLazy = tree.firstFrom(l, m.origin);
    this.seen[v].set(k, { origin: m.origin, from: link, firstWasLazy });
    if (k === this.current) this.arrivals.set(v, { hops: m.travelled + 1, at: this.now });
    if (m.hops > 1) this.broadcast(v, { ...m, hops: m.hops - 1, travelled: m.travelled + 1 }, link);
    else if (k === this.current && this.links[v].length > 1) this.hopLimited++;
  }

  private broadcast(v: number, m: Wire & { kind: 'flood' }, except: SimLink | null): void {
    const tree = this.trees[v];
    for (const link of this.links[v]) {
      if (link === except) continue;
      const l = link as unknown as Link;
      if (!tree.isEager(l, m.origin)) tree.announce(l, m.id, key(m.id));
      else link.send(m);
    }
  }

  stop(): void {
    for (const t of this.trees) t.stop();
  }
}

function key(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
