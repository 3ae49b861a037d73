/**
 * Pinned keys in a real browser (issue 18, PROTOCOL.md §20): the serving node S and the terminal T
 * are both "dana"; the page pins the first dana it hears and marks the other NEW KEY in the peers
 * list. `/verify dana` shows the safety code the node computes, `/trust dana` accepts the new key
 * (the mark goes), and `/verify FINGERPRINT yes` marks it verified.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeChatApi } from '../../src/daemon/index.js';
import { waitFor } from '../helpers/wait.js';
import { Closer, DESKTOP, launchBrowser, openPage, sendLine, waitInPage } from './browser.js';
import { WebWorld } from './web-fixture.js';

const closer = new Closer();
afterEach(() => closer.closeAll(), 120_000);

const LONG = 60_000;

describe('pinned keys in the page', () => {
  it('marks a NEW KEY, shows the safety code, trusts and verifies', async () => {
    const world = await WebWorld.start(closer);
    const browser = await launchBrowser(closer);
    const { page, problems } = await openPage(browser, DESKTOP);
    await page.goto(world.url);
    await waitInPage(page, 'the nick form', () => document.querySelector('#nick') !== null, [], LONG);
    await page.type('#nick', 'pia');
    await page.click('.welcome button[type=submit]');

    const marked = (trust: string) =>
      waitInPage(
        page,
        `a dana marked ${trust} in the peers list`,
        (t: string) => document.querySelector(`.peers [data-trust="${t}"]`) !== null,
        [trust],
        LONG,
      );
    await marked('new-key');
    const fresh = await page.$eval('.peers [data-trust="new-key"]', (e) =>
      e.closest('.peer')!.getAttribute('data-peer'),
    );
    const other = [world.serving, world.terminal].find((m) => m.node.identity.idHex === fresh)!;
    expect(other).toBeDefined();

    const pageId = await waitFor(
      () => other.node.peers().find((p) => p.nick === 'pia')?.id,
      'the node to know the page',
      { timeoutMs: LONG },
    );
    const { code } = await new NodeChatApi(other.node).safetyCode(pageId);
    await sendLine(page, '/verify dana');
    await waitInPage(
      page,
      'the safety code in the history',
      (c: string) =>
        [...document.querySelectorAll('.history .row.system')].some((e) => e.textContent?.includes(c)),
      [code],
      LONG,
    );

    await sendLine(page, '/trust dana');
    await waitInPage(
      page,
      'the NEW KEY mark to go from the trusted dana',
      (id: string) => document.querySelector(`.peer[data-peer="${id}"] [data-trust="new-key"]`) === null,
      [fresh!],
      LONG,
    );
    // Both keys now share the nick and the first one is the NEW KEY: name the trusted one by fingerprint.
    await sendLine(page, `/verify ${other.node.identity.fingerprint} yes`);
    await waitInPage(
      page,
      'the verified mark',
      (id: string) => document.querySelector(`.peer[data-peer="${id}"] [data-trust="verified"]`) !== null,
      [fresh!],
      LONG,
    );
    expect(problems).toEqual([]);
  }, 240_000);
});
