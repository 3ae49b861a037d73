/**
 * Scenario 2: the highest rate an in-process mesh sustains with zero loss, N = 10 and N = 50, and its
 * ratio to the signature-verification bound (cores × verifications/s ÷ (N − 1): every node runs on the one
 * event loop of this process, and signatures are verified on libuv's thread pool, which spreads them
 * over every core). A trial sends a fixed count at a rate, origins taking turns; it passes when
 * every node delivered every message within LOSS_BOUND_MS of its sending. The rate is searched by
 * doubling, then bisection, in a bounded number of trials.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { cpuFigures } from '../lib/cpu-per-delivery.js';
import { atLeast, atMost, figure, type Figure } from '../lib/figures.js';
import { DeliveryTracker, routerCounters } from '../lib/delivery.js';
import { runIsolated } from '../lib/isolated.js';
import type { BenchMesh, BenchMeshOptions } from '../lib/mesh.js';
import { floorPerDelivery, ratioCeiling } from '../lib/relay-floor.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { max, mean, round } from '../lib/stats.js';
import { cpuSeconds, paced, sleep, until } from '../lib/time.js';
import { verifiesPerSecond, verifyBound } from '../lib/verify-rate.js';
import { rawVerifyBackend } from '../../src/crypto-node/index.js';

/** A message that reaches a node later than this counts as lost. */
export const LOSS_BOUND_MS = 1000;

interface Trial {
  rate: number;
  passed: boolean;
  complete: number;
  count: number;
  worstMs: number;
  /** Seconds waited for the mesh to go idle before the trial; negative: it never did (bound). */
  settledAfter: number;
  /** Process CPU (user + system) from the first send until every node held every message ÷ deliveries. */
  cpuPerDeliveryUs: number;
  /** Flood frames received ÷ flooded messages seen (delivered + own), mean and max over the nodes. */
  copiesMean: number;
  copiesMax: number;
  /** Grafts sent by all nodes during the trial, and per 10 s of sending. */
  grafts: number;
  graftsPer10s: number;
  /** Messages the flood limits held back during the trial (0 when the bench's limits are out of the way). */
  limited: number;
  /** Messages whose link had MAX in-flight verifications (or was over its rate): deferred, not limited. */
  deferred: number;
}

/**
 * The flood limits (issue 15) are for a node among strangers: 50 msg/s per origin after a burst of
 * 200, 1000/s per link. A max-rate trial sends from every node in turn, so at N = 10 each origin
 * sends a tenth of the rate and the per-origin limit held the whole mesh to ~500 msg/s (BENCHMARKS.md
 * §10): the search measured the limit, not what a delivery costs. The bench's max-rate meshes raise
 * both rates out of the way; `limited` counts what the per-origin limit still held back. The per-link
 * bound on verifications in flight (32) stays: what it defers is counted apart (`deferred`), as a
 * link's rate limit would be (limitedByLink counts both).
 */
export const MAX_RATE_MESH: BenchMeshOptions = {
  nodeOptions: {
    floodLimits: {
      perOrigin: { ratePerSec: 1_000_000, burst: 1_000_000 },
      perLink: { ratePerSec: 1_000_000, burst: 1_000_000 },
    },
  },
};

/** Held back by the per-origin limit: the rate limit the bench raises (0 when it is out of the way). */
const limitedCount = (mesh: BenchMesh['mesh']) =>
  mesh.nodes.reduce((sum, m) => sum + m.node.router.stats.limitedByOrigin, 0);
/** Deferred on their link: mostly the bound on verifications in flight per link, which stays. */
const deferredCount = (mesh: BenchMesh['mesh']) =>
  mesh.nodes.reduce((sum, m) => sum + m.node.router.stats.limitedByLink, 0);
const graftCount = (mesh: BenchMesh['mesh']) =>
  mesh.nodes.reduce((sum, m) => sum + m.node.router.tree.stats.grafts, 0);

/** A mesh is idle when the process spends less than this share of a core over SETTLE_WINDOW_MS. */
const SETTLED_CORES = 0.15;
const SETTLE_WINDOW_MS = 500;
/** How long a trial waits for the mesh to go idle before it starts anyway (and says so). */
const SETTLE_BOUND_MS = 90_000;

