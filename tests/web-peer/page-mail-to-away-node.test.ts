/**
 * A page's direct message to a node that is away, or going away as it is written: the page's node
 * keeps it until the recipient's receipt goes by and sends it on the recipient's next link (the page's
 * own resend dies at its node, which has seen that id), and the node gets it once.
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
