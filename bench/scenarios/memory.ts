/**
 * Scenario 4: memory.
 * (a) RSS of one real `konnect daemon` process holding 100,000 stored messages (written into its
 *     history database before it starts) with 50 peers linking to it (bare links from this process).
 *     Read from /proc/PID/status. The daemon is started with --degree 64 so its overlay keeps every link.
 * (b) Heap of a relay before and after 1,000,000 flooded messages: an in-process node between a bare
 *     sending link and a bare receiving link; every message is verified, stored and forwarded. Heap is
 *     read after a forced GC at ten checkpoints; "growth after fill" starts once the seen-cache
 *     (100,000 ids) is full, which is where a leak would show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  dataFiles,
  ensureDataDir,
  generateIdentity,
  HistoryStore,
  createNode,
  type Link,
} from '../../src/daemon/index.js';
import { DEFAULT_HOPS } from '../../src/wire/index.js';
import { floodFrame, signedChat, signedChats } from '../lib/chat.js';
import { processMemory, startDaemon } from '../lib/daemon-process.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import { openRawLink } from '../lib/raw-link.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { sleep, until } from '../lib/time.js';

const LINKS = 50;

/** Writes `count` signed chat messages (room lobby, the last `count` × 10 ms) into a data dir's history. */
export function prefillHistory(dataDir: string, count: number): void {
  ensureDataDir(dataDir);
  const store = HistoryStore.open(dataFiles(dataDir).history, { synchronous: 'NORMAL' });
  try {
    const author = generateIdentity();
    const startTs = Date.now() - count * 10 - 60_000;
    for (let first = 0; first < count; first += 10_000) {
      const batch = signedChats(author, Math.min(10_000, count - first), {
        startTs: startTs + first * 10,
        stepMs: 10,
        first,
      });
      store.insertMany(batch);
    }
  } finally {
    store.close();
  }
}

