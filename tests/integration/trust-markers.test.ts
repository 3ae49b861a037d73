/**
 * Trust, read and seen markers (PROTOCOL.md §20) across real nodes: a second key taking a known nick is
 * marked NEW KEY on the first event that shows it, /trust re-pins; a read marker flips 'delivered' to
 * 'read' (never with read receipts off); "seen by N/M" counts the members online at sending; forged,
 * dangling and malformed markers are dropped without disturbing anything else.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatEvent, generateIdentity, type NodeOptions, NodeChatApi } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { messageIdFromString, newMessageId, packValue } from '../../src/wire/index.js';
import { TestMesh, type MeshNode } from '../helpers/mesh.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

/** The node's ChatApi, with every (decorated) event it shows kept in order. */
function ui(m: MeshNode): { api: NodeChatApi; events: ChatEvent[] } {
  const api = new NodeChatApi(m.node);
  const events: ChatEvent[] = [];
  api.subscribe((e) => events.push(e));
  return { api, events };
}

/** Bounds for cross-node waits: they end as soon as the condition holds; wide for a loaded machine. */
const LONG = { timeoutMs: 30_000 };

const nicks =
  (names: string[]) =>
  (i: number): Partial<NodeOptions> => ({ nick: names[i] });

describe('pinned keys', () => {
  it('a second key taking a known nick is NEW KEY before its first message is shown; /trust re-pins', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: nicks(['alice', 'bob']) });
    await mesh.waitConnected();
    const [a, bob] = mesh.nodes;
    const view = ui(a);
    // alice pins bob's key on first sight.
    await waitFor(
      async () =>
        (await view.api.peers()).find((p) => p.id === bob.node.identity.idHex && p.trust === 'known'),
      'alice to pin bob',
      LONG,
    );
    const pins = join(a.dataDir, 'pins.json');
    await waitFor(
      () => {
        try {
          return statSync(pins).isFile();
        } catch {
          return false;
        }
      },
      'pins.json to be written',
      { timeoutMs: 30_000 },
    );
    expect(statSync(pins).mode & 0o777).toBe(0o600);
    await mesh.stopNode(1);

    // Another node, another key, the same nick.
    const impostor = await mesh.add({ nick: 'bob' }, [a.address], 2);
    const id = impostor.node.identity.idHex;
    await waitFor(() => a.node.peerTable.get(id)?.xkey, 'alice to hear of the second bob', {
      timeoutMs: 30_000,
    });
    // The link is up at both ends before it writes: a message flooded while the impostor's end was still
    // handshaking would reach alice only by history sync, which stores it without a message event.
    await waitFor(
      () => impostor.node.links.linkTo(a.node.identity.idHex) && a.node.links.linkTo(id),
      'the link between alice and the second bob, up at both ends',
      LONG,
    );
    const sent = impostor.node.send({ kind: 'room', room: 'lobby' }, 'hi, it is bob');
    await waitFor(
      () => view.events.some((e) => e.type === 'message' && e.message.id === sent.id),
      'the second bob’s message at alice’s UI',
      { timeoutMs: 30_000 },
    );
    // Every event that showed the new key to alice's UI carried the mark, the message too.
    const shown = view.events.filter(
      (e) => (e.type === 'peer' && e.peer.id === id) || (e.type === 'message' && e.message.from === id),
    );
    expect(shown.length).toBeGreaterThan(0);
    for (const e of shown) {
      if (e.type === 'peer')
        expect(e.peer).toMatchObject({ trust: 'new-key', pinnedKey: bob.node.identity.idHex });
      if (e.type === 'message') expect(e.message.trust).toBe('new-key');
    }
    const [stored] = (await view.api.history({ room: 'lobby' })).filter((m) => m.id === sent.id);
    expect(stored.trust).toBe('new-key');

    // alice accepts the new key: it is bob now, and the old key is the stranger.
    const trusted = await view.api.trustPeer(impostor.node.identity.fingerprint);
    expect(trusted).toMatchObject({ id, trust: 'known', pinnedKey: id, verifiedAt: null });
    const again = impostor.node.send({ kind: 'room', room: 'lobby' }, 'still bob');
    await waitFor(
      () =>
        view.events.find(
          (e) => e.type === 'message' && e.message.id === again.id && e.message.trust === 'known',
        ),
      'the next message to be known',
      { timeoutMs: 30_000 },
    );
    const old = (await view.api.peers()).find((p) => p.id === bob.node.identity.idHex)!;
    expect(old.trust).toBe('new-key');

    // Verifying: both sides compute the same code; the peer is then verified everywhere.
    const code = await view.api.safetyCode(impostor.node.identity.fingerprint);
    const theirs = await new NodeChatApi(impostor.node).safetyCode(a.node.identity.fingerprint);
    expect(code.code).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(theirs.code).toBe(code.code);
    const verified = await view.api.verifyPeer(impostor.node.identity.fingerprint);
    expect(verified.trust).toBe('verified');
    expect(verified.verifiedAt).toEqual(expect.any(Number));
  });
});

