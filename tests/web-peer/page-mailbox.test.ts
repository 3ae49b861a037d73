/**
 * Direct messages a flood cannot bring, kept by a page's node (leaf-mailbox.ts):
 * - to a page whose tab is closed: kept and sent on the page's next link, and the senders get their
 *   receipts. Before, only the two ends of a direct conversation reconciled it, a page links to no
 *   node but its own, and a message sent to a closed page reached nobody, its sender's copy "sent" for
 *   ever (found by hand: carol's /msg to dana);
 * - from a page to a node that is away, or going away as it is written: kept until the recipient's
 *   receipt goes by and sent on its next link (the page's own resend dies at its node, which has seen
 *   that id), and the node gets it once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, PAGE_ROOT, type TestPage, waitLinked, wsUrlOf } from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  for (const page of pages.splice(0)) await page.peer.close();
  await mesh?.destroy();
  mesh = undefined;
});

describe('direct messages to a closed page', () => {
  it('wait at its node and reach it when it opens again, with receipts to their senders', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
    await mesh.waitConnected();
    const [serving, far] = mesh.nodes;
    const url = wsUrlOf(serving.node);
    const profile = new IDBFactory();
    const first = await openTestPage(url, { idb: profile, nick: 'dana' });
    pages.push(first);
    await waitLinked(first);
    const dana = first.peer.identity.id;
    for (const m of [serving, far])
      await waitFor(
        () => m.node.peers().find((p) => p.id === dana),
        `${m.node.status().nick} to learn dana's key`,
      );

    await first.peer.close();
    await waitFor(() => serving.node.peers().find((p) => p.id === dana && !p.linked), 'dana’s link to close');
    // One from a node of the mesh (flooded past the serving node), one from the serving node itself.
    const fromFar = far.node.send({ kind: 'direct', peer: dana }, 'are you there? this is private');
    const fromServing = serving.node.send({ kind: 'direct', peer: dana }, 'and one from your own node');

    const again = await openTestPage(url, { idb: profile });
    pages.push(again);
    expect(again.peer.identity.id).toBe(dana);
    for (const [sent, text] of [
      [fromFar, 'are you there? this is private'],
      [fromServing, 'and one from your own node'],
    ] as const) {
      const got = await waitFor(
        () => again.received.find((m) => m.id === sent.id),
        `the page to get "${text}"`,
        {
          timeoutMs: 30_000,
        },
      );
      expect(got).toMatchObject({ text, direct: true });
    }
    await waitFor(
      () => far.events.some((e) => e.type === 'receipt' && e.id === fromFar.id),
      'the far node to get the page’s receipt',
      { timeoutMs: 30_000 },
    );
    await waitFor(
      () => serving.events.some((e) => e.type === 'receipt' && e.id === fromServing.id),
      'the serving node to get the page’s receipt',
      { timeoutMs: 30_000 },
    );
    // Taken once: a third opening gets nothing twice.
    const stored = (await again.peer.history({ peer: far.node.identity.idHex })).filter(
      (m) => m.id === fromFar.id,
    );
    expect(stored).toHaveLength(1);
  });
});

describe('a page writing to a node that is away', () => {
  it('sends it again when the node is back, and the node gets it once', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
    await mesh.waitConnected();
    const [serving, far] = mesh.nodes;
    const page = await openTestPage(wsUrlOf(serving.node), { nick: 'dana' });
    pages.push(page);
    await waitLinked(page);
    const farId = far.node.identity.idHex;
    await waitFor(async () => (await page.peer.peers()).find((p) => p.id === farId), 'the page to know n1');
    const { dataDir } = far;
    const port = far.node.status().port;
    // Written as n1 goes: its link may still look up at n0 for a moment (a laptop's lid closing looks
    // like that for seconds), and what n0 writes to it then is lost.
    const stopping = mesh.stopNode(1);
    const sent = await page.peer.send({ kind: 'direct', peer: farId }, 'for when you are back');
    expect(sent.status).toBe('sent');
    await stopping;
    const back = await mesh.add({ dataDir, port }, [serving.address], 1);
    const got = await waitFor(() => back.received.find((m) => m.id === sent.id), 'n1 to get it once back', {
      timeoutMs: 60_000,
    });
    expect(got).toMatchObject({ text: 'for when you are back', direct: true });
    await waitFor(
      () => page.events.some((e) => e.type === 'receipt' && e.id === sent.id),
      'the page to get n1’s receipt',
      { timeoutMs: 60_000 },
    );
    expect(back.received.filter((m) => m.id === sent.id)).toHaveLength(1);
  }, 180_000);
});
