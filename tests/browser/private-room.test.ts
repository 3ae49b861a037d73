/**
 * Issue 18's passphrase rooms in a real browser: a page (headless Chromium) on a serving node S that
 * holds no key. A wrong passphrase typed into the page's private-room form is refused with "wrong
 * passphrase for #ROOM"; before joining, the side list counts "1 private room you have not joined";
 * with the right passphrase the room shows with a lock, the terminal node T's sealed message appears
 * in it, and the page's reply reaches T; `/rekey` in the composer asks the new passphrase in a password
 * field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import { NodeChatApi } from '../../src/daemon/index.js';
import { waitFor } from '../helpers/wait.js';
import { Closer, DESKTOP, launchBrowser, openPage, sendLine, waitForText, waitInPage } from './browser.js';
import { WebWorld } from './web-fixture.js';

const closer = new Closer();
afterEach(() => closer.closeAll(), 120_000);

const LONG = 60_000;
const PASSPHRASE = 'correct horse battery staple';

/** Fills the private-room form and submits it. */
async function joinPrivately(page: Page, room: string, passphrase: string): Promise<void> {
  if (!(await page.$('#private-room'))) await page.click('.private-toggle');
  await page.click('#private-room', { count: 3 });
  await page.type('#private-room', room);
  await page.type('#private-passphrase', passphrase);
  await page.click('.private-join button[type=submit]');
}

describe('private rooms in the page', () => {
  it('joins a private room through the form and reads the terminal in it', async () => {
    const world = await WebWorld.start(closer);
    const room = `ops-${Math.random().toString(36).slice(2, 8)}`;
    const terminal = new NodeChatApi(world.terminal.node);
    await terminal.joinPrivateRoom(room, PASSPHRASE);
    const id = world.terminal.node.roomList.find((r) => r.startsWith('.'))!;

    const browser = await launchBrowser(closer);
    const { page, problems } = await openPage(browser, DESKTOP);
    await page.goto(world.url);
    await waitInPage(page, 'the nick form', () => document.querySelector('#nick') !== null, [], LONG);
    await page.type('#nick', 'pia');
    await page.click('.welcome button[type=submit]');
    await waitInPage(
      page,
      'the count of private rooms not joined',
      () => document.querySelector('.private-unjoined')?.getAttribute('data-count') === '1',
      [],
      LONG,
    );
    expect(await page.$eval('.private-unjoined', (e) => e.textContent)).toBe(
      '1 private room you have not joined',
    );

    await joinPrivately(page, room, 'wrong horse');
    await waitInPage(
      page,
      'the wrong-passphrase message',
      (r: string) => document.querySelector('.private-error')?.textContent === `wrong passphrase for #${r}`,
      [room],
      LONG,
    );
    expect(await page.$eval('#private-passphrase', (e) => e.getAttribute('type'))).toBe('password');

    await page.click('#private-passphrase', { count: 3 });
    await page.keyboard.press('Backspace');
    await joinPrivately(page, room, PASSPHRASE);
    await waitInPage(
      page,
      'the private room with a lock in the side list',
      (key: string) => document.querySelector(`.conv[data-key="${key}"] .lock`) !== null,
      [`room:${room}`],
      LONG,
    );
    await waitInPage(
      page,
      'the private room to be open',
      (r: string) => document.querySelector('.chat .title strong')?.textContent === `#${r}`,
      [room],
      LONG,
    );
    expect(await page.$('.private-unjoined')).toBeNull();

    const said = `sealed hello ${Math.random().toString(36).slice(2)}`;
    await terminal.send({ kind: 'room', room }, said);
    await waitForText(page, said, LONG);

    await waitFor(
      () => world.terminal.node.peers().some((p) => p.nick === 'pia' && p.rooms.includes(id)),
      'the terminal to see the page in the private room',
      { timeoutMs: LONG },
    );
    const reply = `sealed reply ${Math.random().toString(36).slice(2)}`;
    await sendLine(page, reply);
    await waitFor(
      () => world.terminal.received.find((m) => m.room === room && m.text === reply),
      'the terminal to open the page reply',
      { timeoutMs: LONG },
    );

    // /rekey typed in the composer asks for the new passphrase in a password field, not as a message.
    await sendLine(page, '/rekey');
    await waitInPage(
      page,
      'the passphrase prompt',
      () => document.querySelector('.secret-prompt input[type="password"]') !== null,
      [],
      LONG,
    );
    await page.type('.secret-prompt input', 'a brand new passphrase');
    await page.keyboard.press('Enter');
    await waitInPage(
      page,
      'the rekey line',
      (r: string) =>
        [...document.querySelectorAll('.history .row.system')].some(
          (e) => e.textContent === `#${r} moved to a new passphrase; older messages stay readable`,
        ),
      [room],
      LONG,
    );
    expect(await page.$('.secret-prompt')).toBeNull();
    expect(
      await page.$$eval('.history .row', (rows) => rows.some((e) => e.textContent?.includes('brand new'))),
    ).toBe(false);
    expect(problems).toEqual([]);
  }, 240_000);
});
