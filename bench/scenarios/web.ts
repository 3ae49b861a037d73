/**
 * Scenario 9: the chat page (issue 17), in Debian's headless Chromium driven by puppeteer-core,
 * against a real node serving the page and its WebSocket on 127.0.0.1 (mDNS off) and a terminal node
 * linked to it. (a) Delivery latency browser → terminal and terminal → browser, p50/p99 over paced
 * messages: from the sender's send() to the receiver's message event, both sides reading the same
 * wall clock (performance.timeOrigin + performance.now(), µs-fine in Node and Chromium alike).
 * (b) The time from opening the page (navigation start) to its history drawn, with 1,000 messages
 * stored in the page. (c) The page's gzipped size (every file of dist/web, gzip -9, as the build
 * reports it).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { ChatEvent, NodeIdHex } from '../../src/daemon/index.js';
import { TestMesh } from '../../tests/helpers/mesh.js';
import { atMost, figure, type Figure } from '../lib/figures.js';
import type { BenchContext, Scenario, ScenarioOutput } from '../lib/scenario.js';
import { percentile, round } from '../lib/stats.js';
import { mustReach, paced } from '../lib/time.js';

const CHROMIUM = process.env.KONNECT_CHROMIUM ?? '/usr/bin/chromium';
const STORED = 1000;
const p50 = (xs: number[]) => percentile(xs, 50);
const wallNow = () => performance.timeOrigin + performance.now();

/** The package root: the nearest folder above this file with a package.json (source or dist). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Every file of the built page, gzipped one by one at level 9 (as scripts/build-web.mjs counts). */
function gzippedBytes(root: string): number {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.json'))
    .reduce((n, e) => n + gzipSync(readFileSync(join(e.parentPath, e.name)), { level: 9 }).length, 0);
}

/** The page's WebPeer (main.tsx leaves it on window.konnect), as the page's code sees it. */
interface PagePeer {
  identity: { id: string };
  send(to: { kind: 'room'; room: string }, text: string): Promise<unknown>;
  subscribe(listener: (e: ChatEvent) => void): () => void;
  history(q: { room: string; limit: number }): Promise<unknown[]>;
}
type PageWindow = { konnect?: PagePeer; __arrivals?: Record<string, number> };

async function openAs(browser: Browser, url: string, nick: string): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(url);
  await page.waitForSelector('#nick', { timeout: 60_000 });
  await page.type('#nick', nick);
  await page.click('.welcome button[type=submit]');
  await page.waitForFunction(
    () => document.querySelector('.chat .conn')?.getAttribute('data-state') === 'connected',
    { timeout: 60_000 },
  );
  return page;
}

