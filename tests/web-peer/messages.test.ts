/**
 * The browser peer as a member of the mesh: room messages both ways with a terminal node, direct
 * messages between a page and a node and between two pages (delivered, marked delivered, and the
 * serving node carrying and storing only ciphertext), and a page reopened with its identity and history.
 */
import { readFileSync } from 'node:fs';
import { filesUnder } from '../helpers/files.js';
import { afterEach, describe, expect, it } from 'vitest';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import {
  openTestPage,
  PAGE_ROOT,
  recordingWebSocket,
  type TestPage,
  waitLinked,
  wsUrlOf,
} from '../helpers/web-peer.js';

let mesh: TestMesh | undefined;
const pages: TestPage[] = [];

afterEach(async () => {
  await Promise.allSettled(pages.splice(0).map((p) => p.peer.close()));
  await mesh?.destroy();
  mesh = undefined;
});

/** Nodes on 127.0.0.1; the first serves WebSockets itself (its real web server, src/daemon/web). */
async function start(n = 1, options: { rooms?: string[] } = {}): Promise<{ mesh: TestMesh; url: string }> {
  mesh = await TestMesh.start(n, {
    nodeOptions: (i) => ({ ...options, ...(i === 0 ? { web: { root: PAGE_ROOT } } : {}) }),
  });
  if (n > 1) await mesh.waitConnected();
  return { mesh, url: wsUrlOf(mesh.nodes[0].node) };
}

async function page(url: string, options: Parameters<typeof openTestPage>[1] = {}): Promise<TestPage> {
  const p = await openTestPage(url, options);
  pages.push(p);
  return p;
}

