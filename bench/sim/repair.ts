/**
 * The overlay's repair on the simulator's links, as the link manager runs it, and the live graph it
 * leaves: shared by `npm run sim` and the tests, so both judge the same repair.
 */
import { DEFAULT_DEGREE, OverlayView } from '../../src/daemon/links/overlay.js';
import type { FloodSim } from './flood-sim.js';
import { type Graph, toCsr } from './graph.js';

/** The live nodes' links as the simulator holds them now, renumbered over `alive`. */
export function currentGraph(sim: FloodSim, ids: string[], alive: number[]): Graph {
  const renumber = new Map(alive.map((old, i) => [old, i]));
  const sets = alive.map((v) => new Set(sim.neighbours(v).map((u) => renumber.get(u) ?? -1)));
  for (const s of sets) s.delete(-1);
  return toCsr(
    alive.map((v) => ids[v]),
    sets,
  );
}

/**
 * The link manager's repair (LinkManager.tick), run by every survivor once the dead have left its
 * peer table's eligible set: it dials every peer its overlay choice over the survivors wants; on a
 * later round (links younger than 15 s are never closed) it closes links neither end wants while it
 * has more than its degree. Returns how many links it dialled and closed.
 */
export function repair(
  sim: FloodSim,
  ids: string[],
  alive: number[],
  random: () => number,
): { dialled: number; closed: number } {
  const view = new OverlayView(alive.map((v) => ids[v]));
  const index = new Map(ids.map((id, i) => [id, i]));
  const wants = new Map<number, Set<string>>();
  let dialled = 0;
  let closed = 0;
  for (const v of alive) {
    const want = view.desired(ids[v]);
    wants.set(v, want);
    for (const id of want) {
      const u = index.get(id)!;
      if (sim.linked(v, u)) continue;
      sim.addLink(v, u, random);
      dialled++;
    }
  }
  const wanted = (a: number, b: number): boolean => wants.get(a)!.has(ids[b]) || wants.get(b)!.has(ids[a]);
  for (const v of alive) {
    for (const u of sim.neighbours(v)) {
      if (sim.neighbours(v).length <= DEFAULT_DEGREE) break;
      if (!wanted(v, u)) {
        sim.closeLink(v, u);
        closed++;
      }
    }
  }
  return { dialled, closed };
}