describe('read markers', () => {
  it('flip an own direct message from delivered to read when the peer has it on screen', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const av = ui(a);
    const bv = ui(b);
    const sent = await av.api.send({ kind: 'direct', peer: b.node.identity.idHex }, 'read me');
    await waitFor(() => av.events.some((e) => e.type === 'receipt' && e.id === sent.id), 'the receipt', LONG);
    expect((await av.api.history({ peer: b.node.identity.idHex }))[0].status).toBe('delivered');
    await bv.api.setShownConversation({ kind: 'direct', peer: a.node.identity.idHex });
    await waitFor(
      () => av.events.some((e) => e.type === 'read' && e.id === sent.id),
      'the read marker at the sender',
      { timeoutMs: 30_000 },
    );
    expect((await av.api.history({ peer: b.node.identity.idHex }))[0]).toMatchObject({
      id: sent.id,
      status: 'read',
    });
    // Later messages while it stays on screen are read too.
    const next = await av.api.send({ kind: 'direct', peer: b.node.identity.idHex }, 'and me');
    await waitFor(
      () => av.events.some((e) => e.type === 'read' && e.id === next.id),
      'the second read marker',
      { timeoutMs: 30_000 },
    );
  });

  it('leave an own direct message that never arrived "sent", though a later one was read', async () => {
    // a — c — b in a line (one link each for a and b): a direct message from a to b goes by c, which
    // keeps nothing for b; sent while b is away, it reaches b never.
    mesh = await TestMesh.start(3, {
      peersOf: (i) => (i === 0 ? [] : [0]),
      nodeOptions: (i) => (i === 0 ? {} : { maxLinks: 1 }),
    });
    await mesh.waitConnected();
    const [c, a, b] = mesh.nodes;
    const av = ui(a);
    const bId = b.node.identity.idHex;
    const { dataDir } = b;
    const port = b.node.status().port;
    await mesh.stopNode(2);
    const lost = await av.api.send({ kind: 'direct', peer: bId }, 'while you were away');
    const back = await mesh.add({ dataDir, port, maxLinks: 1 }, [c.address], 2);
    // b is reachable again once a room message of a's reaches it live.
    await waitFor(
      () =>
        back.received.some((m) => m.via === 'live' && m.text === 'the path is back') ||
        (a.node.send({ kind: 'room', room: 'lobby' }, 'the path is back'), false),
      'a room message of a to reach b live',
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const got = await av.api.send({ kind: 'direct', peer: bId }, 'now that you are back');
    await waitFor(() => av.events.some((e) => e.type === 'receipt' && e.id === got.id), 'the receipt', LONG);
    await ui(back).api.setShownConversation({ kind: 'direct', peer: a.node.identity.idHex });
    await waitFor(() => av.events.some((e) => e.type === 'read' && e.id === got.id), 'the read marker', LONG);
    const shown = await av.api.history({ peer: bId });
    expect(back.received.some((m) => m.id === lost.id)).toBe(false);
    // Was: both "read".
    expect(shown.map((m) => [m.text, m.status])).toEqual([
      ['while you were away', 'sent'],
      ['now that you are back', 'read'],
    ]);
  });

  it('are never sent with read receipts off', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: (i) => ({ readReceipts: i !== 1 }) });
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const av = ui(a);
    const bv = ui(b);
    await bv.api.setShownConversation({ kind: 'direct', peer: a.node.identity.idHex });
    const sent = await av.api.send({ kind: 'direct', peer: b.node.identity.idHex }, 'private reading');
    await waitFor(() => av.events.some((e) => e.type === 'receipt' && e.id === sent.id), 'the receipt', LONG);
    // A reply from b travels after any read marker b could have sent for it.
    const reply = await bv.api.send({ kind: 'direct', peer: a.node.identity.idHex }, 'reply');
    await waitFor(
      () => av.events.some((e) => e.type === 'message' && e.message.id === reply.id),
      'the reply',
      LONG,
    );
    expect(b.node.trust.markers.stats.readSent).toBe(0);
    expect(av.events.some((e) => e.type === 'read')).toBe(false);
    expect((await av.api.history({ peer: b.node.identity.idHex }))[0].status).toBe('delivered');
  });
});

