/**
 * Issue 17 in a real browser: two pages (headless Chromium, each its own browser profile) on a serving
 * node S (its own web server serves the page and the WebSocket), and a terminal node T, all on
 * 127.0.0.1 with mDNS off. Room messages go every way; direct messages between the pages go both ways
 * and are ticked delivered (read, where the other page has the conversation open) while S neither
 * receives nor stores their plaintext; a
 * reloaded page is the same person with the same history; a page whose node is killed says so and
 * catches up when the node is back; a closed page says it left, and sees what was sent meanwhile when
 * it reopens.
 * Screenshots of the phone and desktop layouts go to KONNECT_SCREENSHOT_DIR (docs/screenshots when
 * generated for the README), else to a temp dir, so a test run never writes into the tree.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { waitFor } from '../helpers/wait.js';
import { Closer, DESKTOP, PHONE, launchBrowser, sendLine, waitForText, waitInPage } from './browser.js';
import { WebWorld } from './web-fixture.js';

const closer = new Closer();
afterEach(() => closer.closeAll(), 120_000);

const LONG = 60_000;

interface OpenPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

async function newTab(
  context: BrowserContext,
  url: string,
  viewport = DESKTOP,
  world?: WebWorld,
): Promise<OpenPage> {
  const page = await context.newPage();
  await page.setViewport(viewport);
  await world?.record(page);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(m.text()))
      problems.push(m.text());
  });
  await page.goto(url);
  return { context, page, problems };
}

/** A page in a browser profile of its own; on its first visit it picks `nick`. */
async function joinAs(
  browser: Browser,
  world: WebWorld,
  nick: string,
  viewport = DESKTOP,
): Promise<OpenPage> {
  const context = await browser.createBrowserContext();
  const opened = await newTab(context, world.url, viewport, world);
  await waitInPage(opened.page, 'the nick form', () => document.querySelector('#nick') !== null, [], LONG);
  await opened.page.type('#nick', nick);
  await opened.page.click('.welcome button[type=submit]');
  await waitConnected(opened.page);
  return opened;
}

function waitConnected(page: Page): Promise<void> {
  return waitInPage(
    page,
    'the page to say "connected"',
    () => document.querySelector('.chat .conn')?.getAttribute('data-state') === 'connected',
    [],
    LONG,
  );
}

const selfFingerprint = (page: Page) => page.$eval('.self', (e) => e.getAttribute('data-fingerprint') ?? '');

/** Opens the direct conversation with the peer shown as `nick`. */
async function openDirect(page: Page, nick: string): Promise<void> {
  await waitInPage(
    page,
    `${nick} in the online list`,
    (n: string) =>
      [...document.querySelectorAll('.peer')].some((e) => e.querySelector('.nick')?.textContent === n),
    [nick],
    LONG,
  );
  await page.evaluate((n: string) => {
    const peer = [...document.querySelectorAll('.peer')].find(
      (e) => e.querySelector('.nick')?.textContent === n,
    );
    (peer as HTMLElement).click();
  }, nick);
  await waitInPage(
    page,
    `the conversation with ${nick}`,
    (n: string) => document.querySelector('.chat .title strong')?.textContent === `@${n}`,
    [nick],
    LONG,
  );
}

const screenshotDir = (): string => {
  const dir = process.env.KONNECT_SCREENSHOT_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const temp = mkdtempSync(join(tmpdir(), 'konnect-shots-'));
  closer.add(() => rmSync(temp, { recursive: true, force: true }));
  return temp;
};

