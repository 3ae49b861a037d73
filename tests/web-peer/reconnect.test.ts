/**
 * The page's link going away and coming back: a stopped node is reported 'lost', the page reconnects
 * with its backoff and reports 'restored', and history sync brings what was written meanwhile both
 * ways (the mesh's messages to the page, the page's message written offline to the mesh). The nodes
 * serve the pages' WebSockets themselves (src/daemon/web); a bridge (tests/helpers/ws-bridge.ts)
 * stands in front of a node only where a test must put frames of its own on a page's link: a peer
 * exchange naming another node, a forgery, garbage. Frames the node side gets wrong are dropped with
 * a coded error while the page carries on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import {
  encodeFloodFrame,
  encodePayload,
  fromHex,
  newMessageId,
  packValue,
  type ChatPayload,
} from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, PAGE_ROOT, type TestPage, waitLinked, wsUrlOf } from '../helpers/web-peer.js';
import { WsBridge } from '../helpers/ws-bridge.js';

let mesh: TestMesh | undefined;
let bridge: WsBridge | undefined;
let web: TestPage | undefined;

afterEach(async () => {
  await web?.peer.close();
  web = undefined;
  await bridge?.close();
  bridge = undefined;
  await mesh?.destroy();
  mesh = undefined;
});

const web0 = (i: number) => (i === 0 ? { web: { root: PAGE_ROOT } } : {});

const connection = (page: TestPage, state: 'lost' | 'restored') =>
  page.events.filter((e) => e.type === 'connection' && e.state === state).length;

describe('web peer connection', () => {
  it('reports a lost node, reconnects when it is back and catches up by sync both ways', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: web0 });
    await mesh.waitConnected();
    const serving = mesh.nodes[0];
    web = await openTestPage(wsUrlOf(serving.node));
    await waitLinked(web);
    const other = mesh.nodes[1];
    await waitFor(
      () => other.node.peers().find((p) => p.id === web!.peer.identity.id),
      'n1 to know the page',
    );

    const { dataDir } = serving;
    const port = serving.node.status().port;
    await mesh.stopNode(0);
    await waitFor(() => connection(web!, 'lost') === 1, "the page to report 'lost'", { timeoutMs: 30_000 });
    expect(web.peer.connected).toBe(false);
    // Said for a person (was "CLOSED: connection closed (1006)").
    const lost = web.events.find((e) => e.type === 'connection' && e.state === 'lost');
    expect(lost).toMatchObject({
      reason: `the link to ${serving.node.status().nick} at 127.0.0.1:${port} closed`,
    });

    // Written while the page has no link: by a node of the mesh, and by the page itself.
    const meanwhile = other.node.send({ kind: 'room', room: 'lobby' }, 'sent while you were away');
    const offline = await web.peer.send({ kind: 'room', room: 'lobby' }, 'written offline');
    expect((await web.peer.history({ room: 'lobby' })).map((m) => m.id)).toContain(offline.id);

    // Back on the same port: the page may link before or after the node catches up from n1.
    await mesh.add({ dataDir, port, ...web0(0) }, [other.address], 0);
    await waitFor(() => connection(web!, 'restored') === 1, "the page to report 'restored'", {
      timeoutMs: 60_000,
    });
    const got = await waitFor(
      () => web!.received.find((m) => m.id === meanwhile.id),
      'the page to get what was sent meanwhile',
      { timeoutMs: 60_000 },
    );
    expect(got).toMatchObject({ text: 'sent while you were away' });
    await waitFor(
      () => other.received.find((m) => m.id === offline.id),
      "the mesh to get the page's offline message",
      { timeoutMs: 60_000 },
    );
    expect(connection(web, 'lost')).toBe(1);
  });

  it('gets what its node caught up on just before the page linked again', async () => {
    // The node writes what it learns by sync in batches; a page that linked while a batch waited was
    // told by the node's digest that it lacked nothing, and missed those messages for good (the
    // node now writes what waits before it answers a sync). Several rounds, as it is a race.
    mesh = await TestMesh.start(2, { nodeOptions: web0 });
    await mesh.waitConnected();
    const port = mesh.nodes[0].node.status().port;
    web = await openTestPage(wsUrlOf(mesh.nodes[0].node));
    await waitLinked(web);
    for (let round = 1; round <= 10; round++) {
      await mesh.stopNode(0);
      await waitFor(() => !web!.peer.connected, `round ${round}: the page to lose its node`, {
        timeoutMs: 30_000,
      });
      const sent = mesh.nodes[1].node.send({ kind: 'room', room: 'lobby' }, `while away ${round}`);
      await mesh.add({ dataDir: mesh.nodes[0].dataDir, port, ...web0(0) }, [mesh.nodes[1].address], 0);
      await waitFor(
        () => web!.received.find((m) => m.id === sent.id),
        `round ${round}: the page to get what its node caught up on`,
        { timeoutMs: 30_000 },
      );
    }
  }, 900_000);

  it('moves to another node it has heard of when its own stays away', async () => {
    // Both nodes serve WebSockets; the page reaches the first through a bridge, which stands in for
    // a peer exchange naming the second (a node tells a leaf no peers of its own accord).
    mesh = await TestMesh.start(2, { nodeOptions: () => ({ web: { root: PAGE_ROOT } }) });
    await mesh.waitConnected();
    bridge = await WsBridge.start(mesh.nodes[0].node.status().port);
    const second = wsUrlOf(mesh.nodes[1].node);
    web = await openTestPage(bridge.url);
    await waitLinked(web);
    bridge.inject(
      packValue({
        kind: 'peers',
        peers: [{ id: fromHex(mesh.nodes[1].node.identity.idHex), addrs: [new URL(second).host] }],
      }),
    );
    await waitFor(() => web!.peer.nodeUrls.includes(second), 'the page to learn the other node');
    await bridge.close();
    bridge = undefined;
    await waitFor(() => connection(web!, 'restored') === 1, 'the page to link to the other node', {
      timeoutMs: 60_000,
    });
    expect(web.peer.url).toBe(second);
    const other = mesh.nodes[1];
    const sent = other.node.send({ kind: 'room', room: 'lobby' }, 'from the other node');
    await waitFor(() => web!.received.find((m) => m.id === sent.id), 'the page to hear the other node');
  });

  // The two tests below put frames no honest node sends on the page's link: through a bridge.
  it('drops a forged message with a clear error and keeps its link', async () => {
    mesh = await TestMesh.start(1);
    bridge = await WsBridge.start(mesh.nodes[0].node.status().port);
    web = await openTestPage(bridge.url);
    await waitLinked(web);
    const node = mesh.nodes[0];

    // Claims to come from the node, signed by another key.
    const id = newMessageId();
    const payload = encodePayload({
      kind: 'chat',
      id,
      from: fromHex(node.node.identity.idHex),
      ts: Date.now(),
      room: 'lobby',
      nick: 'n0',
      text: 'forged words',
    } satisfies ChatPayload);
    const sig = nobleCrypto.sign(payload, nobleCrypto.ed25519Keygen().secretKey);
    bridge.inject(encodeFloodFrame(id, 16, payload, sig).subarray(4));
    await waitFor(() => web!.errors.length > 0, 'the page to refuse the forgery');
    expect(web.errors[0]).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(web.received.some((m) => m.text === 'forged words')).toBe(false);

    const real = node.node.send({ kind: 'room', room: 'lobby' }, 'real words');
    await waitFor(() => web!.received.find((m) => m.id === real.id), 'the page to go on receiving');
    expect(connection(web, 'lost')).toBe(0);
    expect(await web.peer.history({ room: 'lobby', search: 'forged' })).toEqual([]);
  });

  it('drops a garbled frame with a clear error, relinks and carries on', async () => {
    mesh = await TestMesh.start(1);
    bridge = await WsBridge.start(mesh.nodes[0].node.status().port);
    web = await openTestPage(bridge.url);
    await waitLinked(web);
    const node = mesh.nodes[0];

    bridge.inject(Uint8Array.of(0xc1, 0x00, 0x17));
    await waitFor(() => web!.errors.length > 0, 'the page to refuse the frame');
    expect(web.errors[0]).toMatchObject({ code: 'FRAME_MALFORMED' });
    // The frame broke the framing rules (§7.4): that link is closed, and the page links again.
    await waitFor(() => connection(web!, 'restored') === 1, 'the page to relink', { timeoutMs: 30_000 });
    const real = node.node.send({ kind: 'room', room: 'lobby' }, 'after the noise');
    await waitFor(() => web!.received.find((m) => m.id === real.id), 'the page to go on receiving');
  });
});