describe('seen markers', () => {
  it('an own room message shows seen by N/M, M the members online when it was sent', async () => {
    mesh = await TestMesh.start(3, { peersOf: (i) => (i === 0 ? [] : [0]) });
    await mesh.waitConnected();
    const [a] = mesh.nodes;
    const av = ui(a);
    await waitFor(
      () => a.node.peers().filter((p) => p.online && p.rooms.includes('lobby')).length === 2,
      'both members online at node 0',
      LONG,
    );
    const sent = await av.api.send({ kind: 'room', room: 'lobby' }, 'who has this?');
    expect(sent.seen?.of).toBe(2); // its count may already have moved: loopback is quick
    await waitFor(
      () => av.events.some((e) => e.type === 'seen' && e.id === sent.id && e.count === 2 && e.of === 2),
      'seen by 2/2',
      { timeoutMs: 30_000 },
    );
    const [stored] = (await av.api.history({ room: 'lobby' })).filter((m) => m.id === sent.id);
    expect(stored.seen).toEqual({ count: 2, of: 2 });
  });
});

describe('hostile markers', () => {
  it('forged, dangling and malformed markers are dropped; nothing else is disturbed', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const av = ui(a);
    const dm = await av.api.send({ kind: 'direct', peer: b.node.identity.idHex }, 'for b');
    await waitFor(() => av.events.some((e) => e.type === 'receipt' && e.id === dm.id), 'the receipt', LONG);
    const key = generateIdentity();
    const mallory = await rogueLink(a.address, { identity: key });
    const badBefore = a.node.router.stats.rejected;

    // 1. Forged: claims to be b's read marker, signed by another key.
    const forgedId = newMessageId();
    const forged = packValue({
      kind: 'read',
      id: forgedId,
      from: b.node.identity.id,
      ts: Date.now(),
      to: a.node.identity.id,
      of: messageIdFromString(dm.id),
    });
    mallory.send({
      kind: 'flood',
      id: forgedId,
      hops: 2,
      payload: forged,
      sig: nodeCrypto.sign(forged, key.signingKey),
    });

    // 2. Malformed: `of` is not a message id (3 bytes), well signed by its own key.
    const badId = newMessageId();
    const malformed = packValue({
      kind: 'read',
      id: badId,
      from: key.id,
      ts: Date.now(),
      to: a.node.identity.id,
      of: new Uint8Array(3),
    });
    mallory.send({
      kind: 'flood',
      id: badId,
      hops: 2,
      payload: malformed,
      sig: nodeCrypto.sign(malformed, key.signingKey),
    });
    await waitFor(() => a.node.router.stats.rejected >= badBefore + 2, 'both to be rejected', LONG);
    // Counted against the link they came on.
    expect(a.node.links.linkTo(key.idHex)?.badMessages).toBe(2);

    // 3. Dangling: a genuine marker of b's for a message that does not exist at a.
    const dangling = newMessageId();
    b.node.router.originate({
      kind: 'read',
      id: newMessageId(),
      from: b.node.identity.id,
      ts: Date.now(),
      to: a.node.identity.id,
      of: dangling,
    } as never);
    await waitFor(
      () => a.node.trust.markers.stats.readDropped === 1,
      'the dangling marker to be dropped',
      LONG,
    );

    // Nothing moved: the direct message is still only delivered, no read event, the mesh still works.
    expect(av.events.some((e) => e.type === 'read')).toBe(false);
    expect((await av.api.history({ peer: b.node.identity.idHex }))[0].status).toBe('delivered');
    expect(mallory.state).toBe('up');
    const after = b.node.send({ kind: 'room', room: 'lobby' }, 'still here');
    await waitFor(() => a.received.some((m) => m.id === after.id), 'a room message after the junk', LONG);
  });

  it('a seen marker from a node not in the room is dropped, not counted against the link; a forged one is', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const av = ui(a);
    await waitFor(
      () =>
        a.node.peers().some((p) => p.id === b.node.identity.idHex && p.online && p.rooms.includes('lobby')),
      'b online in the lobby at a',
      { timeoutMs: 30_000 },
    );
    const key = generateIdentity();
    const mallory = await rogueLink(a.address, { identity: key, rooms: [] }); // in no room
    const sent = await av.api.send({ kind: 'room', room: 'lobby' }, 'members only');
    expect(sent.seen?.of).toBe(1);
    const rejectedBefore = a.node.router.stats.rejected;

    // 1. Well formed and signed by its author, who is not in the room.
    const strangerId = newMessageId();
    const stranger = packValue({
      kind: 'seen',
      id: strangerId,
      from: key.id,
      ts: Date.now(),
      room: 'lobby',
      at: Date.now(),
      upto: messageIdFromString(sent.id),
    });
    mallory.send({
      kind: 'flood',
      id: strangerId,
      hops: 2,
      payload: stranger,
      sig: nodeCrypto.sign(stranger, key.signingKey),
    });
    await waitFor(
      () => a.node.trust.markers.stats.seenDropped === 1,
      'the stranger’s seen marker to be dropped',
      {
        timeoutMs: 30_000,
      },
    );
    // Not the relaying link's fault: nothing counted against it.
    expect(a.node.links.linkTo(key.idHex)?.badMessages).toBe(0);

    // 2. Forged: claims to be b's seen marker, signed by another key.
    const forgedId = newMessageId();
    const forged = packValue({
      kind: 'seen',
      id: forgedId,
      from: b.node.identity.id,
      ts: Date.now(),
      room: 'lobby',
      at: Date.now(),
      upto: messageIdFromString(sent.id),
    });
    mallory.send({
      kind: 'flood',
      id: forgedId,
      hops: 2,
      payload: forged,
      sig: nodeCrypto.sign(forged, key.signingKey),
    });
    await waitFor(
      () => a.node.router.stats.rejected >= rejectedBefore + 1,
      'the forged marker to be rejected',
      {
        timeoutMs: 30_000,
      },
    );
    expect(a.node.links.linkTo(key.idHex)?.badMessages).toBe(1);

    // Nothing else moved: b's genuine marker still makes it seen by 1/1, never more; the mesh still works.
    await waitFor(
      () => av.events.some((e) => e.type === 'seen' && e.id === sent.id && e.count === 1),
      'b’s own seen marker',
      { timeoutMs: 30_000 },
    );
    for (const e of av.events) if (e.type === 'seen') expect(e).toMatchObject({ count: 1, of: 1 });
    expect(mallory.state).toBe('up');
    const after = b.node.send({ kind: 'room', room: 'lobby' }, 'still here');
    await waitFor(() => a.received.some((m) => m.id === after.id), 'a room message after the junk', LONG);
  });
});
