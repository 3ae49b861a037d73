/**
 * Which peers to keep links to: a pure choice, so it is tested alone and every node computes the same
 * answer from the same knowledge. With few nodes it is a full mesh. Beyond that each node links to its
 * nearest neighbours on a ring ordered by node id (which keeps the graph connected whatever else
 * happens) plus a few long links, each to the known node nearest a point of the id space that hashing
 * its own id picks. A link is kept when either end wants it, so both ends agree without coordination.
 *
 * Why random long links and not chords at fixed ring offsets (n/2, n/4, ...): a bounded number of
 * fixed chords reaches only a bounded number of halvings, so the diameter grew linearly (14 at 200
 * nodes, 26 at 400 with degree 6). A ring plus a few links to random nodes is an expander: its
 * diameter grows as log N (Bollobás and Chung, "The diameter of a cycle plus a random matching", 1988),
 * and it stays connected when a large share of nodes fails. Points in the id space rather than ranks
 * in the sorted list keep it stable under churn: a node that joins or leaves changes only its ring
 * neighbours and the long links whose point it is (or was) nearest to, and when a target leaves, the
 * next nearest node takes its place, so the overlay repairs itself. A node that knows only part of the
 * membership still links to a random node, which is all the expansion needs. bench/sim shows the figures.
 */
import { createHash } from 'node:crypto';
import type { NodeIdHex } from '../../wire/index.js';

export interface OverlayOptions {
  /** Target number of links this node asks for (others' long links to it come on top). @default 6 */
  degree?: number;
}

export const DEFAULT_DEGREE = 6;

/** The largest mesh the overlay and the hop limit are sized for (a campus LAN, with room to spare). */
export const MESH_TARGET_NODES = 10_000;

/**
 * The hop limit a mesh of `nodes` needs: ⌈2·log2 N⌉, the diameter bound the overlay is held to by its
 * tests (at every degree from 3: more links only shorten paths, so the bound does not depend on the
 * degree), plus one hop because a relay forwards the first copy it gets, and with links of unequal
 * latency that copy may have come the long way round. At the target of 10,000 nodes that is 28, where
 * the measured diameter is 7 whole and 11 with 30 % of the nodes gone before the survivors relink
 * (BENCHMARKS.md §8): a message is never cut by its hop count in any mesh the overlay promises to keep.
 * Hops cost nothing when nothing is left to reach (every relay drops what it has seen), so a generous
 * limit is free; it is DEFAULT_HOPS in src/wire (which imports nothing), and a test ties the two.
 */
export function hopLimitFor(nodes: number): number {
  return Math.ceil(2 * Math.log2(Math.max(2, nodes))) + 1;
}

/** Ring neighbours asked for on each side (one when the degree is below 5). */
const RING_NEIGHBOURS = 2;
const SPACE = 2 ** 48;

/** A node's place in the id space: the id's first 48 bits (ids are public keys), else a hash of it. */
function position(id: string): number {
  const head = id.slice(0, 12);
  if (/^[0-9a-fA-F]{12}$/.test(head)) return parseInt(head, 16);
  return hashPoint(`position:${id}`);
}

function hashPoint(text: string): number {
  return createHash('sha256').update(text).digest().readUIntBE(0, 6);
}

function ringDistance(a: number, b: number): number {
  const d = Math.abs(a - b);
  return Math.min(d, SPACE - d);
}

/**
 * The overlay over one set of known ids, sorted once: a simulation (or a node judging many links)
 * asks it for many nodes' choices at the cost of one sort.
 */
export class OverlayView {
  readonly size: number;
  private readonly ids: NodeIdHex[];
  private readonly positions: number[];
  private readonly index = new Map<NodeIdHex, number>();
  private readonly degree: number;

  constructor(known: Iterable<NodeIdHex>, options: OverlayOptions = {}) {
    this.degree = Math.max(2, options.degree ?? DEFAULT_DEGREE);
    const placed = [...new Set(known)].map((id) => ({ id, at: position(id) }));
    placed.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.ids = placed.map((p) => p.id);
    this.positions = placed.map((p) => p.at);
    this.ids.forEach((id, i) => this.index.set(id, i));
    this.size = this.ids.length;
  }

  has(id: NodeIdHex): boolean {
    return this.index.has(id);
  }

  /** The peers `self` wants links to; `self` must be in the view. */
  desired(self: NodeIdHex): Set<NodeIdHex> {
    const at = this.index.get(self);
    if (at === undefined) throw new Error('overlay: the choosing node is not in the view');
    const n = this.size;
    const want = new Set<NodeIdHex>();
    if (n - 1 <= this.degree) {
      for (const id of this.ids) if (id !== self) want.add(id);
      return want;
    }
    // Neighbours on both sides (the ring survives any single failure without partitioning), but at
    // least one long link from degree 3 on: without them the diameter grows linearly again.
    const neighbours = Math.max(1, Math.min(RING_NEIGHBOURS, Math.floor((this.degree - 1) / 2)));
    for (let k = 1; k <= neighbours; k++) {
      want.add(this.ids[(at + k) % n]);
      want.add(this.ids[(at - k + n) % n]);
    }
    // Long links: a point that lands on self or a neighbour is skipped for the next one, a bounded
    // number of times (a tiny ring may have no other node to offer).
    const long = this.degree - want.size;
    for (let i = 0, added = 0; added < long && i < long + 8; i++) {
      const target = this.nearest(hashPoint(`${self}:${i}`));
      if (target === self || want.has(target)) continue;
      want.add(target);
      added++;
    }
    return want;
  }

  /** True when a link between `a` and `b` (both in the view) is part of the overlay from either end. */
  linkWanted(a: NodeIdHex, b: NodeIdHex): boolean {
    return this.desired(a).has(b) || this.desired(b).has(a);
  }

  private nearest(point: number): NodeIdHex {
    const p = this.positions;
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (p[mid] < point) lo = mid + 1;
      else hi = mid;
    }
    const after = lo % p.length;
    const before = (lo - 1 + p.length) % p.length;
    return ringDistance(p[before], point) <= ringDistance(p[after], point)
      ? this.ids[before]
      : this.ids[after];
  }
}

/** The peers `self` wants links to, out of `known` (which may include self). */
export function desiredPeers(
  self: NodeIdHex,
  known: Iterable<NodeIdHex>,
  options: OverlayOptions = {},
): Set<NodeIdHex> {
  return new OverlayView([...known, self], options).desired(self);
}

/**
 * True when a link between `a` and `b` is part of the overlay from either end's view. `known` may leave
 * out either end (a node's peer list does not hold itself): both are on the ring all the same, or `b`'s
 * choice would be computed on a ring without `a` and a link only `b` wants would look unwanted.
 */
export function linkWanted(
  a: NodeIdHex,
  b: NodeIdHex,
  known: Iterable<NodeIdHex>,
  options: OverlayOptions = {},
): boolean {
  return new OverlayView([...known, a, b], options).linkWanted(a, b);
}
