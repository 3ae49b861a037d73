/**
 * Scenario 3: copies of each message a node receives (flood frames, router.stats.received), N = 50:
 * konnect (overlay of degree 6, lazy push) against the same code with unbounded degree and lazy push off
 * (a full mesh where every node floods to every other), and each change alone. Every copy past the first
 * costs a frame decode, a dedup lookup and a syscall's share. A node's copies per message = frames
 * received ÷ flooded messages it saw (new ones delivered, plus its own: an origin receives none of its
 * own in a tree, so the mean can sit just under 1). Lazy push sends ids instead of copies on the links
 * off the tree: those are counted too, as ids announced per node per message.
 */
import { atMost, figure, type Figure } from '../lib/figures.js';
import { DeliveryTracker, routerCounters } from '../lib/delivery.js';
import { runIsolated } from '../lib/isolated.js';
import { type BenchMesh, linkCounts } from '../lib/mesh.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { max, mean, percentile, round } from '../lib/stats.js';
import { paced, sleep, until } from '../lib/time.js';

const N = 50;

export async function measureCopies(
  bench: BenchMesh,
  count: number,
): Promise<{
  mean: number;
  max: number;
  links: number;
  announced: number;
  complete: boolean;
  p50: number;
  p99: number;
}> {
  const { mesh, n } = bench;
  await sleep(200);
  const before = routerCounters(mesh);
  const sentBy = new Array<number>(n).fill(0);
  const tracker = new DeliveryTracker(mesh);
  await paced(count, 50, (i) => {
    tracker.send(i % n);
    sentBy[i % n]++;
  });
  const complete = await until(() => tracker.missing() === 0, { timeoutMs: 15_000 });
  // Copies still in flight after the last delivery (relays forward to every link) land within a tick.
  await sleep(300);
  tracker.detach();
  const after = routerCounters(mesh);
  const copies = mesh.nodes.map((_, i) => {
    const received = after.received[i] - before.received[i];
    const messages = after.delivered[i] - before.delivered[i] + sentBy[i];
    return received / messages;
  });
  const announced = after.announced.reduce((sum, a, i) => sum + a - before.announced[i], 0);
  return {
    mean: mean(copies),
    max: max(copies),
    links: mean(linkCounts(bench)),
    announced: announced / (n * count),
    complete,
    p50: percentile(tracker.latencies, 50),
    p99: percentile(tracker.latencies, 99),
  };
}

export const copiesScenario: Scenario = {
  id: 'copies',
  title: '3. Copies of each message received per node, N=50: konnect vs full-mesh flooding',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const count = ctx.quick ? 50 : 300;
    const figures: Figure[] = [];
    const notes: string[] = [];
    type Result = Awaited<ReturnType<typeof measureCopies>>;
    // Each mesh in a process of its own (bench/lib/isolated.ts).
    const overlay = await runIsolated<Result>({ kind: 'copies', n: N, count }, ctx.log);
    figures.push(
      figure(
        'overlay-mean',
        'copies per node, overlay (degree 6), lazy push, mean',
        round(overlay.mean, 2),
        'copies',
        {
          target: atMost(2),
        },
      ),
      figure(
        'overlay-max',
        'copies per node, overlay (degree 6), lazy push, max',
        round(overlay.max, 2),
        'copies',
        {
          target: atMost(4),
        },
      ),
      figure(
        'overlay-links',
        'links per node, overlay (degree 6), lazy push, mean',
        round(overlay.links, 2),
        'links',
      ),
      figure(
        'overlay-announced',
        'ids announced per node per message, overlay (degree 6), lazy push',
        round(overlay.announced, 2),
        'ids',
      ),
      figure(
        'overlay-p50',
        'latency p50 at 50 msg/s, overlay (degree 6), lazy push',
        round(overlay.p50),
        'ms',
      ),
      figure(
        'overlay-p99',
        'latency p99 at 50 msg/s, overlay (degree 6), lazy push',
        round(overlay.p99),
        'ms',
      ),
    );
    const variants: { degree: number; lazyPush: boolean; label: string; key: string }[] = [
      { degree: 64, lazyPush: false, label: 'full mesh, flooding', key: 'full' },
    ];
    if (!ctx.quick) {
      // Each change alone: lazy push off on the overlay, and lazy push on a full mesh.
      variants.push(
        { degree: 6, lazyPush: false, label: 'overlay (degree 6), flooding', key: 'overlay-flooding' },
        { degree: 64, lazyPush: true, label: 'full mesh, lazy push', key: 'full-lazy' },
      );
    }
    for (const v of variants) {
      ctx.log(`  starting a ${N}-node mesh (${v.label})`);
      const r = await runIsolated<Result>(
        { kind: 'copies', n: N, count, degree: v.degree, lazyPush: v.lazyPush },
        ctx.log,
      );
      figures.push(
        figure(`${v.key}-mean`, `copies per node, ${v.label}, mean`, round(r.mean, 2), 'copies'),
        figure(`${v.key}-max`, `copies per node, ${v.label}, max`, round(r.max, 2), 'copies'),
        figure(`${v.key}-links`, `links per node, ${v.label}, mean`, round(r.links, 2), 'links'),
        figure(
          `${v.key}-announced`,
          `ids announced per node per message, ${v.label}`,
          round(r.announced, 2),
          'ids',
        ),
        figure(`${v.key}-p50`, `latency p50 at 50 msg/s, ${v.label}`, round(r.p50), 'ms'),
        figure(`${v.key}-p99`, `latency p99 at 50 msg/s, ${v.label}`, round(r.p99), 'ms'),
      );
      if (!r.complete) notes.push(`${v.label}: some deliveries were missing after 15 s`);
    }
    notes.push(
      `${count} messages at 50/s from every node in turn; copies = frames received ÷ flooded messages seen`,
    );
    return { figures, notes };
  },
};
