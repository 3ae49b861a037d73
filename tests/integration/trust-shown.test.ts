/**
 * The conversation on screen through the control socket (PROTOCOL.md §20): a UI attached to a daemon
 * tells it which conversation it shows; when that UI goes away (quits or crashes), the daemon shows
 * nothing any more, so it sends no read marker for messages nobody saw.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ControlClient,
  ControlServer,
  dataFiles,
  NodeChatApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
let server: ControlServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await mesh?.destroy();
  mesh = undefined;
});

const LONG = { timeoutMs: 30_000 };

interface ReadBatcherView {
  readOut: { get(key: string): { ts: number; id: string } | undefined };
}

describe('shown conversation of an attached UI', () => {
  it('is forgotten when the UI goes away: read markers stop', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    server = new ControlServer(new NodeChatApi(b.node), dataFiles(b.node.dataDir).socket, silentLogger);
    await server.start();
    const ui = await ControlClient.connect(server.path, 30_000);
    await ui.setShownConversation({ kind: 'direct', peer: a.node.identity.idHex });

    // While shown: a's direct message is read at b.
    const av = new NodeChatApi(a.node);
    const reads: string[] = [];
    av.subscribe((e) => {
      if (e.type === 'read') reads.push(e.id);
    });
    const first = await av.send({ kind: 'direct', peer: b.node.identity.idHex }, 'seen on screen');
    await waitFor(
      () => reads.includes(first.id),
      'the read marker while the UI shows the conversation',
      LONG,
    );
    // What b's read batcher holds for a (white-box: a marker noted now would go out within a second).
    const noted = () =>
      (b.node.trust.markers as unknown as ReadBatcherView)['readOut'].get(a.node.identity.idHex);
    expect(noted()?.id).toBe(first.id);

    // The UI goes away without a word.
    await ui.close();
    await waitFor(() => server!['shownBy'] === null, 'the server to notice the UI is gone', LONG);
    const second = await av.send({ kind: 'direct', peer: b.node.identity.idHex }, 'nobody looking');
    await waitFor(() => b.received.some((m) => m.id === second.id), 'the second message at b', LONG);
    // b heard it with nothing on screen: no read marker is even noted for it.
    expect(noted()?.id).toBe(first.id);
    expect(reads).not.toContain(second.id);
  });
});
