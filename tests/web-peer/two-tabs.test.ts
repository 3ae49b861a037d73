/**
 * One identity in two tabs (two pages sharing a browser profile's IndexedDB), or a page linking again
 * while its old link lingers: the node keeps the page's newest link and tells the old one it was
 * replaced; the replaced page says so once and stays unlinked instead of taking the link back (two
 * tabs used to take it from each other every few hundred milliseconds, neither able to send), until
 * it is asked to ("Use here"), which replaces the other in turn. Meanwhile its chat shows no peer
 * online or linked, and the page's own peer list (/list, /whois) none online.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { IDBFactory } from 'fake-indexeddb';
import type { ChatEvent, PeerInfo } from '../../src/daemon/index.js';
import { ChatController } from '../../src/tui/chat-controller.js';
import { ChatModel } from '../../src/tui/chat-model.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, PAGE_ROOT, type TestPage, waitLinked, wsUrlOf } from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
const pages: TestPage[] = [];
let controller: ChatController | undefined;

afterEach(async () => {
  controller?.stop();
  controller = undefined;
  for (const page of pages.splice(0)) await page.peer.close();
  await mesh?.destroy();
  mesh = undefined;
});

const states = (page: TestPage): string[] =>
  page.events
    .filter((e): e is Extract<ChatEvent, { type: 'connection' }> => e.type === 'connection')
    .map((e) => e.state);

async function open(url: string, idb: IDBFactory): Promise<TestPage> {
  const page = await openTestPage(url, { idb });
  pages.push(page);
  return page;
}

describe('one identity in two tabs', () => {
  it('the newest tab holds the link, the other waits to be asked back, and "Use here" swaps them', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
    await mesh.waitConnected();
    const node = mesh.nodes[0].node;
    const url = wsUrlOf(node);
    const profile = new IDBFactory();
    const first = await open(url, profile);
    await waitLinked(first);
    const second = await open(url, profile);
    expect(second.peer.identity.id).toBe(first.peer.identity.id);

    await waitLinked(second);
    await waitFor(() => states(first).includes('replaced'), 'the first tab to be told it was replaced');
    expect(first.peer.connected).toBe(false);
    expect(states(first)).toEqual(['replaced']);
    expect(states(second)).toEqual([]); // it was never refused

    // The second tab works: what it sends reaches the mesh, and the first has not taken the link back.
    const sent = await second.peer.send({ kind: 'room', room: 'lobby' }, 'from the newest tab');
    await waitFor(
      () => mesh!.nodes[1].received.find((m) => m.id === sent.id),
      'the other node to get the newest tab’s message',
    );
    expect(second.peer.connected).toBe(true);
    expect(first.peer.connected).toBe(false);
    expect(states(first)).toEqual(['replaced']);
    expect(node.peers().filter((p) => p.id === first.peer.identity.id && p.linked)).toHaveLength(1);

    // "Use here" in the first tab: it links again and the second is the one replaced.
    first.peer.useHere();
    await waitLinked(first);
    await waitFor(() => states(second).includes('replaced'), 'the second tab to be told it was replaced');
    expect(states(first)).toEqual(['replaced', 'restored']);
    expect(states(second)).toEqual(['replaced']);
    const back = await first.peer.send({ kind: 'room', room: 'lobby' }, 'from the first tab again');
    await waitFor(
      () => mesh!.nodes[1].received.find((m) => m.id === back.id),
      'the other node to get the first tab’s message',
    );
    expect(second.peer.connected).toBe(false);
  });

  it('a replaced tab shows nobody online or linked until "Use here", then the peers as they are', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
    await mesh.waitConnected();
    const node = mesh.nodes[0].node;
    const other = mesh.nodes[1].node;
    const url = wsUrlOf(node);
    const profile = new IDBFactory();
    const first = await open(url, profile);
    await waitLinked(first);
    // The page's chat as the browser runs it, re-reading the peers often (every 5 s in a browser).
    const api = first.peer;
    let peerReads = 0;
    const peers = api.peers.bind(api);
    api.peers = () => (peerReads++, peers());
    const model = new ChatModel({ maxFps: 0 });
    controller = new ChatController(api, model, {
      room: 'lobby',
      bell: () => {},
      quit: () => {},
      peerRefreshMs: 20,
    });
    await controller.start();
    const shown = (id: string): PeerInfo | undefined => model.peers.get(id);
    const nodeId = node.status().id;
    const otherId = other.status().id;
    await waitFor(() => shown(nodeId)?.linked, 'the page to show its node linked');
    // The other node floods its presence when its rooms change: the page then knows it is online.
    await other.joinRoom('elsewhere');
    await waitFor(() => shown(otherId)?.online, 'the page to show the other node online');

    const second = await open(url, profile);
    await waitLinked(second);
    await waitFor(() => model.replaced, 'the first tab to show it was replaced');
    // The page still remembers both peers heard within 75 s; rereading them must not show them again.
    const reads = peerReads;
    await waitFor(() => peerReads >= reads + 3, 'the chat to reread the peers a few times');
    const online = [...model.peers.values()].filter((p) => p.online || p.linked).map((p) => p.nick);
    expect(online, 'peers shown online or linked in the replaced tab').toEqual([]);
    expect(model.status?.links).toBe(0);
    // Nor does the page's own answer (/list, /whois): unlinked, it hears nobody.
    const listed = (await peers()).filter((p) => p.online || p.linked).map((p) => p.nick);
    expect(listed, 'peers the replaced tab lists as online or linked').toEqual([]);

    first.peer.useHere();
    await waitLinked(first);
    await waitFor(() => !model.replaced && model.detached === null, 'the first tab to attach again');
    await waitFor(() => shown(nodeId)?.linked, 'the page to show its node linked again');
    await waitFor(() => shown(otherId)?.online, 'the page to show the other node online again');
    expect((await peers()).filter((p) => p.online).map((p) => p.id)).toEqual(
      expect.arrayContaining([nodeId, otherId]),
    );
  });
});
