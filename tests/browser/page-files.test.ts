/**
 * Files in the page (issue 19), in headless Chromium on a serving node S with a terminal node T (both
 * in-process on 127.0.0.1, no mDNS, downloads in a temp dir): a picture T offers in the room is fetched
 * by the page through S and shown inline with a Download link; a file picked with the page's file
 * button and one dropped onto the conversation both reach T with matching hashes; the picture passed on
 * by the page (the same bytes offered again) keeps a card on both offers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ElementHandle } from 'puppeteer-core';
import { TestMesh } from '../helpers/mesh.js';
import { files, sha256File } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';
import { Closer, DESKTOP, launchBrowser, waitInPage } from './browser.js';
import { WEB_ROOT } from './web-fixture.js';

const closer = new Closer();
afterEach(() => closer.closeAll(), 120_000);

const LONG = 60_000;
/** A 1×1 PNG: a picture the browser really decodes. */
const DOT_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('files in the page, in Chromium', () => {
  it('shows a picture from a terminal node inline; files picked and dropped in the page reach it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'konnect-page-files-'));
    closer.add(() => rmSync(dir, { recursive: true, force: true }));
    const mesh = await TestMesh.start(2, {
      nodeOptions: (i) => ({
        files: { downloadDir: join(dir, `down-${i}`) },
        ...(i === 0 ? { web: { root: WEB_ROOT } } : {}),
      }),
    });
    closer.add(() => mesh.destroy());
    await mesh.waitConnected(LONG);
    const [serving, terminal] = mesh.nodes;
    const browser = await launchBrowser(closer);
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport(DESKTOP);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(serving.node.status().web!);
    await waitInPage(page, 'the nick form', () => document.querySelector('#nick') !== null, [], LONG);
    await page.type('#nick', 'pia');
    await page.click('.welcome button[type=submit]');
    await waitInPage(
      page,
      'the page to say "connected"',
      () => document.querySelector('.chat .conn')?.getAttribute('data-state') === 'connected',
      [],
      LONG,
    );
    await waitFor(() => terminal.node.peers().find((p) => p.nick === 'pia'), 'T to know the page', {
      timeoutMs: LONG,
    });

    // A picture from T: S fetches it (small), the page fetches it from S and draws it.
    writeFileSync(join(dir, 'dot.png'), DOT_PNG);
    const offer = await files(terminal.node).send({ kind: 'room', room: 'lobby' }, join(dir, 'dot.png'));
    await waitInPage(
      page,
      'the picture drawn inline',
      (id: string) => {
        const img = document.querySelector(`.file-card[data-file="${id}"] img.file-picture`);
        return img instanceof HTMLImageElement && img.complete && img.naturalWidth === 1;
      },
      [offer.id],
      LONG,
    );
    const link = await page.$eval(`.file-card[data-file="${offer.id}"] a.file-download`, (a) => ({
      download: a.getAttribute('download'),
      href: a.getAttribute('href'),
    }));
    expect(link.download).toBe('dot.png');
    expect(link.href).toMatch(/^blob:/);
    const name = await page.$eval(`.file-card[data-file="${offer.id}"] .file-name`, (e) => e.textContent);
    expect(name).toBe('dot.png');

    // The photo button's input asks a phone for its camera (and is the same path as the file button).
    const camera = await page.$eval('input.file-camera', (e) => [
      e.getAttribute('accept'),
      e.hasAttribute('capture'),
    ]);
    expect(camera).toEqual(['image/*', true]);

    // Picked with the file button's input: it reaches T whole.
    const picked = randomBytes(300_000);
    writeFileSync(join(dir, 'picked.bin'), picked);
    const input = (await page.$('input.file-pick')) as ElementHandle<HTMLInputElement>;
    await input.uploadFile(join(dir, 'picked.bin'));
    const atT = await waitFor(
      () =>
        files(terminal.node)
          .list()
          .find((f) => f.name === 'picked.bin' && f.state === 'done'),
      'T to fetch the picked file',
      { timeoutMs: LONG, intervalMs: 100 },
    );
    expect(sha256File(atT.path!)).toBe(sha256(picked));
    await waitInPage(
      page,
      'the own file card',
      (id: string) => document.querySelector(`.file-card[data-file="${id}"] a.file-download`) !== null,
      [atT.id],
      LONG,
    );

    // The picture passed on: the page offers the same bytes again. One file, two offers, a card on
    // each (T's offer showed as a bare "[file] … /get" line once the page's own offer took its file).
    await input.uploadFile(join(dir, 'dot.png'));
    await waitInPage(
      page,
      'a card on both offers of dot.png',
      (id: string) => document.querySelectorAll(`.file-card[data-file="${id}"]`).length === 2,
      [offer.id],
      LONG,
    );
    expect(await page.$$eval('.history .row', (rows) => rows.map((r) => r.textContent ?? ''))).not.toEqual(
      expect.arrayContaining([expect.stringContaining('/get ')]),
    );

    // Dropped onto the conversation.
    const dropped = randomBytes(5_000).toString('hex');
    await page.evaluate((text: string) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'dropped.txt', { type: 'text/plain' }));
      const target = document.querySelector('.history')!;
      for (const type of ['dragover', 'drop'])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
    }, dropped);
    const droppedAtT = await waitFor(
      () =>
        files(terminal.node)
          .list()
          .find((f) => f.name === 'dropped.txt' && f.state === 'done'),
      'T to fetch the dropped file',
      { timeoutMs: LONG, intervalMs: 100 },
    );
    expect(sha256File(droppedAtT.path!)).toBe(sha256(Buffer.from(dropped)));
    expect(problems).toEqual([]);
    // A picture of the cards for a person to look at: KONNECT_SCREENSHOT_DIR, else a temp dir.
    const shots = process.env.KONNECT_SCREENSHOT_DIR ?? dir;
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, 'page-files.png') });
  }, 180_000);
});