/**
 * Waits until the process is idle: the work a failed trial left (messages still queued on links and
 * in the pool, grafts, their copies) must not be charged to the next trial. Without this wait, a
 * 50-node search that began at bound ÷ 4 went on failing at 3-16 msg/s with 1-7 ms of CPU per
 * delivery and no grafts: it measured the leftovers of its first trials. Returns the seconds waited,
 * negative when the bound passed first.
 */
async function settle(): Promise<number> {
  const start = performance.now();
  for (;;) {
    const cpu = process.cpuUsage();
    await sleep(SETTLE_WINDOW_MS);
    const waited = (performance.now() - start) / 1000;
    if (cpuSeconds(cpu) / (SETTLE_WINDOW_MS / 1000) < SETTLED_CORES) return waited;
    if (waited * 1000 > SETTLE_BOUND_MS) return -waited;
  }
}

async function trial(ctx: BenchContext, n: number, rate: number, seconds: number): Promise<Trial> {
  const { mesh } = await ctx.mesh(n, MAX_RATE_MESH);
  const settledAfter = await settle();
  const count = Math.max(50, Math.min(20_000, Math.round(rate * seconds)));
  const tracker = new DeliveryTracker(mesh);
  const before = routerCounters(mesh);
  const [graftsBefore, limitedBefore, deferredBefore] = [
    graftCount(mesh),
    limitedCount(mesh),
    deferredCount(mesh),
  ];
  const sentBy = new Array<number>(n).fill(0);
  const cpu = process.cpuUsage();
  const sendSeconds = await paced(count, rate, (i) => {
    tracker.send(i % n);
    sentBy[i % n]++;
  });
  await until(() => tracker.missing() === 0, { timeoutMs: LOSS_BOUND_MS + 500 });
  const complete = tracker.completeWithin(LOSS_BOUND_MS);
  // Let any backlog drain (bounded) so the next trial starts from an idle mesh.
  await until(() => tracker.missing() === 0, { timeoutMs: 15_000, intervalMs: 50 });
  const cpuUsed = cpuSeconds(cpu);
  const worstMs = tracker.worst();
  tracker.detach();
  // Copies still in flight after the last delivery land within a tick (as in scenario 3).
  await sleep(200);
  const after = routerCounters(mesh);
  const copies = mesh.nodes.map((_, i) => {
    const messages = after.delivered[i] - before.delivered[i] + sentBy[i];
    return (after.received[i] - before.received[i]) / Math.max(1, messages);
  });
  const grafts = graftCount(mesh) - graftsBefore;
  return {
    rate,
    settledAfter,
    passed: complete === count,
    complete,
    count,
    worstMs,
    cpuPerDeliveryUs: (cpuUsed * 1e6) / Math.max(1, tracker.latencies.length),
    copiesMean: mean(copies),
    copiesMax: max(copies),
    grafts,
    graftsPer10s: (grafts * 10) / Math.max(0.001, sendSeconds),
    limited: limitedCount(mesh) - limitedBefore,
    deferred: deferredCount(mesh) - deferredBefore,
  };
}

/** Halvings a search may add while no trial has passed (down to bound/4 ÷ 2^(steps + this − 1)). */
const NO_PASS_EXTRA_STEPS = 5;

