/**
 * Scenario 4: memory (issue 20). RSS (VmRSS, and VmHWM for the peak, from /proc/PID/status) of one real
 * `konnect daemon` process holding 100,000 stored messages (written into its history database before it
 * starts), started with --degree 64 so its overlay keeps every link:
 * (a) with no links; (b) with 50 peers linked to it (bare links from this process), idle;
 * (c) after it has relayed 1,000,000 messages over those links (relay-load.ts: 5 of them send signed
 *     messages from 500 authors within the flood limits, it verifies, stores and forwards each), so
 *     its seen-cache (100,000 ids) is full; VmRSS at each tenth shows whether it keeps growing.
 * Each part that fails is reported as failed and keeps the figures of the parts before it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  dataFiles,
  ensureDataDir,
  generateIdentity,
  HistoryStore,
  type Link,
} from '../../src/daemon/index.js';
import { signedChats } from '../lib/chat.js';
import { type DaemonProcess, processMemory, rssBreakdown, startDaemon } from '../lib/daemon-process.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import { openRawLink } from '../lib/raw-link.js';
import { processCpuSeconds, relayDriver, relayRoles, SENDER_RATE } from '../lib/relay-load.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { round } from '../lib/stats.js';
import { sleep } from '../lib/time.js';

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

interface Parts {
  figures: Figure[];
  notes: string[];
  failed: string[];
}

/** Runs one part; a part that throws is reported as failed, and what the others measured is kept. */
async function part(out: Parts, name: string, run: () => Promise<void>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    out.failed.push(`${name}: ${(err as Error)?.message ?? String(err)}`);
    return false;
  }
}

const mib = (v: number) => round(v, 1);

