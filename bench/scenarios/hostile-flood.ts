/**
 * Hostile flood (issue 15): a valid member floods one node with signed messages as fast as TCP takes
 * them, from a process of its own (bench/lib/flooder-main.ts), while two honest nodes linked only
 * through that node chat at 20 msg/s. Figures: the honest messages' latency at every node (p50, p99;
 * target p99 ≤ 50 ms), honest links that went down meanwhile and honest messages lost (target 0
 * each), what the flooder offered and what the victim deferred, held back and dropped. Every node
 * runs in this process, so the victim's work delays the honest nodes too: the figure is pessimistic.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChatEvent } from '../../src/daemon/index.js';
import { TestMesh } from '../../tests/helpers/mesh.js';
import { DeliveryTracker, warmUp } from '../lib/delivery.js';
import { atMost, figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { max, percentile, round } from '../lib/stats.js';
import { paced, sleep, until } from '../lib/time.js';

const FLOODER_MAIN = fileURLToPath(new URL('../lib/flooder-main.js', import.meta.url));
const HONEST_RATE = 20;

interface FlooderReport {
  written: number;
  seconds: number;
  closed: string | null;
  idHex: string;
}

async function hostileFlood(ctx: BenchContext): Promise<ScenarioOutput> {
  const seconds = ctx.quick ? 2 : 15;
  const count = ctx.quick ? 15_000 : 150_000;
  // Node 0 is the victim; nodes 1 and 2 link to it only, so every honest message crosses it.
  const mesh = await TestMesh.start(3, {
    peersOf: (i) => (i > 0 ? [0] : []),
    nodeOptions: (i) => (i > 0 ? { maxLinks: 1 } : {}),
    record: false,
  });
  let child: ReturnType<typeof spawn> | null = null;
  let exited: Promise<unknown> = Promise.resolve();
  try {
    await mesh.waitConnected();
    await warmUp(mesh, HONEST_RATE * 2, HONEST_RATE);
    // The same honest chat without the flood first: on a shared machine the load alone moves the tail.
    const quiet = new DeliveryTracker(mesh);
    await paced(HONEST_RATE * (ctx.quick ? 1 : 5), HONEST_RATE, (i) => quiet.send(1 + (i % 2)));
    await until(() => quiet.missing() === 0, { timeoutMs: 30_000 });
    quiet.detach();
    child = spawn(
      process.execPath,
      [FLOODER_MAIN, String(mesh.nodes[0].node.status().port), String(seconds), String(count)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    const lines = createInterface({ input: child.stdout! });
    exited = once(child, 'exit');
    const victim = mesh.nodes[0].node;
    const drops: string[] = [];
    const onEvent = (i: number) => (e: ChatEvent) => {
      if (e.type === 'link:down' && e.nick !== 'flooder') drops.push(`node ${i}: ${e.nick} ${e.reason}`);
    };
    const listeners = mesh.nodes.map((m, i) => {
      const l = onEvent(i);
      m.node.on('event', l);
      return () => m.node.off('event', l);
    });
    const before = { ...victim.router.stats };
    ctx.log(`  the flooder signs ${count.toLocaleString('en-US')} messages, then floods for ${seconds} s`);
    const lineIter = lines[Symbol.asyncIterator]();
    const up = await lineIter.next();
    if (up.value !== 'up') throw new Error(`the flooder did not link: ${stderr}`);
    const tracker = new DeliveryTracker(mesh);
    // Every node runs on this loop: its longest stalls are what the honest messages wait behind.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const honest = Math.round(HONEST_RATE * seconds);
    await paced(honest, HONEST_RATE, (i) => tracker.send(1 + (i % 2)));
    const reportLine = await lineIter.next();
    const report = JSON.parse(String(reportLine.value)) as FlooderReport;
    loopDelay.disable();
    await until(() => tracker.missing() === 0, { timeoutMs: 30_000 });
    await sleep(200);
    tracker.detach();
    for (const off of listeners) off();
    const after = victim.router.stats;
    const lat = tracker.latencies;
    const atVictim = tracker.latenciesByNode[0];
    const lost = tracker.missing();
    const delta = (k: keyof typeof after) => after[k] - (before[k] ?? 0);
    // Each honest message is delivered once at the victim; the rest of its deliveries are the flood's.
    const floodAccepted = delta('delivered') - honest;
    return {
      figures: [
        figure(
          'quiet-p99',
          'honest latency p99 before the flood (same load)',
          round(percentile(quiet.latencies, 99), 2),
          'ms',
        ),
        figure('honest-p50', 'honest latency p50 while flooded', round(percentile(lat, 50), 2), 'ms'),
        figure('honest-p99', 'honest latency p99 while flooded', round(percentile(lat, 99), 2), 'ms', {
          target: atMost(50),
        }),
        figure(
          'honest-victim-p50',
          'of which at the flooded node: p50',
          round(percentile(atVictim, 50), 2),
          'ms',
        ),
        figure(
          'honest-victim-p99',
          'of which at the flooded node: p99',
          round(percentile(atVictim, 99), 2),
          'ms',
        ),
        figure('honest-max', 'honest latency max while flooded', round(max(lat), 2), 'ms'),
        figure(
          'loop-delay-p99',
          'event loop delay p99 while flooded (all three nodes)',
          round(loopDelay.percentile(99) / 1e6, 2),
          'ms',
        ),
        figure('loop-delay-max', 'event loop delay max while flooded', round(loopDelay.max / 1e6, 2), 'ms'),
        figure('honest-link-drops', 'honest links that went down', drops.length, 'links', {
          target: atMost(0),
          note: drops.length ? drops.join('; ') : undefined,
        }),
        figure('honest-lost', 'honest deliveries missing 30 s after', lost, 'deliveries', {
          target: atMost(0),
        }),
        figure(
          'flood-offered',
          'flood offered (written by the flooder)',
          Math.round(report.written / report.seconds),
          'msg/s',
          {
            note: `${report.written.toLocaleString('en-US')} messages in ${report.seconds.toFixed(1)} s; its link ${report.closed ? `ended: ${report.closed}` : 'stayed up'}`,
          },
        ),
        figure(
          'flood-accepted',
          'flood accepted by the victim (stored, relayed)',
          Math.max(0, Math.round(floodAccepted / report.seconds)),
          'msg/s',
        ),
        figure('flood-deferred-link', 'deferred by the per-link limit', delta('limitedByLink'), 'messages'),
        figure('flood-dropped-link', 'dropped by the per-link limit', delta('droppedByLink'), 'messages'),
        figure(
          'flood-held-origin',
          'held back by the per-origin limit',
          delta('limitedByOrigin'),
          'messages',
        ),
        figure(
          'flood-dropped-origin',
          'dropped by the per-origin limit (come back by sync)',
          delta('droppedByOrigin'),
          'messages',
        ),
      ],
      notes: [
        `${honest} honest messages at ${HONEST_RATE} msg/s between two nodes linked only through the flooded one; ` +
          'latency measured at every node that delivers them (the victim and the other honest node).',
      ],
    };
  } finally {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    await mesh.destroy();
  }
}

export const hostileFloodScenario: Scenario = {
  id: 'hostile-flood',
  title: 'Hostile flood: honest latency and links while a member floods one node',
  run: hostileFlood,
};