export async function searchMaxRate(
  ctx: BenchContext,
  n: number,
  bound: number,
  { steps, seconds }: { steps: number; seconds: number },
): Promise<{ best: number; trials: Trial[] }> {
  let lo = 0;
  let hi = Infinity;
  let rate = Math.max(10, Math.round(bound / 4));
  const trials: Trial[] = [];
  // While no rate has passed, the search goes on halving past `steps` (at most NO_PASS_EXTRA_STEPS
  // more): on a machine loaded by other work (the smoke test at load 12 on 2 cores) a 50-node mesh
  // failed bound/4, /8 and /16 and the search ended with no rate at all.
  for (let step = 0; step < steps || (lo === 0 && step < steps + NO_PASS_EXTRA_STEPS); step++) {
    const t = await trial(ctx, n, rate, seconds);
    trials.push(t);
    // A failed trial can leave the mesh damaged (on a loaded 2-core machine a 50-node search then
    // failed every lower rate down to 2 msg/s, each message ~2 s late, also while the process was
    // idle between trials): the next trial starts on a fresh mesh.
    if (!t.passed) await ctx.dropMesh(n);
    ctx.log(
      `    N=${n} ${rate}/s: ${t.passed ? 'pass' : 'FAIL'} (${t.settledAfter < 0 ? `started UNSETTLED after ${round(-t.settledAfter, 1)} s` : `idle after ${round(t.settledAfter, 1)} s`}; ${t.complete}/${t.count} complete, worst ${round(t.worstMs, 1)} ms; ${round(t.cpuPerDeliveryUs, 1)} µs CPU/delivery, copies ${round(t.copiesMean, 2)}, ${t.grafts} grafts, ${t.limited} held by origin, ${t.deferred} deferred on links)`,
    );
    if (t.passed) lo = rate;
    else hi = rate;
    if (Number.isFinite(hi) && lo > 0 && hi / lo <= 1.08) break;
    const next = Number.isFinite(hi) ? (lo > 0 ? (lo + hi) / 2 : hi / 2) : rate * 2;
    rate = Math.max(1, Math.round(next));
    if (rate === lo || rate === hi) break;
  }
  return { best: lo, trials };
}

