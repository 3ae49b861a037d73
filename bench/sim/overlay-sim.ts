/**
 * `npm run sim`: the overlay at sizes no machine here can run as daemons. Builds the link graph with
 * the real overlay choice (src/daemon/overlay.ts), measures its hops exactly by breadth-first search,
 * and floods messages over it with the real lazy-push code (flood-sim.ts), whole and with 10 % and
 * 30 % of the nodes removed at random, before the overlay repairs itself (links to the dead just
 * vanish; the push trees mend by graft) and after (every survivor recomputes its choice).
 *
 *   node dist/bench/sim/overlay-sim.js [--n 10,50,...] [--exact-up-to 2000] [--seed 1] [--partial 0.5]
 *
 * Work is bounded: above --exact-up-to nodes the diameter and mean hops come from BFS out of 256
 * sampled nodes (printed with ~, a lower bound for the diameter); the partial-knowledge column
 * (every node knowing a random share of the others) runs up to 2,000 nodes, one sorted view per node.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_HOPS } from '../../src/wire/index.js';
import { DEFAULT_DEGREE, OverlayView } from '../../src/daemon/links/overlay.js';
import { buildGraph, degrees, distances, type Graph, withoutNodes } from './graph.js';
import { FloodSim } from './flood-sim.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg('n', '10,50,100,200,400,1000,2000,5000,10000').split(',').map(Number);
const exactUpTo = Number(arg('exact-up-to', '2000'));
const seed = Number(arg('seed', '1'));
const partialShare = Number(arg('partial', '0.5'));
const PARTIAL_UP_TO = 2000;
const SAMPLED_SOURCES = 256;

/** mulberry32: a seeded generator, so a run can be repeated. */
function rng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function nodeIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`sim:${seed}:${i}`).digest('hex'));
}

function pickRemoved(n: number, share: number, keep: number, random: () => number): Set<number> {
  const order = Array.from({ length: n }, (_, i) => i).filter((i) => i !== keep);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return new Set(order.slice(0, Math.round(n * share)));
}

function hopsOf(
  g: Graph,
  random: () => number,
): { text: string; diameter: number; meanHops: number; connected: boolean } {
  const n = g.ids.length;
  if (n <= exactUpTo) {
    const d = distances(g);
    return { ...d, text: `${d.meanHops.toFixed(2)} / ${d.diameter}` };
  }
  const sources = Array.from({ length: SAMPLED_SOURCES }, () => Math.floor(random() * n));
  const d = distances(g, sources);
  return { ...d, text: `~${d.meanHops.toFixed(2)} / ≥${d.diameter}` };
}

function pct(reached: number, alive: number): string {
  return `${((100 * reached) / alive).toFixed(reached === alive ? 0 : 2)} %`;
}

async function scenarioRemoved(g: Graph, share: number, random: () => number): Promise<string> {
  const origin = 0;
  const sim = new FloodSim(g, random);
  // A few messages first, so the push trees stand and removal cuts them.
  for (let i = 0; i < 3; i++) await sim.send(origin);
  const gone = pickRemoved(g.ids.length, share, origin, random);
  sim.remove(gone);
  const first = await sim.send(origin);
  const next = await sim.send(origin);
  sim.stop();
  const left = withoutNodes(g, gone).graph;
  const hops = hopsOf(left, random);
  // Survivors whose every neighbour died: no protocol reaches them until the overlay repairs.
  let cutOff = 0;
  for (let i = 0; i < left.ids.length; i++) if (left.start[i + 1] === left.start[i]) cutOff++;
  return (
    `${hops.text} | ${pct(first.reached, first.alive)}, ${pct(next.reached, next.alive)} | ` +
    `${cutOff} | ${next.copiesPerNode.toFixed(2)}`
  );
}

async function repaired(ids: string[], share: number, random: () => number): Promise<string> {
  const gone = pickRemoved(ids.length, share, 0, random);
  const left = ids.filter((_, i) => !gone.has(i));
  const view = new OverlayView(left);
  const g = buildGraph(left, () => view);
  const hops = hopsOf(g, random);
  const sim = new FloodSim(g, random);
  const r = await sim.send(0);
  sim.stop();
  return `${hops.text}${hops.connected ? '' : ' (split)'} | ${pct(r.reached, r.alive)}`;
}

function partial(ids: string[], random: () => number): string {
  if (ids.length > PARTIAL_UP_TO) return '– | –';
  const views = ids.map(
    (self) => new OverlayView([self, ...ids.filter((id) => id !== self && random() < partialShare)]),
  );
  const g = buildGraph(ids, (i) => views[i]);
  const hops = hopsOf(g, random);
  const deg = degrees(g);
  return `${hops.text}${hops.connected ? '' : ' (split)'} | ${deg.mean.toFixed(2)} / ${deg.max}`;
}

async function main(): Promise<void> {
  console.log(`overlay simulation: degree ${DEFAULT_DEGREE}, hop limit ${DEFAULT_HOPS}, seed ${seed}`);
  console.log(
    'hops: mean / diameter (~ and ≥: from 256 sampled sources); reach: share of live nodes a message',
  );
  console.log(
    'reached; copies: whole copies received per node. Whole mesh: reach of the 1st and 5th message, copies',
  );
  console.log(
    'of the 1st (a flood) and 5th (down the pruned tree). Removed (before repair): the survivors keep their',
  );
  console.log(
    'links, the dead ones vanish; reach of the 1st and 2nd message after, survivors left with no link,',
  );
  console.log(
    'copies of the 2nd. Repaired: every survivor recomputes its choice. Partial: every node knows a random',
  );
  console.log(`${partialShare * 100} % of the others (up to ${PARTIAL_UP_TO} nodes).`);
  console.log('');
  console.log(
    '| N | 2·log2 N | links mean/max | hops | reach | copies | 10 %: hops | reach | no link | copies |' +
      ' 30 %: hops | reach | no link | copies | 30 % repaired: hops | reach | partial: hops | links | s |',
  );
  console.log('|' + '---|'.repeat(19));
  for (const n of sizes) {
    const started = performance.now();
    const random = rng(seed * 1_000_003 + n);
    const ids = nodeIds(n);
    const view = new OverlayView(ids);
    const g = buildGraph(ids, () => view);
    const deg = degrees(g);
    const hops = hopsOf(g, random);
    const sim = new FloodSim(g, random);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await sim.send(0));
    sim.stop();
    const [first, , , , fifth] = results;
    const ten = await scenarioRemoved(g, 0.1, random);
    const thirty = await scenarioRemoved(g, 0.3, random);
    const fixed = await repaired(ids, 0.3, random);
    const part = partial(ids, random);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    console.log(
      `| ${n} | ${(2 * Math.log2(n)).toFixed(1)} | ${deg.mean.toFixed(2)} / ${deg.max} | ${hops.text} | ` +
        `${pct(first.reached, first.alive)}, ${pct(fifth.reached, fifth.alive)} | ` +
        `${first.copiesPerNode.toFixed(2)}, ${fifth.copiesPerNode.toFixed(2)} | ${ten} | ${thirty} | ${fixed} | ${part} | ${secs} |`,
    );
  }
}

await main();
