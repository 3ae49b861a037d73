/**
 * Scenario 1: delivery latency from the origin to every node at 100 messages/s, N = 10 and N = 50 (and
 * N = 100 at 20/s, see rateFor), in one process over loopback TCP, per delivery and per message to the
 * last node that got it ("reached everyone": what the last reader waits). Origins take turns round the
 * mesh. Also reported: the process CPU each message costs the whole mesh, which in one process is the
 * floor under the latency (every node's work for a message runs on the same thread, one after another).
 */
import { CPU_FLOOR_TARGET, cpuFigures } from '../lib/cpu-per-delivery.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import { DeliveryTracker, warmUp } from '../lib/delivery.js';
import { runIsolated } from '../lib/isolated.js';
import { type BenchMesh, linkCounts } from '../lib/mesh.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { mean, percentile, round } from '../lib/stats.js';
import { cpuSeconds, paced, until, sleep } from '../lib/time.js';

export const RATE_PER_SECOND = 100;
/**
 * N = 100 in one process runs at a fifth of the rate: a hundred nodes on one thread cost ~100× a
 * delivery per message, and at 100 msg/s the process saturates (every latency would be the backlog's).
 */
export function rateFor(n: number): number {
  return n >= 100 ? 20 : RATE_PER_SECOND;
}
/** Seconds of the measured load before measuring (0.5 with --quick). */
export const WARMUP_SECONDS = 2;
/** How long the run waits, after the last send, for every node to hold every message. */
const DRAIN_BOUND_MS = 10_000;

export async function measureLatency(
  ctx: BenchContext,
  n: number,
  seconds: number,
  variant?: { bench: BenchMesh; key: string; label: string },
): Promise<{ figures: Figure[]; note: string; cpuPerDeliveryUs: number }> {
  const bench = variant?.bench ?? (await ctx.mesh(n));
  const { mesh } = bench;
  const rate = rateFor(n);
  // Warm-up under the measured load (see warmUp); then a pause so the warm-up's writes are done.
  await warmUp(mesh, Math.round(rate * (ctx.quick ? 0.5 : WARMUP_SECONDS)), rate);
  await sleep(300);

  const count = Math.round(rate * seconds);
  const tracker = new DeliveryTracker(mesh);
  const grafts = () => mesh.nodes.reduce((sum, m) => sum + m.node.router.tree.stats.grafts, 0);
  const graftsBefore = grafts();
  const cpu = process.cpuUsage();
  const sendSeconds = await paced(count, rate, (i) => tracker.send(i % n));
  const done = await until(() => tracker.missing() === 0, { timeoutMs: DRAIN_BOUND_MS });
  const cpuUsed = cpuSeconds(cpu);
  tracker.detach();
  const lat = tracker.latencies;
  const everyone = tracker.reachedEveryone();
  // A message that never reached everyone waited at least the whole drain bound: it enters the
  // percentiles at that bound (a floor of its real figure) instead of being dropped from them.
  const everyoneOrUnbounded = [
    ...everyone.latencies,
    ...Array<number>(everyone.unreached).fill(DRAIN_BOUND_MS),
  ];
  const expected = count * (n - 1);
  const links = linkCounts(bench);
  const key = `n${n}${variant ? `-${variant.key}` : ''}`;
  const at = `N=${n}${variant ? `, ${variant.label}` : ''}`;
  const targeted = n === 50 && !variant;
  const figures = [
    figure(`${key}-p50`, `latency p50, ${at}`, round(percentile(lat, 50)), 'ms', {
      target: targeted ? atMost(3) : undefined,
    }),
    figure(`${key}-p99`, `latency p99, ${at}`, round(percentile(lat, 99)), 'ms', {
      target: targeted ? atMost(20) : undefined,
    }),
    figure(`${key}-max`, `latency max, ${at}`, round(percentile(lat, 100)), 'ms'),
    // What a user feels: the time until the last node has the message.
    figure(
      `${key}-everyone-p50`,
      `reached everyone p50, ${at}`,
      round(percentile(everyoneOrUnbounded, 50)),
      'ms',
    ),
    figure(
      `${key}-everyone-p99`,
      `reached everyone p99, ${at}`,
      round(percentile(everyoneOrUnbounded, 99)),
      'ms',
    ),
    figure(`${key}-unreached`, `messages that did not reach everyone, ${at}`, everyone.unreached, 'messages'),
    figure(`${key}-delivered`, `deliveries / expected, ${at}`, round(lat.length / expected, 4), 'ratio'),
    figure(
      `${key}-cpu-per-message`,
      `process CPU per message (whole mesh), ${at}`,
      round((cpuUsed * 1000) / count),
      'ms',
    ),
    figure(
      `${key}-cpu-share`,
      `CPU busy while sending, ${at}`,
      round(cpuUsed / (sendSeconds + 0.001), 2),
      'cores',
    ),
    figure(`${key}-links`, `links per node (mean), ${at}`, round(mean(links), 2), 'links'),
    // A graft is a message that missed its tree and came ~0.5 s late: each one is a tail delivery.
    figure(
      `${key}-grafts`,
      `grafts (messages pulled after an announcement), ${at}`,
      grafts() - graftsBefore,
      'grafts',
    ),
  ];
  const note = `${at}: ${count} messages at ${rate}/s over ${round(sendSeconds, 2)} s, ${lat.length}/${expected} deliveries${done ? '' : ' (some missing after 10 s)'}`;
  // From the first send until the last delivery (or the drain bound), over the deliveries made.
  return { figures, note, cpuPerDeliveryUs: (cpuUsed * 1e6) / Math.max(1, lat.length) };
}