export const webScenario: Scenario = {
  id: 'web',
  title: '9. The chat page in Chromium: delivery latency both ways, history drawn, page size',
  async run(ctx: BenchContext): Promise<ScenarioOutput> {
    const root = join(packageRoot(), 'dist/web');
    if (!existsSync(join(root, 'index.html'))) return { figures: [], skipped: 'dist/web not built' };
    if (!existsSync(CHROMIUM)) return { figures: [], skipped: `no Chromium at ${CHROMIUM}` };
    const perWay = ctx.quick ? 50 : 200;
    const rate = 50; // messages a second, each way: paced, so a figure is a latency and not a queue
    const figures: Figure[] = [];
    const failed: string[] = [];
    const notes: string[] = [];
    const kib = gzippedBytes(root) / 1024;
    figures.push(
      figure('web-page-gzip', 'page size (dist/web, gzip -9)', round(kib, 1), 'KiB', { target: atMost(200) }),
    );

    const mesh = await TestMesh.start(2, {
      record: false,
      nodeOptions: (i) => ({ nick: `t${i}`, ...(i === 0 ? { web: { root } } : {}) }),
    });
    let browser: Browser | null = null;
    try {
      await mesh.waitConnected(60_000);
      const url = mesh.nodes[0].node.status().web!;
      const terminal = mesh.nodes[1].node;
      const arrivals = new Map<string, number>();
      terminal.on('event', (e: ChatEvent) => {
        if (e.type === 'message' && e.message.text.startsWith('b2t '))
          arrivals.set(e.message.text, wallNow());
      });
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
        protocolTimeout: 120_000,
      });
      const page = await openAs(browser, url, 'bench');
      const pageId = (await page.evaluate(() => (window as PageWindow).konnect!.identity.id)) as NodeIdHex;
      await mustReach(() => terminal.peers().some((p) => p.id === pageId && p.online), 'T to see the page', {
        timeoutMs: 60_000,
      });

      // (a) browser → terminal: the page sends, paced in the page; T stamps each arrival.
      ctx.log(`  browser → terminal: ${perWay} messages at ${rate}/s`);
      const sentAt = await page.evaluate(
        async (n: number, r: number) => {
          const peer = (window as PageWindow).konnect!;
          const times: number[] = [];
          const start = performance.now();
          for (let i = 0; i < n; i++) {
            const wait = start + (i * 1000) / r - performance.now();
            if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
            times.push(performance.timeOrigin + performance.now());
            await peer.send({ kind: 'room', room: 'lobby' }, `b2t ${i}`);
          }
          return times;
        },
        perWay,
        rate,
      );
      const b2tOk = await mustReach(() => arrivals.size >= perWay, `T to get ${perWay} messages`, {
        timeoutMs: 60_000,
      }).then(
        () => true,
        (err: Error) => (failed.push(`browser → terminal: ${err.message}`), false),
      );
      const b2t = sentAt.flatMap((t, i) => {
        const at = arrivals.get(`b2t ${i}`);
        return at === undefined ? [] : [at - t];
      });
      if (b2tOk) {
        figures.push(
          figure('web-b2t-p50', 'browser → terminal p50', round(p50(b2t), 2), 'ms'),
          figure('web-b2t-p99', 'browser → terminal p99', round(percentile(b2t, 99), 2), 'ms', {
            target: atMost(20),
          }),
        );
      }

      // (a) terminal → browser: T sends, paced here; the page stamps each message event.
      ctx.log(`  terminal → browser: ${perWay} messages at ${rate}/s`);
      await page.evaluate(() => {
        const w = window as PageWindow;
        const seen: Record<string, number> = {};
        w.__arrivals = seen;
        w.konnect!.subscribe((e) => {
          if (e.type === 'message' && e.message.text.startsWith('t2b '))
            seen[e.message.text] = performance.timeOrigin + performance.now();
        });
      });
      const t2bSent: number[] = [];
      await paced(perWay, rate, (i) => {
        t2bSent.push(wallNow());
        terminal.send({ kind: 'room', room: 'lobby' }, `t2b ${i}`);
      });
      const t2bArrived = async () =>
        (await page.evaluate(() => (window as PageWindow).__arrivals!)) as Record<string, number>;
      let got: Record<string, number> = {};
      const deadline = Date.now() + 60_000;
      while (Object.keys((got = await t2bArrived())).length < perWay && Date.now() < deadline)
        await new Promise((ok) => setTimeout(ok, 100));
      const t2b = t2bSent.flatMap((t, i) => {
        const at = got[`t2b ${i}`];
        return at === undefined ? [] : [at - t];
      });
      if (t2b.length < perWay) failed.push(`terminal → browser: ${t2b.length} of ${perWay} arrived in 60 s`);
      else {
        figures.push(
          figure('web-t2b-p50', 'terminal → browser p50', round(p50(t2b), 2), 'ms'),
          figure('web-t2b-p99', 'terminal → browser p99', round(percentile(t2b, 99), 2), 'ms', {
            target: atMost(20),
          }),
        );
      }

      // (b) History drawn: fill the page's store up to STORED messages, then open the page again.
      const stored = ctx.quick ? 2 * perWay + 100 : STORED;
      const more = stored - 2 * perWay;
      ctx.log(`  history: ${more} more messages, then the page opened again with ${stored} stored`);
      await paced(more, 500, (i) => terminal.send({ kind: 'room', room: 'lobby' }, `filler ${i}`));
      const last = `filler ${more - 1}`;
      const countStored = () =>
        page.evaluate(
          async (n: number) =>
            (await (window as PageWindow).konnect!.history({ room: 'lobby', limit: n })).length,
          stored + 100,
        );
      const fillDeadline = Date.now() + 60_000;
      while ((await countStored()) < stored && Date.now() < fillDeadline)
        await new Promise((ok) => setTimeout(ok, 200));
      const drawn: number[] = [];
      const loaded: number[] = [];
      for (let k = 0; k < 3; k++) {
        await page.reload();
        // performance.now() in the page counts from its navigation start.
        const ms = await page.waitForFunction(
          (text: string) =>
            Array.from(document.querySelectorAll('.history .message .text')).some(
              (e) => e.textContent === text,
            ) && performance.now(),
          { timeout: 60_000, polling: 'mutation' },
          last,
        );
        drawn.push((await ms.jsonValue()) as number);
        // How much of it is loading the page (its script runs before DOMContentLoaded ends).
        loaded.push(
          await page.evaluate(
            () =>
              (
                (performance.getEntriesByType as (type: string) => unknown[])('navigation')[0] as {
                  domContentLoadedEventEnd: number;
                }
              ).domContentLoadedEventEnd,
          ),
        );
      }
      figures.push(
        figure(
          'web-history-drawn',
          `page opened → history drawn (${stored} stored, median of 3)`,
          round(p50(drawn), 1),
          'ms',
          {
            target: atMost(1000),
          },
        ),
      );
      notes.push(
        `web: ${perWay} messages each way at ${rate}/s; history reloads ${drawn.map((d) => Math.round(d)).join(', ')} ms ` +
          `(of which the page's own load, to DOMContentLoaded: ${loaded.map((d) => Math.round(d)).join(', ')} ms); ` +
          `load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')} at the end`,
      );
    } finally {
      await browser?.close().catch(() => undefined);
      await mesh.destroy();
    }
    return { figures, notes, failed };
  },
};
