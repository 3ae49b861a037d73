/**
 * The page alone, in headless Chromium, on an in-page fake peer (no node): first visit asks a nick;
 * Enter sends and Shift+Enter makes the input grow by a line; day separators; delivery ticks turn to
 * delivered on a receipt; unread counts; a shared nick shows fingerprints; the connection indicator
 * (and "Use here" when the chat was opened in another tab, which lists nobody online until then), the
 * page's own words when it loses its node;
 * the phone layout's two views with large tap targets; and no CSP violation under the node's policy.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'puppeteer-core';
import type { FakePagePeer } from './fixtures/fake-page-peer.js';
import {
  Closer,
  DESKTOP,
  PHONE,
  buildFakePage,
  launchBrowser,
  openPage,
  sendLine,
  serveDir,
  waitForText,
  waitInPage,
} from './browser.js';

type Win = { konnectFake: FakePagePeer };
const fake = <T>(page: Page, fn: (f: FakePagePeer) => T) =>
  page.evaluate(
    (src) => new Function('f', `return (${src})(f)`)((window as unknown as Win).konnectFake),
    fn.toString(),
  ) as Promise<T>;

const closer = new Closer();
const buildCloser = new Closer();
let url = '';

beforeAll(async () => {
  url = await serveDir(await buildFakePage(buildCloser), buildCloser);
  return () => buildCloser.closeAll();
}, 120_000);
afterEach(() => closer.closeAll(), 60_000);

async function openChat(viewport = DESKTOP, nick = 'ana') {
  const browser = await launchBrowser(closer);
  const { page, problems } = await openPage(browser, viewport);
  await page.goto(`${url}?nick=${nick}`);
  await waitInPage(page, 'the chat', () => document.querySelector('.composer textarea') !== null, []);
  return { page, problems };
}

describe('the page on a fake peer', () => {
  it('asks a nick on the first visit, then opens the lobby', async () => {
    const browser = await launchBrowser(closer);
    const { page, problems } = await openPage(browser);
    await page.goto(url);
    await waitInPage(page, 'the nick form', () => document.querySelector('#nick') !== null, []);
    await page.type('#nick', 'zoe');
    await page.click('.welcome button[type=submit]');
    await waitInPage(
      page,
      'the lobby',
      () => document.querySelector('.chat .title')?.textContent === '#lobby',
      [],
    );
    expect(await fake(page, (f) => f.identity.nick)).toBe('zoe');
    expect(problems).toEqual([]);
  }, 120_000);

  it('sends on Enter, grows the input on Shift+Enter, separates days, and ticks direct messages', async () => {
    const { page, problems } = await openChat();
    const textarea = '.composer textarea';
    const height = () => page.$eval(textarea, (e) => (e as HTMLElement).offsetHeight);
    const one = await height();
    await page.focus(textarea);
    await page.keyboard.type('first line');
    await page.keyboard.down('Shift');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Shift');
    await page.keyboard.type('second line');
    expect(await page.$eval(textarea, (e) => (e as HTMLTextAreaElement).value)).toBe(
      'first line\nsecond line',
    );
    expect(await height()).toBeGreaterThan(one);
    await page.keyboard.press('Enter');
    await waitForText(page, 'first line\nsecond line');
    expect(await page.$eval(textarea, (e) => (e as HTMLTextAreaElement).value)).toBe('');

    // A message of yesterday and one of today: a separator above each day.
    await fake(page, (f) => {
      const bob = f.addPeer('bob');
      f.clock = Date.now() - 86_400_000;
      f.deliver({ text: 'from yesterday', from: bob.id, nick: 'bob' });
      f.clock = Date.now();
      f.deliver({ text: 'from today', from: bob.id, nick: 'bob' });
    });
    await waitForText(page, 'from today');
    expect(await page.$$eval('.history .day', (d) => d.length)).toBeGreaterThanOrEqual(2);

    // A direct message: ✓ when sent, ✓✓ once the receipt comes.
    await page.click('.peer[data-peer]');
    await waitInPage(
      page,
      'the direct conversation',
      () => document.querySelector('.chat .title')?.textContent === '@bob',
      [],
    );
    await sendLine(page, 'just for you');
    await waitForText(page, 'just for you');
    expect(await page.$eval('.message.own .ticks', (e) => e.getAttribute('data-status'))).toBe('sent');
    await fake(page, (f) => {
      const m = f.messages.find((x) => x.text === 'just for you')!;
      f.emit({ type: 'receipt', id: m.id, peer: m.peer! });
    });
    await waitInPage(
      page,
      'the delivered ticks',
      () => document.querySelector('.message.own .ticks')?.getAttribute('data-status') === 'delivered',
      [],
    );
    expect(problems).toEqual([]);
  }, 120_000);

  it('counts unread messages elsewhere, shows fingerprints of a shared nick, and the connection', async () => {
    const { page, problems } = await openChat();
    await fake(page, (f) => {
      const bob = f.addPeer('bob');
      f.addPeer('bob', 'another bob');
      f.deliver({ text: 'psst', from: bob.id, nick: 'bob', room: null, direct: true, peer: bob.id });
    });
    await waitInPage(
      page,
      'an unread count of 1',
      () => document.querySelector('.conv .badge')?.textContent === '1',
      [],
    );
    await waitInPage(
      page,
      'fingerprints next to the two bobs',
      () => document.querySelectorAll('.peer .fp').length === 2,
      [],
    );
    expect(await page.$eval('.chat .conn', (e) => e.getAttribute('data-state'))).toBe('connected');
    await fake(page, (f) => f.emit({ type: 'connection', state: 'lost', reason: 'link closed' }));
    await waitInPage(
      page,
      'reconnecting…',
      () => document.querySelector('.chat .conn')?.textContent === 'reconnecting…',
      [],
    );
    // Said in a page's words: no data directory, and a line written meanwhile waits in the browser.
    await waitInPage(
      page,
      'the line that says the page lost its node',
      () =>
        document
          .querySelector('.history')
          ?.textContent?.includes(
            'Disconnected: link closed. What you write meanwhile is kept in this browser and sent when ' +
              'the link is back; this page reconnects by itself.',
          ) === true,
      [],
    );
    expect(await page.$eval('.history', (e) => e.textContent)).not.toContain('data directory');
    await fake(page, (f) => f.emit({ type: 'connection', state: 'restored', reason: 'linked' }));
    await waitInPage(
      page,
      'connected again',
      () => document.querySelector('.chat .conn')?.textContent === 'connected',
      [],
    );
    // Opened in another tab: this one says so and offers to take the chat back, without flapping.
    await fake(page, (f) =>
      f.emit({
        type: 'connection',
        state: 'replaced',
        reason: 'this chat was opened in another tab or window',
      }),
    );
    await waitInPage(
      page,
      '"Use here"',
      () => document.querySelector('.chat .conn')?.getAttribute('data-state') === 'elsewhere',
      [],
    );
    expect(await page.$eval('.chat .conn', (e) => e.textContent)).toBe('open in another tab Use here');
    await waitInPage(
      page,
      'the line that says why',
      () =>
        document
          .querySelector('.history')
          ?.textContent?.includes('opened in another tab or window: this one is paused') === true,
      [],
    );
    await page.click('.chat .conn .use-here');
    await waitInPage(
      page,
      'connected after "Use here"',
      () => document.querySelector('.chat .conn')?.textContent === 'connected',
      [],
    );
    expect(await fake(page, (f) => f.usedHere)).toBe(1);
    expect(problems).toEqual([]);
  }, 120_000);

  it('a tab replaced by another lists nobody online until "Use here", then the peers again', async () => {
    const { page, problems } = await openChat();
    const onlineHeading = () =>
      page.$$eval('.sidebar h2', (hs) => hs.map((h) => h.textContent).find((t) => t?.startsWith('Online')));
    await fake(page, (f) => (f.addPeer('bob'), void f.addPeer('cy')));
    await waitInPage(
      page,
      'bob and cy online',
      () => document.querySelectorAll('.peers .peer').length === 2,
      [],
    );
    await fake(page, (f) =>
      f.emit({
        type: 'connection',
        state: 'replaced',
        reason: 'this chat was opened in another tab or window',
      }),
    );
    await waitInPage(page, 'nobody online once replaced', () => !document.querySelector('.peers .peer'), []);

    // The page's peer list still answers (it heard both within 75 s): the chat's periodic reread of
    // the peers, and a peer event arriving late, must not list them again while the tab is replaced.
    const reads = await fake(page, (f) => f.peerReads);
    await waitInPage(
      page,
      'the chat to reread the peers (every 5 s)',
      (n: number) => (window as unknown as Win).konnectFake.peerReads > n,
      [reads],
    );
    await fake(page, (f) => {
      f.emit({ type: 'peer', peer: [...f.peerMap.values()][0] });
      f.deliver({ text: 'drawn after the reread' });
    });
    await waitForText(page, 'drawn after the reread');
    expect(await page.$$('.peers .peer'), 'peers listed in the replaced tab').toHaveLength(0);
    expect(await onlineHeading()).toBe('Online (0)');

    await page.click('.chat .conn .use-here');
    await waitInPage(
      page,
      'bob and cy online again',
      () => document.querySelectorAll('.peers .peer').length === 2,
      [],
    );
    expect(await onlineHeading()).toBe('Online (2)');
    expect(problems).toEqual([]);
  }, 120_000);

  it('on a phone shows the list or the chat, with large tap targets', async () => {
    const { page, problems } = await openChat(PHONE);
    await fake(page, (f) => void f.addPeer('bob'));
    const visible = (sel: string) => page.$eval(sel, (e) => (e as HTMLElement).offsetParent !== null);
    expect(await visible('.chat')).toBe(true);
    expect(await visible('.side')).toBe(false);
    await page.tap('.back');
    await waitInPage(
      page,
      'the conversation list',
      () => (document.querySelector('.side') as HTMLElement).offsetParent !== null,
      [],
    );
    expect(await visible('.chat')).toBe(false);
    const heights = await page.$$eval('.conv, .peer, .join button', (els) =>
      els.map((e) => (e as HTMLElement).offsetHeight),
    );
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(44);
    await page.tap('.peer[data-peer]');
    await waitInPage(
      page,
      'the chat with bob',
      () => document.querySelector('.chat .title')?.textContent === '@bob',
      [],
    );
    expect(await visible('.side')).toBe(false);
    expect(await page.$eval('.back', (e) => (e as HTMLElement).offsetHeight)).toBeGreaterThanOrEqual(44);
    expect(problems).toEqual([]);
  }, 120_000);
});