describe('the page on a konnect mesh, in Chromium', () => {
  it('carries room messages every way and direct messages sealed end to end between two pages', async () => {
    const world = await WebWorld.start(closer);
    const browser = await launchBrowser(closer);
    const ana = await joinAs(browser, world, 'ana');
    const bea = await joinAs(browser, world, 'bea');

    // Rooms: page → page and terminal, terminal → both pages.
    await sendLine(ana.page, 'hello from ana');
    await waitForText(bea.page, 'hello from ana', LONG);
    await waitFor(() => world.terminal.received.find((m) => m.text === 'hello from ana'), 'T to get ana', {
      timeoutMs: LONG,
    });
    world.terminal.node.send({ kind: 'room', room: 'lobby' }, 'hello from the terminal');
    await waitForText(ana.page, 'hello from the terminal', LONG);
    await waitForText(bea.page, 'hello from the terminal', LONG);
    await sendLine(bea.page, 'bea here', 'with two lines');
    await waitForText(ana.page, 'bea here\nwith two lines', LONG);
    await waitFor(
      () => world.terminal.received.find((m) => m.text === 'bea here\nwith two lines'),
      'T to get bea',
      { timeoutMs: LONG },
    );

    // A direct message between the pages: delivered, ticked, and never readable by S.
    const secret = `only for bea ${Math.random().toString(36).slice(2)}`;
    await openDirect(ana.page, 'bea');
    await sendLine(ana.page, secret);
    await waitForText(ana.page, secret, LONG);
    await waitInPage(
      ana.page,
      'the direct message to be ticked delivered',
      () =>
        ['delivered', 'read'].includes(
          document.querySelector('.message.own .ticks')?.getAttribute('data-status') ?? '',
        ),
      [],
      LONG,
    );
    await waitInPage(
      bea.page,
      'an unread direct conversation at bea',
      () => document.querySelector('.conv[data-key^="direct:"] .badge') !== null,
      [],
      LONG,
    );
    await openDirect(bea.page, 'ana');
    await waitForText(bea.page, secret, LONG);
    await sendLine(bea.page, 'got it, thanks');
    await waitForText(bea.page, 'got it, thanks', LONG);
    await waitForText(ana.page, 'got it, thanks', LONG);
    await waitInPage(
      bea.page,
      "bea's reply to be ticked read (ana has their conversation open)",
      () =>
        [...document.querySelectorAll('.message.own')].some(
          (e) =>
            e.querySelector('.text')?.textContent === 'got it, thanks' &&
            e.querySelector('.ticks')?.getAttribute('data-status') === 'read',
        ),
      [],
      LONG,
    );

    // A direct message from the terminal to a page, left unread: the desktop shot shows its badge.
    const anaAtT = await waitFor(
      () => world.terminal.node.peers().find((p) => p.nick === 'ana'),
      'T to know ana',
      { timeoutMs: LONG },
    );
    await ana.page.evaluate(() =>
      (document.querySelector('.conv[data-key="room:lobby"]') as HTMLElement).click(),
    );
    world.terminal.node.send({ kind: 'direct', peer: anaAtT.id }, 'lunch at noon?');
    const fromT = `direct:${world.terminal.node.identity.idHex}`;
    await waitInPage(
      ana.page,
      "an unread badge on T's direct conversation at ana",
      (key: string) => document.querySelector(`.conv[data-key="${key}"] .badge`)?.textContent === '1',
      [fromT],
      LONG,
    );

    // Screenshots at the end of the conversation: ana on a desktop, bea on a phone.
    const dir = screenshotDir();
    await waitForText(ana.page, 'hello from the terminal', LONG);
    await ana.page.screenshot({ path: join(dir, 'page-desktop.png') });
    // A mobile viewport makes Chromium reload the page: bea comes back to the conversation she had
    // open (the page keeps it in the address) with its history from IndexedDB.
    await bea.page.setViewport(PHONE);
    await waitConnected(bea.page);
    await waitForText(bea.page, 'got it, thanks', LONG);
    // A draft of three lines: the input grows with it.
    await bea.page.focus('.composer textarea');
    for (const [i, line] of ['see you at the', 'coffee machine', 'in five'].entries()) {
      if (i > 0) {
        await bea.page.keyboard.down('Shift');
        await bea.page.keyboard.press('Enter');
        await bea.page.keyboard.up('Shift');
      }
      await bea.page.keyboard.type(line);
    }
    await waitInPage(
      bea.page,
      'the input to grow for three lines',
      () => {
        const input = document.querySelector('.composer textarea') as HTMLTextAreaElement;
        return input.clientHeight > 2 * parseFloat(getComputedStyle(input).lineHeight);
      },
      [],
      LONG,
    );
    await bea.page.screenshot({ path: join(dir, 'page-phone.png') });
    await bea.page.tap('.back');
    await waitInPage(
      bea.page,
      'the conversation list',
      () => (document.querySelector('.side') as HTMLElement).offsetParent !== null,
      [],
      LONG,
    );
    await bea.page.screenshot({ path: join(dir, 'page-phone-list.png') });

    expect(world.toServing.length).toBeGreaterThan(0);
    await world.mesh.stopNode(0);
    const stored = world.storedBytes();
    for (const text of [secret, 'got it, thanks']) {
      const plain = Buffer.from(text, 'utf8');
      expect(
        world.toServing.some((b) => b.includes(plain)),
        `plaintext "${text}" in what S received`,
      ).toBe(false);
      expect(
        stored.some((b) => b.includes(plain)),
        `plaintext "${text}" in what S stored`,
      ).toBe(false);
    }
    expect(ana.problems).toEqual([]);
    expect(bea.problems).toEqual([]);
  }, 300_000);

  it('keeps the fingerprint and the history of a reloaded page', async () => {
    const world = await WebWorld.start(closer);
    const browser = await launchBrowser(closer);
    const ana = await joinAs(browser, world, 'ana');
    const before = await selfFingerprint(ana.page);
    await sendLine(ana.page, 'remember me');
    await waitForText(ana.page, 'remember me', LONG);
    await ana.page.reload();
    await waitConnected(ana.page);
    expect(await ana.page.$('#nick')).toBeNull();
    expect(await selfFingerprint(ana.page)).toBe(before);
    await waitForText(ana.page, 'remember me', LONG);
    expect(ana.problems).toEqual([]);
  }, 300_000);

  it('says when its node is gone, and catches up when the node is back', async () => {
    const world = await WebWorld.start(closer);
    const browser = await launchBrowser(closer);
    const ana = await joinAs(browser, world, 'ana');
    await world.stopServing();
    await waitInPage(
      ana.page,
      'the page to say "reconnecting…"',
      () => document.querySelector('.chat .conn')?.textContent === 'reconnecting…',
      [],
      LONG,
    );
    world.terminal.node.send({ kind: 'room', room: 'lobby' }, 'while your node was down');
    // The page may link to S before or after S has caught up from T: either way it gets the message
    // (by sync from S, or flooded on by S when S learns it by sync, PROTOCOL.md §12).
    await world.restartServing();
    await waitConnected(ana.page);
    await waitForText(ana.page, 'while your node was down', LONG);
    expect(ana.problems).toEqual([]);
  }, 300_000);

  it('shows what was sent while the page was closed when it opens again', async () => {
    const world = await WebWorld.start(closer);
    const browser = await launchBrowser(closer);
    const ana = await joinAs(browser, world, 'ana');
    await sendLine(ana.page, 'before closing');
    await waitFor(() => world.terminal.received.find((m) => m.text === 'before closing'), 'T to get it', {
      timeoutMs: LONG,
    });
    await ana.page.close();
    // Closing the tab says leave: T shows "ana left" at once, not 75 s later.
    await waitFor(
      () =>
        world.terminal.events.find((e) => e.type === 'presence' && e.event === 'leave' && e.nick === 'ana'),
      'T to be told ana left when her tab closed',
      { timeoutMs: LONG },
    );
    world.terminal.node.send({ kind: 'room', room: 'lobby' }, 'while the page was closed');
    const again = await newTab(ana.context, world.url);
    await waitConnected(again.page);
    await waitForText(again.page, 'before closing', LONG);
    await waitForText(again.page, 'while the page was closed', LONG);
    expect(again.problems).toEqual([]);
  }, 300_000);
});
