/**
 * `npm run sim`: the overlay at sizes no machine here can run as daemons. Builds the link graph with
 * the real overlay choice (src/daemon/links/overlay.ts), measures its hops exactly by breadth-first
 * search, and floods messages over it with the real lazy-push code (flood-sim.ts): whole, and with 10 %
 * and 30 % of the nodes removed at random, first before the overlay repairs itself (links to the dead
 * just vanish; the push trees mend by graft) and then after the repair ran as the link manager runs it
 * (every survivor recomputes its choice over the survivors it knows, dials what it wants, and later
 * closes links nobody wants while it has more than its degree), on the same simulated links and trees.
 *
 *   node dist/bench/sim/overlay-sim.js [--n 10,100,...] [--exact-up-to 2000] [--seed 1] [--partial 0.5]
 *     [--hops 28]
 *
 * Work is bounded: above --exact-up-to nodes the diameter and mean hops come from BFS out of 256
 * sampled nodes (printed with ~, a lower bound for the diameter); the partial-knowledge row (every node
 * knowing a random share of the others) runs up to 2,000 nodes, one sorted view per node. Progress goes
 * to stderr, the table to stdout.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_HOPS } from '../../src/wire/index.js';
import {
  DEFAULT_DEGREE,
  hopLimitFor,
  MESH_TARGET_NODES,
  OverlayView,
} from '../../src/daemon/links/overlay.js';
import { buildGraph, degrees, distances, type Graph } from './graph.js';
import { FloodSim } from './flood-sim.js';
import { currentGraph, repair } from './repair.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const sizes = arg('n', '10,100,1000,2000,5000,10000').split(',').map(Number);
const exactUpTo = Number(arg('exact-up-to', '2000'));
const seed = Number(arg('seed', '1'));
const partialShare = Number(arg('partial', '0.5'));
/** The hop limit origins start at: DEFAULT_HOPS unless --hops says (16 was the limit before). */
const hopLimit = Number(arg('hops', String(DEFAULT_HOPS)));
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

interface Row {
  removed: string;
  repair: string;
  links: string;
  hops: string;
  reach: string;
  path: number;
  cut: number | string;
  copies: string;
  noLink: number | string;
}

function isolated(g: Graph): number {
  let count = 0;
  for (let i = 0; i < g.ids.length; i++) if (g.start[i + 1] === g.start[i]) count++;
  return count;
}

async function scenarioRemoved(ids: string[], g: Graph, share: number, random: () => number): Promise<Row[]> {
  const origin = 0;
  const sim = new FloodSim(g, random, { hopLimit });
  // A few messages first, so the push trees stand and removal cuts them.
  for (let i = 0; i < 3; i++) await sim.send(origin);
  const gone = pickRemoved(g.ids.length, share, origin, random);
  const alive = ids.map((_, i) => i).filter((i) => !gone.has(i));
  sim.remove(gone);
  const before = [await sim.send(origin), await sim.send(origin)];
  const left = currentGraph(sim, ids, alive);
  const beforeHops = hopsOf(left, random);
  const label = `${share * 100} %`;
  progress(`  ${label} removed, before repair: ${pct(before[1].reached, before[1].alive)} reached`);
  const done = repair(sim, ids, alive, random);
  const did = `${done.dialled} dialled, ${done.closed} closed`;
  const after = [await sim.send(origin), await sim.send(origin)];
  sim.stop();
  const fixed = currentGraph(sim, ids, alive);
  const afterHops = hopsOf(fixed, random);
  const fixedDeg = degrees(fixed);
  const leftDeg = degrees(left);
  progress(`  ${label} removed, repair ran (${did}): ${pct(after[0].reached, after[0].alive)} reached`);
  return [
    {
      removed: label,
      repair: 'not yet',
      links: `${leftDeg.mean.toFixed(2)} / ${leftDeg.max}`,
      hops: beforeHops.text + (beforeHops.connected ? '' : ' (split)'),
      reach: `${pct(before[0].reached, before[0].alive)}, ${pct(before[1].reached, before[1].alive)}`,
      path: Math.max(before[0].maxHops, before[1].maxHops),
      cut: before[0].hopLimited + before[1].hopLimited,
      copies: `${before[0].copiesPerNode.toFixed(2)}, ${before[1].copiesPerNode.toFixed(2)}`,
      noLink: isolated(left),
    },
    {
      removed: label,
      repair: `ran: ${did}`,
      links: `${fixedDeg.mean.toFixed(2)} / ${fixedDeg.max}`,
      hops: afterHops.text + (afterHops.connected ? '' : ' (split)'),
      reach: `${pct(after[0].reached, after[0].alive)}, ${pct(after[1].reached, after[1].alive)}`,
      path: Math.max(after[0].maxHops, after[1].maxHops),
      cut: after[0].hopLimited + after[1].hopLimited,
      copies: `${after[0].copiesPerNode.toFixed(2)}, ${after[1].copiesPerNode.toFixed(2)}`,
      noLink: isolated(fixed),
    },
  ];
}