export async function daemonRss(
  ctx: BenchContext,
  stored: number,
): Promise<{ figures: Figure[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-daemon-'));
  const links: Link[] = [];
  const notes: string[] = [];
  try {
    prefillHistory(dir, stored);
    const daemon = await startDaemon(dir, ['--degree', '64']);
    try {
      await sleep(1000);
      const idle = processMemory(daemon.pid);
      // Four at a time: a node accepts at most 4 handshakes in progress per source address.
      for (let i = 0; i < LINKS; i += 4) {
        const batch = Array.from({ length: Math.min(4, LINKS - i) }, (_, k) =>
          openRawLink(daemon.port, `peer${i + k}`).catch(() => null),
        );
        for (const link of await Promise.all(batch)) if (link) links.push(link);
      }
      // Let every link's history reconciliation (a digest of the whole room each) run, then read.
      await sleep(ctx.quick ? 1500 : 4000);
      const held = (await daemon.client.status()).links;
      const mem = processMemory(daemon.pid);
      const perLink = held > 0 ? (mem.rssMiB - idle.rssMiB) / held : NaN;
      const s = stored.toLocaleString('en-US');
      const figures = [
        figure('daemon-rss-idle', `daemon RSS, ${s} stored, no links`, round(idle.rssMiB, 1), 'MiB'),
        figure('daemon-links-held', `links the daemon held of ${LINKS} offered`, held, 'links'),
        figure('daemon-rss', `daemon RSS, ${s} stored, ${held} links`, round(mem.rssMiB, 1), 'MiB', {
          target: held >= LINKS && stored >= 100_000 ? atMost(70) : undefined,
        }),
        figure('daemon-rss-per-link', 'daemon RSS per link', round(perLink * 1024, 0), 'KiB'),
        figure(
          'daemon-rss-50-links',
          `daemon RSS extrapolated to ${LINKS} links`,
          round(idle.rssMiB + perLink * LINKS, 1),
          'MiB',
          {
            target: held < LINKS && stored >= 100_000 ? atMost(70) : undefined,
            note:
              held < LINKS
                ? `idle RSS + ${LINKS} × the per-link cost measured over ${held} links`
                : undefined,
          },
        ),
        figure('daemon-rss-peak', 'daemon peak RSS (VmHWM)', round(mem.peakMiB, 1), 'MiB'),
      ];
      if (held < LINKS) {
        notes.push(
          `the daemon refused links past ${held}: maxLinks defaults to 32 and the CLI has no flag for it (--degree 64 does not raise it)`,
        );
      }
      await daemon.stop('SIGINT');
      return { figures, notes };
    } finally {
      await daemon.stop('SIGKILL');
    }
  } finally {
    for (const link of links) link.close('bench done');
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Checkpoint {
  /** Messages flooded since the warm-up. */
  at: number;
  heapMiB: number;
  rssMiB: number;
  externalMiB: number;
}

function forcedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function relayHeap(count: number): Promise<{ figures: Figure[]; notes: string[] }> {
  const gc = forcedGc();
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-relay-'));
  const relay = createNode({ dataDir: dir, nick: 'relay', host: '127.0.0.1', port: 0 });
  let sender: Link | null = null;
  let receiver: Link | null = null;
  try {
    await relay.start();
    const port = relay.status().port;
    sender = await openRawLink(port, 'sender');
    receiver = await openRawLink(port, 'receiver');
    let received = 0;
    // Only what the relay forwarded from the sender (one hop spent): not its own presence floods.
    receiver.on('message', (m) => {
      if (m.kind === 'flood' && m.hops === DEFAULT_HOPS - 1) received++;
    });
    const authors = Array.from({ length: 8 }, () => generateIdentity());
    const window = 2000;
    let sent = 0;
    const sample = (at: number): Checkpoint => {
      gc();
      const m = process.memoryUsage();
      return {
        at,
        heapMiB: m.heapUsed / 2 ** 20,
        rssMiB: m.rss / 2 ** 20,
        externalMiB: m.external / 2 ** 20,
      };
    };
    const drain = () => until(() => received >= sent, { timeoutMs: 30_000, intervalMs: 5 });
    const pump = async (upTo: number): Promise<void> => {
      while (sent < upTo) {
        while (sent < upTo && sent - received < window) {
          const chat = signedChat(authors[sent % authors.length], 'lobby', Date.now(), sent);
          sender!.sendFrame(floodFrame(chat));
          sent++;
        }
        if (!(await until(() => sent - received < window / 2, { timeoutMs: 30_000, intervalMs: 1 }))) {
          throw new Error(`the relay stopped forwarding at ${received} of ${sent}`);
        }
      }
      await drain();
    };
    // Warm-up: keys imported, paths optimised, the database's cache warm.
    const warm = Math.min(2000, Math.round(count / 50));
    await pump(warm);
    const start = performance.now();
    const checkpoints: Checkpoint[] = [sample(0)];
    for (let k = 1; k <= 10; k++) {
      await pump(warm + Math.round((count * k) / 10));
      checkpoints.push(sample(sent - warm));
    }
    const seconds = (performance.now() - start) / 1000;
    const first = checkpoints[0];
    const last = checkpoints[checkpoints.length - 1];
    // From the first checkpoint at which the seen-cache (100,000 ids) is full.
    const afterFill = checkpoints.find((c) => c.at >= 100_000) ?? last;
    const label = count.toLocaleString('en-US');
    const trail = (pick: (c: Checkpoint) => number) => checkpoints.map((c) => round(pick(c), 1)).join(' → ');
    const figures = [
      figure('relay-heap-before', `relay heap before (after GC)`, round(first.heapMiB, 1), 'MiB'),
      figure('relay-heap-after', `relay heap after ${label} flooded messages`, round(last.heapMiB, 1), 'MiB'),
      figure(
        'relay-heap-growth-after-fill',
        'heap growth once the seen-cache is full',
        round(last.heapMiB - afterFill.heapMiB, 2),
        'MiB',
        {
          note: `heap at each tenth (MiB): ${trail((c) => c.heapMiB)}`,
        },
      ),
      figure(
        'relay-rss-growth-after-fill',
        'process RSS growth once the seen-cache is full',
        round(last.rssMiB - afterFill.rssMiB, 1),
        'MiB',
        {
          note: `RSS at each tenth (MiB): ${trail((c) => c.rssMiB)}; external: ${trail((c) => c.externalMiB)}`,
        },
      ),
      figure(
        'relay-throughput',
        'relay throughput (sign + relay verify/store/forward, one thread)',
        Math.round(count / seconds),
        'msg/s',
      ),
    ];
    const notes =
      count < 200_000
        ? [
            `${label} messages (quick): the seen-cache holds up to 100,000 ids, so growth here is mostly the cache filling`,
          ]
        : [];
    return { figures, notes };
  } finally {
    sender?.close();
    receiver?.close();
    await relay.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const memoryScenario: Scenario = {
  id: 'memory',
  title: '4. Memory: daemon RSS with 50 links and 100,000 stored; relay heap over 1,000,000 floods',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const stored = ctx.quick ? 20_000 : 100_000;
    const floods = ctx.quick ? 20_000 : 1_000_000;
    // Each part on its own: one that fails is reported as failed and keeps the other's figures.
    const out: Required<Pick<ScenarioOutput, 'figures' | 'notes' | 'failed'>> = {
      figures: [],
      notes: [],
      failed: [],
    };
    const part = async (name: string, run: () => Promise<{ figures: Figure[]; notes: string[] }>) => {
      try {
        const r = await run();
        out.figures.push(...r.figures);
        out.notes.push(...r.notes);
      } catch (err) {
        out.failed.push(`${name}: ${(err as Error)?.message ?? String(err)}`);
      }
    };
    ctx.log(`  daemon with ${stored} stored messages and ${LINKS} links`);
    await part('daemon RSS', () => daemonRss(ctx, stored));
    ctx.log(`  relay heap over ${floods} flooded messages`);
    await part('relay heap', () => relayHeap(floods));
    return out;
  },
};