export const latencyScenario: Scenario = {
  id: 'latency',
  title: '1. Delivery latency origin → every node, per delivery and to the last node (in-process mesh)',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const seconds = ctx.quick ? 2 : 10;
    const figures: Figure[] = [];
    const notes: string[] = [];
    const failed: string[] = [];
    type Result = Awaited<ReturnType<typeof measureLatency>>;
    // The floor under a delivery's CPU, measured in this process before the meshes start (issue 20).
    const [floor, verifies] = [await ctx.floor(), await ctx.verifies()];
    // Each mesh in a process of its own (bench/lib/isolated.ts).
    for (const n of ctx.quick ? [10, 50] : [10, 50, 100]) {
      let r: Result;
      try {
        r = await runIsolated<Result>({ kind: 'latency', n, seconds, normal: false }, ctx.log);
      } catch (err) {
        failed.push(`N=${n}: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      figures.push(...r.figures);
      figures.push(
        ...cpuFigures(
          `n${n}`,
          `N=${n}, ${rateFor(n)} msg/s`,
          r.cpuPerDeliveryUs,
          floor,
          verifies,
          !ctx.quick && n <= 50,
        ),
      );
      notes.push(r.note);
    }
    if (!ctx.quick) {
      // What durability costs the mesh: the same mesh with stores that never flush to disk (synchronous
      // NORMAL) against the shipped ones, whose own messages are flushed on the thread pool.
      for (const n of [10, 50]) {
        try {
          const r = await runIsolated<Result>({ kind: 'latency', n, seconds, normal: true }, ctx.log);
          figures.push(...r.figures.filter((f) => /-(p50|p99|cpu-per-message)$/.test(f.key)));
          notes.push(r.note);
        } catch (err) {
          failed.push(`N=${n}, NORMAL: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    }
    notes.push(
      'all N nodes run on one thread: a message costs N verifications and N database writes in series',
    );
    notes.push(
      `CPU per delivery: process CPU (user + system, every thread) from the first send to the last delivery ÷ deliveries; floor = one verification (${round(1e6 / verifies, 1)} µs) + decode (${round(floor.decodeUs, 2)} µs) + loopback TCP (${round(floor.tcpUs, 2)} µs), measured in this run (issue 20: at most ${CPU_FLOOR_TARGET}× the floor)`,
    );
    return { figures, notes, failed };
  },
};
