/**
 * Seen markers (PROTOCOL.md §20): the cost of "seen by N/M" in marker frames each member originates per
 * second, at 1, 10 and 100 room messages a second, in a room of 10 in-process nodes on loopback (the
 * default overlay). Each member batches: at most one seen marker per room per interval, whatever the
 * rate (1 s up to 5 members, 200 ms a member above: 2 s here); the target is under one extra frame per
 * member per second. The window counted runs from the
 * first message to the last batch (an interval after the last message), so the tail is in the figure.
 * A run where the last message of a rate is not seen by every member online at its sender fails.
 */
import { performance } from 'node:perf_hooks';
import { seenIntervalMs } from '../../src/daemon/trust/index.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import { startBenchMesh } from '../lib/mesh.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { max, mean, round } from '../lib/stats.js';
import { paced, sleep, until } from '../lib/time.js';

const N = 10;
const ROOM = 'lobby';
const RATES = [1, 10, 100];

export const seenMarkersScenario: Scenario = {
  id: 'seen-markers',
  title: `Seen markers: marker frames per member per second, room of ${N} nodes, at ${RATES.join(', ')} msg/s`,
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const seconds = ctx.quick ? 3 : 10;
    const figures: Figure[] = [];
    const failed: string[] = [];
    const notes: string[] = [];
    const bench = await startBenchMesh(N);
    try {
      const nodes = bench.mesh.nodes.map((m) => m.node);
      const sentBy = () => nodes.map((node) => node.trust.markers.stats.seenSent);
      for (const rate of RATES) {
        const count = rate * seconds;
        // A quiet second first, so the batches of the previous rate are out.
        await sleep(2 * seenIntervalMs(N));
        const before = sentBy();
        const start = performance.now();
        let last: { id: string; from: number } | null = null;
        const sending = await paced(count, rate, (i) => {
          const from = i % N;
          const message = nodes[from].send({ kind: 'room', room: ROOM }, `seen bench ${rate}/s #${i}`);
          last = { id: message.id, from };
        });
        // The last batch goes at most one interval after the last message; allow loaded-machine lag.
        const lastMessage = last as { id: string; from: number } | null;
        const seenByAll =
          lastMessage !== null &&
          (await until(
            () => {
              const seen = nodes[lastMessage.from].trust.markers.tracker.get(lastMessage.id);
              return seen !== null && seen.of > 0 && seen.count === seen.of;
            },
            { timeoutMs: 30_000, intervalMs: 20 },
          ));
        await sleep(seenIntervalMs(N) + 200); // the other members' last batches
        const window = (performance.now() - start) / 1000;
        const after = sentBy();
        const perMember = after.map((a, i) => (a - before[i]) / window);
        figures.push(
          figure(
            `markers-${rate}`,
            `seen markers per member per second at ${rate} msg/s, mean`,
            round(mean(perMember), 3),
            'frames/s',
            {
              target: atMost(1),
            },
          ),
          figure(
            `markers-${rate}-max`,
            `seen markers per member per second at ${rate} msg/s, busiest member`,
            round(max(perMember), 3),
            'frames/s',
            {
              target: atMost(1),
            },
          ),
        );
        notes.push(
          `${rate} msg/s: ${count} messages sent in ${round(sending, 1)} s, counted over ${round(window, 1)} s (until the last one was seen by all, plus the last batch); ${after.reduce((s, a, i) => s + a - before[i], 0)} seen markers in all; ${round(count / N / window, 2)} messages per member per second for comparison`,
        );
        if (!seenByAll)
          failed.push(
            `${rate} msg/s: the last message was not seen by every member online at its sender within 30 s`,
          );
      }
    } finally {
      await bench.destroy();
    }
    return { figures, notes, failed: failed.length > 0 ? failed : undefined };
  },
};
