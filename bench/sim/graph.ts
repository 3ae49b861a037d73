/**
 * The link graph the real overlay choice builds, as compact arrays, and the breadth-first searches the
 * simulator measures it with: exact diameters at N = 10,000 take one BFS per node, so the graph is kept
 * in typed arrays rather than maps of sets.
 */
import { OverlayView } from '../../src/daemon/links/overlay.js';

export interface Graph {
  ids: string[];
  /** CSR adjacency: the neighbours of node i are adj[start[i] .. start[i + 1]). */
  start: Int32Array;
  adj: Int32Array;
}

/**
 * Links as the daemon makes them: node i dials every peer its own view wants, and a link exists when
 * either end wants it. `viewOf(i)` is node i's knowledge; when every node knows everyone, pass one view.
 */
export function buildGraph(ids: string[], viewOf: (i: number) => OverlayView): Graph {
  const index = new Map(ids.map((id, i) => [id, i]));
  const sets = ids.map(() => new Set<number>());
  ids.forEach((id, i) => {
    for (const peer of viewOf(i).desired(id)) {
      const j = index.get(peer);
      if (j === undefined) continue;
      sets[i].add(j);
      sets[j].add(i);
    }
  });
  return toCsr(ids, sets);
}

export function toCsr(ids: string[], sets: Set<number>[]): Graph {
  const start = new Int32Array(ids.length + 1);
  sets.forEach((s, i) => (start[i + 1] = start[i] + s.size));
  const adj = new Int32Array(start[ids.length]);
  sets.forEach((s, i) => adj.set([...s], start[i]));
  return { ids, start, adj };
}

/** The graph without the nodes in `gone` (their links die with them; nobody repairs anything). */
export function withoutNodes(g: Graph, gone: Set<number>): { graph: Graph; kept: number[] } {
  const kept = g.ids.map((_, i) => i).filter((i) => !gone.has(i));
  const renumber = new Map(kept.map((old, i) => [old, i]));
  const sets = kept.map((old) => {
    const s = new Set<number>();
    for (let k = g.start[old]; k < g.start[old + 1]; k++) {
      const j = renumber.get(g.adj[k]);
      if (j !== undefined) s.add(j);
    }
    return s;
  });
  return {
    graph: toCsr(
      kept.map((i) => g.ids[i]),
      sets,
    ),
    kept,
  };
}

export function degrees(g: Graph): { mean: number; max: number } {
  let max = 0;
  for (let i = 0; i < g.ids.length; i++) max = Math.max(max, g.start[i + 1] - g.start[i]);
  return { mean: g.adj.length / g.ids.length, max };
}

/**
 * Eccentricity data of every node (or of `sources` only): the diameter (largest finite distance), the
 * mean distance between pairs, and whether every node reached every other.
 */
export function distances(
  g: Graph,
  sources?: number[],
): { diameter: number; meanHops: number; connected: boolean } {
  const n = g.ids.length;
  const dist = new Int32Array(n);
  const queue = new Int32Array(n);
  let diameter = 0;
  let sum = 0;
  let pairs = 0;
  let connected = true;
  for (const s of sources ?? Array.from({ length: n }, (_, i) => i)) {
    dist.fill(-1);
    dist[s] = 0;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const at = queue[head++];
      const d = dist[at] + 1;
      for (let k = g.start[at]; k < g.start[at + 1]; k++) {
        const next = g.adj[k];
        if (dist[next] < 0) {
          dist[next] = d;
          queue[tail++] = next;
          sum += d;
          pairs++;
          if (d > diameter) diameter = d;
        }
      }
    }
    if (tail < n) connected = false;
  }
  return { diameter, meanHops: pairs ? sum / pairs : 0, connected };
}
