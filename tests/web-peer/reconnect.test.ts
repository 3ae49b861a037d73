/**
 * The page's link going away and coming back: a stopped node is reported 'lost', the page reconnects
 * with its backoff and reports 'restored', and history sync brings what was written meanwhile both
 * ways (the mesh's messages to the page, the page's message written offline to the mesh). Frames the
 * node side gets wrong are dropped with a coded error while the page carries on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nobleCrypto } from '../../src/crypto-noble/index.js';
import {
  encodeFloodFrame,
  encodePayload,
  fromHex,
  newMessageId,
  type ChatPayload,
} from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';
import { openTestPage, type TestPage, waitLinked } from '../helpers/web-peer.js';
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

const connection = (page: TestPage, state: 'lost' | 'restored') =>
  page.events.filter((e) => e.type === 'connection' && e.state === state).length;

describe('web peer connection', () => {
  it('reports a lost node, reconnects when it is back and catches up by sync both ways', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    bridge = await WsBridge.start(mesh.nodes[0].node.status().port);
    web = await openTestPage(bridge.url);
    await waitLinked(web);
    const other = mesh.nodes[1];
    await waitFor(
      () => other.node.peers().find((p) => p.id === web!.peer.identity.id),
      'n1 to know the page',
    );

    const dataDir = mesh.nodes[0].dataDir;
    await mesh.stopNode(0);
    await waitFor(() => connection(web!, 'lost') === 1, "the page to report 'lost'", { timeoutMs: 30_000 });
    expect(web.peer.connected).toBe(false);

    // Written while the page has no link: by a node of the mesh, and by the page itself.
    const meanwhile = other.node.send({ kind: 'room', room: 'lobby' }, 'sent while you were away');
    const offline = await web.peer.send({ kind: 'room', room: 'lobby' }, 'written offline');
    expect((await web.peer.history({ room: 'lobby' })).map((m) => m.id)).toContain(offline.id);

    const back = await mesh.add({ dataDir }, [other.address], 0);
    // The node catches up from n1 before the page can reach it, so the page must fetch it by sync.
    await waitFor(() => back.received.find((m) => m.id === meanwhile.id), 'the restarted node to catch up', {
      timeoutMs: 60_000,
    });
    bridge.target = back.node.status().port;
    await waitFor(() => connection(web!, 'restored') === 1, "the page to report 'restored'", {
      timeoutMs: 60_000,
    });
    const got = await waitFor(
      () => web!.received.find((m) => m.id === meanwhile.id),
      'the page to get what was sent meanwhile',
      { timeoutMs: 60_000 },
    );
    expect(got).toMatchObject({ via: 'sync', text: 'sent while you were away' });
    await waitFor(
      () => other.received.find((m) => m.id === offline.id),
      "the mesh to get the page's offline message",
      { timeoutMs: 60_000 },
    );
    expect(connection(web, 'lost')).toBe(1);
  });

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
