/**
 * A message reaches every node of a 200-node mesh within the hop limit: the real overlay choice builds
 * the links and the real lazy-push code (one PushTree per node) carries the messages, on the
 * simulator's virtual clock (bench/sim).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FloodSim } from '../../bench/sim/flood-sim.js';
import { buildGraph, distances, withoutNodes } from '../../bench/sim/graph.js';
import { currentGraph, repair } from '../../bench/sim/repair.js';
import { OverlayView } from '../../src/daemon/links/overlay.js';
import { DEFAULT_HOPS } from '../../src/wire/index.js';

const N = 200;

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`flood-sim:${i}`).digest('hex'));
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('flooding a 200-node simulated mesh', () => {
  it('reaches every node within the hop limit, by flood and then by the push tree', async () => {
    const all = ids(N);
    const view = new OverlayView(all);
    const sim = new FloodSim(
      buildGraph(all, () => view),
      lcg(1),
    );
    // The first message floods; later ones go down the tree its duplicates pruned.
    for (let i = 0; i < 4; i++) {
      const r = await sim.send(i * 37);
      expect(r.reached, `message ${i}`).toBe(N);
      expect(r.maxHops).toBeLessThanOrEqual(DEFAULT_HOPS);
      expect(r.hopLimited, 'nodes the hop limit stopped').toBe(0);
      // Far inside the limit: the old ring-with-two-chords took 14 hops at this size.
      expect(r.maxHops).toBeLessThanOrEqual(Math.ceil(Math.log2(N)) + 2);
    }
    const again = await sim.send(0);
    expect(again.reached).toBe(N);
    expect(again.copiesPerNode).toBeLessThan(1.5);
    sim.stop();
  });

  it('still reaches every survivor after 30 % of the nodes fail, before the overlay repairs', async () => {
    const all = ids(N);
    const view = new OverlayView(all);
    const graph = buildGraph(all, () => view);
    const sim = new FloodSim(graph, lcg(2));
    for (let i = 0; i < 3; i++) expect((await sim.send(0)).reached).toBe(N);
    const random = lcg(3);
    const gone = new Set<number>();
    while (gone.size < 0.3 * N) {
      const v = 1 + Math.floor(random() * (N - 1));
      gone.add(v);
    }
    sim.remove(gone);
    // Only where the survivors' graph is connected can a flood reach them all; with this seed it is.
    const survivors = withoutNodes(graph, gone).graph;
    expect(survivors.ids.length).toBe(N - gone.size);
    const r = await sim.send(0);
    expect(r.alive).toBe(N - gone.size);
    expect(r.reached).toBe(r.alive);
    expect(r.maxHops).toBeLessThanOrEqual(DEFAULT_HOPS);
    sim.stop();
  });

  it('reaches every survivor again once the overlay repaired itself after 30 % of the nodes failed', async () => {
    const all = ids(N);
    const view = new OverlayView(all);
    const sim = new FloodSim(
      buildGraph(all, () => view),
      lcg(4),
    );
    for (let i = 0; i < 3; i++) expect((await sim.send(0)).reached).toBe(N);
    const random = lcg(5);
    const gone = new Set<number>();
    while (gone.size < 0.3 * N) gone.add(1 + Math.floor(random() * (N - 1)));
    sim.remove(gone);
    await sim.send(0);
    const alive = all.map((_, i) => i).filter((i) => !gone.has(i));
    // The survivors relink as the link manager does: each dials what its choice over them wants.
    const done = repair(sim, all, alive, random);
    expect(done.dialled).toBeGreaterThan(0);
    const relinked = distances(currentGraph(sim, all, alive));
    expect(relinked.connected).toBe(true);
    expect(relinked.diameter).toBeLessThanOrEqual(2 * Math.log2(alive.length));
    for (let i = 0; i < 3; i++) {
      const r = await sim.send(i === 2 ? alive[alive.length - 1] : 0);
      expect(r.alive).toBe(alive.length);
      expect(r.reached, `message ${i} after the repair`).toBe(alive.length);
      expect(r.maxHops).toBeLessThanOrEqual(DEFAULT_HOPS);
      expect(r.hopLimited).toBe(0);
    }
    sim.stop();
  });
});
