/**
 * Which peers to keep links to: a pure choice, so it is tested alone and every node computes the same
 * answer from the same knowledge. With few nodes it is a full mesh. Beyond that each node links to its
 * nearest neighbours on a ring ordered by node id (which keeps the graph connected) plus chords across
 * the ring at halving distances (which keep the diameter logarithmic). A link is kept when either end
 * wants it, so both ends agree without coordination.
 */
import type { NodeIdHex } from '../wire/index.js';

export interface OverlayOptions {
  /** Target number of links per node. @default 6 */
  degree?: number;
}

export const DEFAULT_DEGREE = 6;

/** The peers `self` wants links to, out of `known` (which may include self). */
export function desiredPeers(
  self: NodeIdHex,
  known: Iterable<NodeIdHex>,
  options: OverlayOptions = {},
): Set<NodeIdHex> {
  const degree = Math.max(2, options.degree ?? DEFAULT_DEGREE);
  const ring = [...new Set([...known, self])].sort();
  const n = ring.length;
  const want = new Set<NodeIdHex>();
  if (n - 1 <= degree) {
    for (const id of ring) if (id !== self) want.add(id);
    return want;
  }
  const at = ring.indexOf(self);
  const pick = (offset: number) => {
    const id = ring[(((at + offset) % n) + n) % n];
    if (id !== self) want.add(id);
  };
  // Two neighbours each side: the ring survives any single failure without partitioning.
  const neighbours = Math.min(2, Math.floor(degree / 2));
  for (let k = 1; k <= neighbours; k++) {
    pick(k);
    pick(-k);
  }
  // Chords at n/2, n/4, ... forward: O(log n) hops between any two nodes.
  for (let dist = Math.floor(n / 2); dist > neighbours && want.size < degree; dist = Math.floor(dist / 2)) {
    pick(dist);
  }
  return want;
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
  const all = [...known, a, b];
  return desiredPeers(a, all, options).has(b) || desiredPeers(b, all, options).has(a);
}