export const maxRateScenario: Scenario = {
  id: 'max-rate',
  title: '2. Highest sustained rate with zero loss, and its ratio to the verification bound',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const verifies = await ctx.verifies();
    // What the pool verifies with when the loop is saturated (node:crypto): the lower bound.
    const verifiesNode = await verifiesPerSecond(ctx.quick ? 0.3 : 1, 'node:crypto');
    const figures: Figure[] = [
      figure(
        'verifies-per-second',
        `ed25519 verify (${rawVerifyBackend}), 1 core`,
        Math.round(verifies),
        'ops/s',
      ),
      figure(
        'verifies-per-second-node',
        'ed25519 verify (node:crypto, the pool), 1 core',
        Math.round(verifiesNode),
        'ops/s',
      ),
    ];
    const notes: string[] = [];
    // A saturated loop hands verification to the thread pool (4 threads by default): every core.
    const cores = Math.min(availableParallelism(), Number(process.env.UV_THREADPOOL_SIZE ?? 4));
    // What a delivery costs at least besides its verification (bench/lib/relay-floor.ts).
    const floor = await ctx.floor();
    figures.push(
      figure(
        'floor-tcp',
        'floor: a frame over loopback TCP, written and read (CPU)',
        round(floor.tcpUs),
        'µs',
      ),
      figure('floor-decode', 'floor: frame and payload decoded', round(floor.decodeUs), 'µs'),
      figure('floor-store', 'floor: a history row, 100 rows a transaction', round(floor.storeUs), 'µs'),
      figure('floor-sign', "floor: the origin's signature, per message", round(floor.signUs), 'µs'),
    );
    const failed: string[] = [];
    for (const n of [10, 50]) {
      const bound = verifyBound(verifies, n, cores);
      // Each N on a mesh in a process of its own (bench/lib/isolated.ts).
      let search: Awaited<ReturnType<typeof searchMaxRate>>;
      try {
        search = await runIsolated<Awaited<ReturnType<typeof searchMaxRate>>>(
          { kind: 'max-rate', n, bound, steps: ctx.quick ? 3 : 8, seconds: ctx.quick ? 0.6 : 8 },
          ctx.log,
        );
      } catch (err) {
        failed.push(`N=${n}: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      const { best, trials } = search;
      figures.push(
        figure(`n${n}-max-rate`, `max zero-loss rate, N=${n}`, best, 'msg/s'),
        figure(
          `n${n}-bound`,
          `verification bound (${cores} cores × verify/s ÷ (N − 1)), N=${n}`,
          Math.round(bound),
          'msg/s',
        ),
        figure(`n${n}-ratio`, `max rate ÷ verification bound, N=${n}`, round(best / bound, 3), 'ratio', {
          // Quick trials are too short to hold a rate: no verdict then (see the note). Issue 20: ≥ 0.5.
          target: ctx.quick ? undefined : atLeast(0.5),
        }),
      );
      figures.push(
        figure(
          `n${n}-ratio-node`,
          `max rate ÷ the bound on node:crypto (the pool's verify), N=${n}`,
          round(best / verifyBound(verifiesNode, n, cores), 3),
          'ratio',
        ),
        figure(
          `n${n}-ceiling`,
          `ratio no node of this design passes: verify ÷ (verify + floor), N=${n}`,
          round(ratioCeiling(floor, n, verifies), 3),
          'ratio',
        ),
      );
      // At the highest rate that passed (issue 20): what a delivery cost, copies, grafts.
      const top = trials.filter((t) => t.passed && t.rate === best).at(-1);
      if (top) {
        const at = `N=${n}, at the max rate`;
        figures.push(
          ...cpuFigures(`n${n}-max`, at, top.cpuPerDeliveryUs, floor, verifies, !ctx.quick),
          figure(`n${n}-max-copies`, `copies per node (mean), ${at}`, round(top.copiesMean, 3), 'copies', {
            target: ctx.quick ? undefined : atMost(1.2),
          }),
          figure(`n${n}-max-copies-max`, `copies per node (max), ${at}`, round(top.copiesMax, 3), 'copies'),
          figure(`n${n}-max-grafts`, `grafts, ${at}`, top.grafts, 'grafts'),
          figure(
            `n${n}-max-grafts-10s`,
            `grafts per 10 s of sending, ${at}`,
            Math.round(top.graftsPer10s),
            'grafts',
          ),
          figure(
            `n${n}-max-limited`,
            `messages held back by the per-origin limit, ${at}`,
            top.limited,
            'messages',
          ),
          figure(
            `n${n}-max-deferred`,
            `messages deferred on their link (verifications in flight), ${at}`,
            top.deferred,
            'messages',
          ),
        );
      } else {
        failed.push(`N=${n}: no trial passed (${trials.map((t) => `${t.rate}✗`).join(' ')})`);
      }
      // The first trial that failed above the best: how a saturated mesh grafts and copies.
      const over = trials.filter((t) => !t.passed && t.rate > best).sort((a, b) => a.rate - b.rate)[0];
      notes.push(
        `N=${n}: trials ${trials.map((t) => `${t.rate}${t.passed ? '✓' : '✗'}${t.settledAfter < 0 ? ' (unsettled)' : ''}`).join(' ')} (pass = every node within ${LOSS_BOUND_MS} ms; each trial starts once the process is idle, < ${SETTLED_CORES} cores over ${SETTLE_WINDOW_MS} ms, or after ${SETTLE_BOUND_MS / 1000} s)`,
      );
      if (over) {
        notes.push(
          `N=${n}: lowest failed rate ${over.rate}/s: ${round(over.cpuPerDeliveryUs, 1)} µs CPU per delivery, copies ${round(over.copiesMean, 3)} (max ${round(over.copiesMax, 3)}), ${over.grafts} grafts (${Math.round(over.graftsPer10s)} per 10 s)`,
        );
      }
    }
    notes.push(
      `floor per delivery (TCP + decode + store + signature ÷ (N − 1)): ${[10, 50].map((n) => `N=${n} ${round(floorPerDelivery(floor, n), 1)} µs`).join(', ')}, against ${round(1e6 / verifies, 1)} µs per verification; forwarding, dedup, the lazy-push bookkeeping, events and GC come on top`,
    );
    notes.push(
      `one process: all N nodes share one event loop; verification moves to the thread pool once the loop is saturated, so the bound uses ${cores} cores`,
    );
    notes.push(
      'the max-rate meshes run with the flood limits raised out of the way (MAX_RATE_MESH: per origin and per link 1,000,000/s): with the defaults (50 msg/s per origin) N = 10 stops at ~500 msg/s, a limit rather than a cost; "held back by the per-origin limit" shows what it still held; "deferred on their link" is the bound of 32 verifications in flight per link, which stays',
    );
    notes.push(
      ctx.quick
        ? 'quick: 0.6 s trials and 3 steps only: a backlog has no time to build, so these rates are not sustained ones'
        : `8 s trials: a rate up to ${round(1 + LOSS_BOUND_MS / 8000, 3)}× what the mesh sustains can still pass, so the ratio is an upper estimate within that factor`,
    );
    return { figures, notes, failed };
  },
};