/** One daemon, three parts: idle, 50 links held, then relaying `floods` messages over those links. */
export async function daemonMemory(
  ctx: BenchContext,
  stored: number,
  floods: number,
  out: Parts,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-daemon-'));
  const links: Link[] = [];
  const s = stored.toLocaleString('en-US');
  try {
    prefillHistory(dir, stored);
    const daemon = await startDaemon(dir, ['--degree', '64']);
    try {
      let idle = processMemory(daemon.pid);
      await part(out, 'daemon RSS, no links', async () => {
        await sleep(1000);
        idle = processMemory(daemon.pid);
        out.figures.push(
          figure('daemon-rss-idle', `daemon RSS, ${s} stored, no links`, mib(idle.rssMiB), 'MiB'),
        );
      });
      const linked = await part(out, 'daemon RSS, 50 links', async () => {
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
        out.figures.push(
          figure('daemon-links-held', `links the daemon held of ${LINKS} offered`, held, 'links'),
          figure('daemon-rss', `daemon RSS, ${s} stored, ${held} idle links`, mib(mem.rssMiB), 'MiB'),
          figure('daemon-rss-per-link', 'daemon RSS per idle link', round(perLink * 1024, 0), 'KiB'),
        );
        if (held < LINKS) throw new Error(`the daemon held ${held} of ${LINKS} links`);
      });
      if (linked) await part(out, 'daemon RSS after relaying', () => relayPart(daemon, links, floods, out));
      await daemon.stop('SIGINT');
    } finally {
      await daemon.stop('SIGKILL');
    }
  } finally {
    for (const link of links) link.close('bench done');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Sending links, receiving links that take messages whole (the first paces the senders), authors. */
const SENDERS = 5;
const EAGER = 3;
const AUTHORS = 500;
/** How long the daemon is left quiet after relaying before its RSS is read again. */
const QUIET_MS = 10_000;

async function relayPart(daemon: DaemonProcess, links: Link[], floods: number, out: Parts): Promise<void> {
  const roles = relayRoles(links, SENDERS, EAGER);
  const driver = relayDriver(roles, {
    authors: AUTHORS,
    describe: async () =>
      `daemon: ${JSON.stringify((await daemon.client.status()).floodLimited)}; stderr: ${daemon.stderr().slice(-500)}`,
  });
  const stat = () => readFileSync(`/proc/${daemon.pid}/stat`, 'utf8');
  try {
    // Warm-up: keys imported, paths optimised, the prunes taken, the database's cache warm.
    const warm = Math.min(2000, Math.round(floods / 50));
    await driver.pump(warm);
    const cpu0 = processCpuSeconds(stat());
    const start = performance.now();
    const trail: { at: number; rssMiB: number }[] = [{ at: 0, rssMiB: processMemory(daemon.pid).rssMiB }];
    for (let k = 1; k <= 10; k++) {
      await driver.pump(warm + Math.round((floods * k) / 10));
      trail.push({ at: driver.forwarded - warm, rssMiB: processMemory(daemon.pid).rssMiB });
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = processCpuSeconds(stat()) - cpu0;
    const end = processMemory(daemon.pid);
    // Then quiet, the links still up: what is left is what relaying keeps (the seen-cache, the
    // links' push-tree state) and what the heap has not given back yet.
    await sleep(QUIET_MS);
    const mem = processMemory(daemon.pid);
    const parts = rssBreakdown(daemon.pid);
    const status = await daemon.client.status();
    const label = floods.toLocaleString('en-US');
    // From the first checkpoint at which the seen-cache (100,000 ids) is full.
    const afterFill = trail.find((c) => c.at >= 100_000) ?? trail[trail.length - 1];
    const full = floods >= 1_000_000 && status.links >= LINKS;
    out.figures.push(
      figure('daemon-rss-relaying', `daemon RSS at the last of ${label} relayed`, mib(end.rssMiB), 'MiB', {
        note: `VmRSS at each tenth (MiB): ${trail.map((c) => mib(c.rssMiB)).join(' → ')}`,
      }),
      figure(
        'daemon-rss-relayed',
        `daemon RSS ${QUIET_MS / 1000} s after relaying ${label} (${status.links} links)`,
        mib(mem.rssMiB),
        'MiB',
        {
          target: full ? atMost(70) : undefined,
          note: `${mib(parts.fileMiB)} MiB file-backed (the node binary, libraries) + ${mib(parts.anonMiB)} MiB anonymous (V8 heaps, malloc, stacks), smaps_rollup`,
        },
      ),
      figure(
        'daemon-rss-relayed-peak',
        'daemon peak RSS (VmHWM) over the whole run',
        mib(mem.peakMiB),
        'MiB',
      ),
      figure(
        'daemon-rss-growth-after-fill',
        'daemon RSS growth once the seen-cache is full',
        mib(end.rssMiB - afterFill.rssMiB),
        'MiB',
      ),
      figure(
        'daemon-relay-rate',
        `daemon relay rate (${SENDERS} sending links, ${AUTHORS} authors)`,
        Math.round(floods / seconds),
        'msg/s',
        {
          note: `${label} messages in ${round(seconds, 0)} s; the senders are paced at ${SENDER_RATE} msg/s a link at most`,
        },
      ),
      figure('daemon-relay-cpu', 'daemon CPU per relayed message', round((cpu / floods) * 1e6, 0), 'µs'),
    );
    const limited = status.floodLimited;
    out.notes.push(
      `relay: ${SENDERS} links send ${label} signed messages from ${AUTHORS} authors in turn (each author well under its 50 msg/s, each link under its 1000 msg/s); ` +
        `the daemon verifies, stores (keeping 100,000 a room) and forwards each whole to ${EAGER} links and as an id in \`ihave\` to the ${status.links - EAGER - 1} others that pruned every author; ` +
        `flood limits hit: ${JSON.stringify(limited)}`,
    );
    if (floods < 200_000) {
      out.notes.push(
        `${label} relayed (quick): the seen-cache holds up to 100,000 ids, so it is not full yet`,
      );
    }
    if (status.links < LINKS)
      throw new Error(`the daemon held ${status.links} of ${LINKS} links after relaying`);
  } finally {
    driver.close();
  }
}

export const memoryScenario: Scenario = {
  id: 'memory',
  title: '4. Memory: daemon RSS with 100,000 stored and 50 links, idle and after relaying 1,000,000 messages',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const stored = ctx.quick ? 20_000 : 100_000;
    const floods = ctx.quick ? 20_000 : 1_000_000;
    const out: Parts = { figures: [], notes: [], failed: [] };
    ctx.log(`  daemon with ${stored} stored messages and ${LINKS} links, then relaying ${floods}`);
    await part(out, 'daemon', () => daemonMemory(ctx, stored, floods, out));
    return out;
  },
};
