/**
 * Read and seen markers in a real browser (issue 18, PROTOCOL.md §20): the page takes part in both as
 * a node does. Its seen markers count towards "seen by N/M" on a terminal's room message, and the page
 * shows "seen by N/M" on its own; it marks a terminal's direct messages read once their conversation
 * is open there, and shows ✓✓ read on its own direct messages once the terminal shows them, still
 * after a reload; its settings turn read receipts off (what that stops is in tests/unit/page-markers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { NodeChatApi, type ChatMessage, type NodeIdHex } from '../../src/daemon/index.js';
import { waitFor } from '../helpers/wait.js';
import { Closer, DESKTOP, launchBrowser, openPage, sendLine, waitForText, waitInPage } from './browser.js';
import { WebWorld } from './web-fixture.js';

const closer = new Closer();
afterEach(() => closer.closeAll(), 120_000);

const LONG = 60_000;

describe('read and seen markers in the page', () => {
  it('counts the page in "seen by", shows its own, and reads direct messages both ways', async () => {
    const world = await WebWorld.start(closer);
    const t = world.terminal;
    const api = new NodeChatApi(t.node);
    const browser = await launchBrowser(closer);
    const { page, problems } = await openPage(browser, DESKTOP);
    await page.goto(world.url);
    await waitInPage(page, 'the nick form', () => document.querySelector('#nick') !== null, [], LONG);
    await page.type('#nick', 'pia');
    await page.click('.welcome button[type=submit]');

    const pia = (await waitFor(
      () => t.node.peers().find((p) => p.nick === 'pia' && p.online && p.rooms.includes('lobby'))?.id,
      'T to see pia online in #lobby',
      { timeoutMs: LONG },
    )) as NodeIdHex;
    await waitInPage(
      page,
      'both nodes online in #lobby, as the page knows them',
      async () => {
        const peers = await (
          window as unknown as { konnect: { peers(): Promise<{ online: boolean; rooms: string[] }[]> } }
        ).konnect.peers();
        return peers.filter((p) => p.online && p.rooms.includes('lobby')).length >= 2;
      },
      [],
      LONG,
    );

    // Seen: T's message was sent while S and the page were in #lobby; both hold it, both say so.
    const counted = await api.send({ kind: 'room', room: 'lobby' }, 'count me in');
    const seenAtT = async (id: string) =>
      (await api.history({ room: 'lobby', limit: 50 })).find((m: ChatMessage) => m.id === id)?.seen;
    await waitFor(
      async () => {
        const seen = await seenAtT(counted.id);
        return seen?.count === 2 && seen.of === 2 ? seen : undefined;
      },
      'T\'s message to be "seen by 2/2" (S and the page)',
      { timeoutMs: LONG },
    );

    // The page's own room message: seen by both nodes.
    await sendLine(page, 'pia in the room');
    await waitInPage(
      page,
      '"seen by 2/2" under the page\'s own message',
      () =>
        [...document.querySelectorAll('.message.own')].some(
          (e) =>
            e.querySelector('.text')?.textContent === 'pia in the room' &&
            e.querySelector('.ticks.seen')?.textContent === 'seen by 2/2',
        ),
      [],
      LONG,
    );

    // Read, terminal → page: T's direct message is read once the page opens the conversation.
    const asked = await api.send({ kind: 'direct', peer: pia }, 'are you there?');
    const statusAtT = async (id: string) =>
      (await api.history({ peer: pia, limit: 50 })).find((m) => m.id === id)?.status;
    await waitFor(
      async () => ((await statusAtT(asked.id)) === 'delivered' ? true : undefined),
      'T\'s direct message to be "delivered" while the page shows #lobby',
      { timeoutMs: LONG },
    );
    await page.click(`.peer[data-peer="${t.node.identity.idHex}"]`);
    await waitForText(page, 'are you there?', LONG);
    await waitFor(
      async () => ((await statusAtT(asked.id)) === 'read' ? true : undefined),
      "T's direct message to turn read once the page shows it",
      { timeoutMs: LONG },
    );

    // Read, page → terminal: T shows the conversation; the page's answer gets ✓✓ read.
    await api.setShownConversation({ kind: 'direct', peer: pia });
    await sendLine(page, 'yes, here');
    const readTick = () =>
      waitInPage(
        page,
        "the page's direct message ticked read",
        () =>
          [...document.querySelectorAll('.message.own')].some(
            (e) =>
              e.querySelector('.text')?.textContent === 'yes, here' &&
              e.querySelector('.ticks')?.getAttribute('data-status') === 'read',
          ),
        [],
        LONG,
      );
    await readTick();
    // The page keeps what was read: after a reload the tick is still 'read'.
    await page.reload();
    await waitForText(page, 'yes, here', LONG);
    await readTick();

    // Read receipts turned off in the page's settings: kept across a reload, as the peer says.
    const receipts = () => page.$eval('input[name=read-receipts]', (e) => (e as HTMLInputElement).checked);
    expect(await receipts()).toBe(true);
    await page.click('input[name=read-receipts]');
    await waitInPage(
      page,
      'read receipts to be off in the page',
      () => (window as unknown as { konnect: { readReceipts: boolean } }).konnect.readReceipts === false,
      [],
      LONG,
    );
    await page.reload();
    await waitForText(page, 'yes, here', LONG);
    expect(await receipts()).toBe(false);
    expect(problems).toEqual([]);
  }, 240_000);
});
