/**
 * A page's direct message to a node that is away: the page keeps it unticked and sends it again when
 * that node comes back (its presence), through the page's own node, and the node gets it once.
 */
import { afterEach, describe, expect, it } from 'vitest';
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
    await mesh.stopNode(1);

    const sent = await page.peer.send({ kind: 'direct', peer: farId }, 'for when you are back');
    expect(sent.status).toBe('sent');
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
