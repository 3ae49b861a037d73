/**
 * What the browser tests share: Debian's Chromium driven headless by puppeteer-core (nothing
 * downloaded), a static server with the node's strict CSP for the page-only bundle, and bounded waits
 * on what a page shows. Everything opened here is closed by the `Closer` the tests drain in afterEach.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.KONNECT_CHROMIUM ?? '/usr/bin/chromium';
export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The strict policy the node serves the page with (the page must work under it). */
export const CSP = "default-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:";

export const PHONE = { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { width: 1280, height: 800, deviceScaleFactor: 1 };

/** Things to close after a test, last opened first, each even if another fails. */
export class Closer {
  private readonly tasks: (() => unknown)[] = [];
  add(task: () => unknown): void {
    this.tasks.push(task);
  }
  async closeAll(): Promise<void> {
    const errors: unknown[] = [];
    while (this.tasks.length > 0) {
      try {
        await this.tasks.pop()!();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

export async function launchBrowser(closer: Closer): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    protocolTimeout: 120_000,
  });
  closer.add(() => browser.close());
  return browser;
}

/** A new page that records its console errors and failed CSP checks (the test asserts there are none). */
export async function openPage(
  browser: Browser,
  viewport: typeof PHONE | typeof DESKTOP = DESKTOP,
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport(viewport);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { page, problems };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1 with the node's CSP. */
export async function serveDir(dir: string, closer: Closer): Promise<string> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path.replace(/^\/+/, ''));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  closer.add(
    () =>
      new Promise((ok) => {
        server.close(ok);
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}/`;
}

/** Bundles the real page on the in-page fake peer (tests/browser/fixtures) into a temp dir. */
export async function buildFakePage(closer: Closer): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-fake-page-'));
  closer.add(() => rmSync(dir, { recursive: true, force: true }));
  await build({
    entryPoints: { app: join(repo, 'tests/browser/fixtures/fake-main.tsx') },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outdir: dir,
    jsx: 'automatic',
    tsconfig: join(repo, 'tsconfig.web.json'),
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'error',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
      '<link rel="icon" href="favicon.svg"><link rel="stylesheet" href="app.css"><script type="module" src="app.js"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>');
  return dir;
}

/** Waits (bounded) until `fn` returns truthy in the page. */
export async function waitInPage<A extends unknown[]>(
  page: Page,
  what: string,
  fn: (...args: A) => unknown,
  args: A,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await page.waitForFunction(
      fn as never,
      { timeout: timeoutMs, polling: 50 },
      ...(args as unknown as never[]),
    );
  } catch (err) {
    throw new Error(
      `timed out after ${timeoutMs} ms waiting for ${what} (${(err as Error).message.split('\n')[0]})`,
    );
  }
}

/** Waits until the shown history holds a message whose text is `text`. */
export function waitForText(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  return waitInPage(
    page,
    `the message "${text}" in the history`,
    (t: string) => [...document.querySelectorAll('.history .message .text')].some((e) => e.textContent === t),
    [text],
    timeoutMs,
  );
}

/** Types into the composer (Shift+Enter between `lines`) and presses Enter. */
export async function sendLine(page: Page, ...lines: string[]): Promise<void> {
  await page.focus('.composer textarea');
  for (const [i, line] of lines.entries()) {
    if (i > 0) {
      await page.keyboard.down('Shift');
      await page.keyboard.press('Enter');
      await page.keyboard.up('Shift');
    }
    await page.keyboard.type(line);
  }
  await page.keyboard.press('Enter');
}