function partial(ids: string[], random: () => number): Row | null {
  if (ids.length > PARTIAL_UP_TO) return null;
  const views = ids.map(
    (self) => new OverlayView([self, ...ids.filter((id) => id !== self && random() < partialShare)]),
  );
  const g = buildGraph(ids, (i) => views[i]);
  const hops = hopsOf(g, random);
  const deg = degrees(g);
  return {
    removed: `0 %, each knows ${partialShare * 100} %`,
    repair: '–',
    links: `${deg.mean.toFixed(2)} / ${deg.max}`,
    hops: hops.text + (hops.connected ? '' : ' (split)'),
    reach: '–',
    path: NaN,
    cut: '–',
    copies: '–',
    noLink: isolated(g),
  };
}

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function main(): Promise<void> {
  console.log(
    `overlay simulation: degree ${DEFAULT_DEGREE}, hop limit ${hopLimit} (DEFAULT_HOPS ${DEFAULT_HOPS}, hopLimitFor(${MESH_TARGET_NODES}) ` +
      `= ${hopLimitFor(MESH_TARGET_NODES)}), seed ${seed}, exact hops up to ${exactUpTo} nodes`,
  );
  for (const line of [
    'hops: mean / diameter by BFS (~ and ≥: from 256 sampled sources); reach: share of live nodes reached by',
    'two messages (whole mesh: the 1st, a flood, and the 5th, down the pruned trees; after a removal: the',
    '2 messages after it, and the 2 after the repair); path: longest first-arrival path those messages took',
    '(a graft is answered with the hop limit afresh, so a path through one may be longer than the limit);',
    'cut: nodes a message reached with its hop counter spent, so it was not forwarded (0: the limit never bit);',
    'copies: whole copies received per node reached; no link: live nodes with no link left.',
    'Repair: as LinkManager.tick on every survivor (dial what its choice wants, then close unwanted).',
    '',
    '| N | 2·log2 N | removed | repair | links mean / max | hops | reach | path | cut | copies | no link |',
  ])
    console.log(line);
  console.log('|' + '---|'.repeat(11));
  const all = performance.now();
  for (const n of sizes) {
    const started = performance.now();
    progress(`N = ${n}: building the overlay`);
    const random = rng(seed * 1_000_003 + n);
    const ids = nodeIds(n);
    const view = new OverlayView(ids);
    const g = buildGraph(ids, () => view);
    const deg = degrees(g);
    const hops = hopsOf(g, random);
    progress(`  whole mesh: hops ${hops.text}`);
    const sim = new FloodSim(g, random, { hopLimit });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await sim.send(0));
    sim.stop();
    const [first, , , , fifth] = results;
    const rows: Row[] = [
      {
        removed: '0 %',
        repair: '–',
        links: `${deg.mean.toFixed(2)} / ${deg.max}`,
        hops: hops.text + (hops.connected ? '' : ' (split)'),
        reach: `${pct(first.reached, first.alive)}, ${pct(fifth.reached, fifth.alive)}`,
        path: Math.max(...results.map((r) => r.maxHops)),
        cut: results.reduce((sum, r) => sum + r.hopLimited, 0),
        copies: `${first.copiesPerNode.toFixed(2)}, ${fifth.copiesPerNode.toFixed(2)}`,
        noLink: 0,
      },
      ...(await scenarioRemoved(ids, g, 0.1, random)),
      ...(await scenarioRemoved(ids, g, 0.3, random)),
    ];
    const part = partial(ids, random);
    if (part) rows.push(part);
    for (const r of rows) {
      console.log(
        `| ${n} | ${(2 * Math.log2(n)).toFixed(1)} | ${r.removed} | ${r.repair} | ${r.links} | ${r.hops} | ` +
          `${r.reach} | ${Number.isNaN(r.path) ? '–' : r.path} | ${r.cut} | ${r.copies} | ${r.noLink} |`,
      );
    }
    progress(`N = ${n} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log('');
  console.log(`total ${((performance.now() - all) / 1000).toFixed(1)} s`);
}

await main();