describe('web peer messages', () => {
  it('exchanges room messages with a terminal node both ways', async () => {
    const { mesh, url } = await start();
    const web = await page(url);
    await waitLinked(web);
    const node = mesh.nodes[0];
    expect(web.peer.needsNick).toBe(false);
    expect(web.peer.identity.fingerprint).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}$/);

    const fromNode = node.node.send({ kind: 'room', room: 'lobby' }, 'hello from the terminal');
    const got = await waitFor(() => web.received.find((m) => m.id === fromNode.id), 'the page to get it');
    expect(got).toMatchObject({ text: 'hello from the terminal', room: 'lobby', own: false, via: 'live' });

    const fromWeb = await web.peer.send({ kind: 'room', room: 'lobby' }, 'hello from the page');
    expect(fromWeb).toMatchObject({ own: true, via: 'local', from: web.peer.identity.id });
    const atNode = await waitFor(() => node.received.find((m) => m.id === fromWeb.id), 'the node to get it');
    expect(atNode).toMatchObject({ text: 'hello from the page', from: web.peer.identity.id, nick: 'webby' });

    // The node knows the page as a peer, with the page's own fingerprint.
    const known = await waitFor(
      () => node.node.peers().find((p) => p.id === web.peer.identity.id),
      'the node to know the page',
    );
    expect(known.fingerprint).toBe(web.peer.identity.fingerprint);
    const history = await web.peer.history({ room: 'lobby' });
    expect(history.map((m) => m.text)).toEqual(['hello from the terminal', 'hello from the page']);
  });

  it('delivers direct messages between a page and a node, with receipts both ways', async () => {
    const { mesh, url } = await start();
    const web = await page(url);
    await waitLinked(web);
    const node = mesh.nodes[0];
    const webId = web.peer.identity.id;
    await waitFor(() => node.node.peers().find((p) => p.id === webId), 'the node to learn the page key');

    const toWeb = node.node.send({ kind: 'direct', peer: webId }, 'psst, page');
    const got = await waitFor(() => web.received.find((m) => m.id === toWeb.id), 'the page to open it');
    expect(got).toMatchObject({ text: 'psst, page', direct: true, peer: node.node.identity.idHex });
    await waitFor(
      () => node.events.some((e) => e.type === 'receipt' && e.id === toWeb.id),
      'the node to get the page receipt',
    );

    const toNode = await web.peer.send({ kind: 'direct', peer: node.node.identity.idHex }, 'psst, node');
    expect(toNode.status).toBe('sent');
    const atNode = await waitFor(() => node.received.find((m) => m.id === toNode.id), 'the node to open it');
    expect(atNode).toMatchObject({ text: 'psst, node', direct: true, peer: webId });
    await waitFor(
      () => web.events.some((e) => e.type === 'receipt' && e.id === toNode.id),
      'the page to get the node receipt',
    );
    const mine = await web.peer.history({ peer: node.node.identity.idHex });
    expect(mine.find((m) => m.id === toNode.id)?.status).toBe('delivered');
  });

  it('delivers a direct message between two pages through a node that sees only ciphertext', async () => {
    const { mesh, url } = await start();
    // What the node received from the pages: every binary message they sent on their links.
    const toNode: Buffer[] = [];
    const WebSocket = recordingWebSocket(toNode);
    const alice = await page(url, { nick: 'alice', WebSocket });
    const bob = await page(url, { nick: 'bob', WebSocket });
    await waitLinked(alice);
    await waitLinked(bob);
    const bobId = bob.peer.identity.id;
    await waitFor(async () => (await alice.peer.peers()).find((p) => p.id === bobId), 'alice to know bob');
    const secret = 'the page secret ' + Math.random().toString(36).slice(2);

    const sent = await alice.peer.send({ kind: 'direct', peer: bobId }, secret);
    const got = await waitFor(() => bob.received.find((m) => m.id === sent.id), 'bob to open it');
    expect(got).toMatchObject({ text: secret, nick: 'alice', peer: alice.peer.identity.id });
    await waitFor(
      () => alice.events.some((e) => e.type === 'receipt' && e.id === sent.id),
      'alice to get the receipt',
    );
    expect((await alice.peer.history({ peer: bobId }))[0]).toMatchObject({
      id: sent.id,
      status: 'delivered',
    });

    // And back: a conversation, not a one-way note.
    const reply = 'the page reply ' + Math.random().toString(36).slice(2);
    const back = await bob.peer.send({ kind: 'direct', peer: alice.peer.identity.id }, reply);
    const gotBack = await waitFor(() => alice.received.find((m) => m.id === back.id), 'alice to open it');
    expect(gotBack).toMatchObject({ text: reply, nick: 'bob', peer: bobId });
    await waitFor(
      () => bob.events.some((e) => e.type === 'receipt' && e.id === back.id),
      'bob to get the receipt',
    );

    // The relaying node: nothing it received, nothing it stored, holds either plaintext.
    const node = mesh.nodes[0];
    expect(node.received.some((m) => m.id === sent.id || m.id === back.id)).toBe(false);
    expect(toNode.length).toBeGreaterThan(0);
    node.node.history({ room: 'lobby' }); // flush pending writes
    for (const needle of [Buffer.from(secret), Buffer.from(reply)]) {
      for (const bytes of toNode) expect(bytes.includes(needle)).toBe(false);
      for (const file of filesUnder(node.dataDir)) {
        const content = readFileSync(file);
        expect(content.includes(needle), `${file} of the node holds the plaintext`).toBe(false);
      }
    }
  });

  it('catches up on a room it joins later by sync', async () => {
    const { mesh, url } = await start(1, { rooms: ['lobby', 'dev'] });
    const node = mesh.nodes[0];
    const before = node.node.send({ kind: 'room', room: 'dev' }, 'said before you came');
    const web = await page(url);
    await waitLinked(web);
    expect(await web.peer.history({ room: 'dev' })).toEqual([]);
    await web.peer.joinRoom('dev');
    const got = await waitFor(() => web.received.find((m) => m.id === before.id), 'the page to catch up');
    expect(got).toMatchObject({ via: 'sync', room: 'dev' });
    expect((await web.peer.status()).rooms).toEqual(['lobby', 'dev']);
    await waitFor(
      () =>
        node.node
          .peers()
          .find((p) => p.id === web.peer.identity.id)
          ?.rooms.includes('dev'),
      'the node to see the page in the room',
    );
  });

  it('learns and sets room topics', async () => {
    const { mesh, url } = await start();
    const node = mesh.nodes[0];
    node.node.setTopic('lobby', 'set at the terminal');
    const web = await page(url);
    await waitLinked(web);
    // The node sends the topics it holds on each new link.
    await waitFor(
      async () => (await web.peer.topics()).find((t) => t.topic === 'set at the terminal'),
      'the page to learn the topic',
    );
    await web.peer.setTopic('lobby', 'set in the page');
    expect((await web.peer.topics()).map((t) => t.topic)).toEqual(['set in the page']);
    await waitFor(
      () =>
        node.node.topics.list().find((t) => t.topic === 'set in the page' && t.from === web.peer.identity.id),
      'the node to take the page topic',
    );
  });

  it('keeps its identity and history when reopened', async () => {
    const { mesh, url } = await start();
    const first = await page(url, { nick: undefined });
    expect(first.peer.needsNick).toBe(true);
    await first.peer.setNick('carol');
    expect(first.peer.needsNick).toBe(false);
    await waitLinked(first);
    const node = mesh.nodes[0];
    const sent = node.node.send({ kind: 'room', room: 'lobby' }, 'remember me');
    await waitFor(() => first.received.find((m) => m.id === sent.id), 'the page to get it');
    const own = await first.peer.send({ kind: 'room', room: 'lobby' }, 'and me');
    const identity = first.peer.identity;
    await first.peer.close();

    const again = await page(url, { idb: first.idb, nick: undefined });
    expect(again.peer.identity).toEqual(identity);
    expect(again.peer.needsNick).toBe(false);
    const history = await again.peer.history({ room: 'lobby' });
    expect(history.map((m) => m.id)).toEqual([sent.id, own.id]);
    expect(history[1]).toMatchObject({ own: true, text: 'and me' });
  });
});
