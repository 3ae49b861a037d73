/**
 * Lazy push over real loopback TCP, in a full mesh of 7 (every node linked to every other, so plain
 * flooding would hand each node 5 or 6 copies of each message): once each origin's tree has formed,
 * every node receives each message once; a node cut off from an origin's tree gets its messages by
 * graft and the tree mends; and a node that floods (lazy push off) still mixes with the others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, type KonnectNode, type NodeOptions } from '../../src/daemon/index.js';
import { messageIdFromString } from '../../src/wire/index.js';
import { signedChats } from '../../bench/lib/chat.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

const N = 7;
let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

async function fullMesh(nodeOptions: (i: number) => Partial<NodeOptions> = () => ({})): Promise<TestMesh> {
  const m = await TestMesh.start(N, { nodeOptions });
  await m.waitConnected();
  await waitFor(
    () => m.nodes.every((e) => e.node.links.links().length === N - 1),
    `every node of ${N} to link to all ${N - 1} others`,
  );
  return m;
}

/** Sends one message from `origin` and waits until every other running node has delivered it. */
async function sendAndWait(m: TestMesh, origin: number, text: string): Promise<string> {
  const { id } = m.nodes[origin].node.send({ kind: 'room', room: 'lobby' }, text);
  for (const e of m.nodes) {
    if (e.index === origin || !e.node.running) continue;
    await waitFor(() => e.received.some((r) => r.id === id), `node ${e.index} to deliver "${text}"`);
  }
  return id;
}

function counters(m: TestMesh) {
  return m.nodes.map((e) => ({ ...e.node.router.stats, ...e.node.router.tree.stats }));
}

const originKey = (node: KonnectNode) => Buffer.from(node.identity.id).toString('latin1');

describe('lazy push', () => {
  it('gives every node one copy of each message once the trees have formed', async () => {
    mesh = await fullMesh();
    // The first message of each origin floods, and its redundant copies prune that origin's tree. A
    // copy that came first on a link its receiver had just pruned (the far end pushed before the prune
    // reached it) prunes nothing, so a tree may take a few rounds to settle: 26, 4, 2, then 0
    // duplicates in one run of eight rounds (two runs in eight; the others were at 0 from the start,
    // the presence joins having formed the trees). Rounds go on until one has no duplicate at all.
    const duplicates = () => counters(mesh!).reduce((sum, c) => sum + c.duplicates, 0);
    const perRound: number[] = [];
    for (let round = 0; perRound.at(-1) !== 0; round++) {
      if (round === 8)
        throw new Error(`the trees did not settle in 8 rounds: duplicates ${perRound.join(', ')}`);
      const start = duplicates();
      for (let i = 0; i < N; i++) await sendAndWait(mesh, i, `settle ${round} ${i}`);
      perRound.push(duplicates() - start);
    }
    const before = counters(mesh);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < N; i++) await sendAndWait(mesh, i, `round ${round} from ${i}`);
    }
    const after = counters(mesh);
    mesh.nodes.forEach((_, i) => {
      const delivered = after[i].delivered - before[i].delivered;
      expect(delivered, `node ${i} delivered`).toBeGreaterThanOrEqual(3 * (N - 1));
      expect(after[i].received - before[i].received, `flood frames node ${i} received`).toBe(delivered);
      expect(after[i].duplicates - before[i].duplicates, `duplicates at node ${i}`).toBe(0);
    });
    // The links that no longer carry the messages carried their ids.
    await waitFor(
      () => counters(mesh!).reduce((sum, c, i) => sum + c.announced - before[i].announced, 0) > 0,
      'announcements on the lazy links',
    );
  });

  it('grafts a message to a node cut off from its origin’s tree, and the tree mends', async () => {
    mesh = await fullMesh();
    for (let i = 0; i < N; i++) await sendAndWait(mesh, i, `settle ${i}`);
    const origin = mesh.nodes[0].node;
    const target = mesh.nodes[3];
    const targetId = target.node.identity.idHex;
    // Every neighbour of the target now sends it only the ids of node 0's messages, as though every
    // link of node 0's tree into it had been pruned.
    for (const e of mesh.nodes) {
      if (e === target) continue;
      const link = e.node.links.links().find((l) => l.remoteIdHex === targetId)!;
      e.node.router.tree.onPrune(link, originKey(origin));
    }
    const grafts = target.node.router.tree.stats.grafts;
    const id = await sendAndWait(mesh, 0, 'cut off');
    expect(target.node.router.tree.stats.grafts).toBe(grafts + 1);
    expect(target.received.find((r) => r.id === id)).toMatchObject({ via: 'live', text: 'cut off' });
    // The announcer that answered the graft pushes node 0's messages to the target again.
    await sendAndWait(mesh, 0, 'mended');
    expect(target.node.router.tree.stats.grafts).toBe(grafts + 1);
  });

  it('when the link a node got an origin from goes down, the others push that origin to it at once', async () => {
    const m = (mesh = await fullMesh());
    for (let i = 0; i < N; i++) await sendAndWait(m, i, `settle ${i}`);
    const origin = m.nodes[0].node;
    const [target, relay] = [m.nodes[3], m.nodes[5]];
    const toTarget = (e: (typeof m.nodes)[number]) =>
      e.node.links.links().find((l) => l.remoteIdHex === target.node.identity.idHex)!;
    // Node 0's tree reaches the target through the relay only (0 → relay → target): every other link
    // into the target carries ids.
    const toRelay = m.nodes[0].node.links.links().find((l) => l.remoteIdHex === relay.node.identity.idHex)!;
    origin.router.tree.onGraft(toRelay, [], [originKey(origin)]);
    for (const e of m.nodes) {
      if (e === target) continue;
      if (e === relay) e.node.router.tree.onGraft(toTarget(e), [], [originKey(origin)]);
      else e.node.router.tree.onPrune(toTarget(e), originKey(origin));
    }
    // Grafts still due from the settling round (copies that raced) must not be counted below.
    const quiet = () => m.nodes.every((e) => !e.node.running || e.node.router.tree.awaiting === 0);
    await waitFor(quiet, 'no announced message still awaited anywhere');
    const grafts = target.node.router.tree.stats.grafts;
    await sendAndWait(m, 0, 'through the relay');
    expect(target.node.router.tree.stats.grafts).toBe(grafts);
    // The relay crashes. Without repair, node 0's next message would reach the target only as an
    // announcement, and by a graft ~0.5 s later.
    await relay.node.stop({ graceful: false });
    await waitFor(() => target.node.links.links().length === N - 2, 'the target to see the relay gone');
    expect(target.node.router.tree.stats.repairs).toBe(1);
    await waitFor(
      () => origin.router.tree.isEager(toTarget(m.nodes[0]), originKey(origin)),
      'node 0 to push its messages to the target again',
    );
    await sendAndWait(m, 0, 'after the crash');
    await waitFor(quiet, 'no announced message still awaited anywhere');
    expect(target.node.router.tree.stats.grafts).toBe(grafts);
  });

  it('with lazy push off a node floods, and mixes with lazy-push nodes: each message once everywhere', async () => {
    mesh = await fullMesh((i) => ({ lazyPush: i !== 0 }));
    const sent: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < N; i++) sent.push(await sendAndWait(mesh, i, `mixed ${round} ${i}`));
    }
    const flooder = mesh.nodes[0].node.router;
    expect(flooder.tree.stats.prunes).toBe(0);
    expect(flooder.stats.duplicates).toBeGreaterThan(0);
    for (const e of mesh.nodes) {
      const ids = e.received.map((r) => r.id).filter((id) => sent.includes(id));
      expect(ids.length, `node ${e.index} delivered a message twice`).toBe(new Set(ids).size);
    }
  });

  it('answers a graft for a message it holds in history but did not flood lately', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    // Written straight into A's history (as if synced long ago): A never flooded it.
    const [old] = signedChats(generateIdentity(), 1, { startTs: Date.now() - 60_000 });
    a.node.store.insertMany([old]);
    const linkToB = a.node.links.links()[0];
    // Not announced to B: a graft for it is not an answer to anything, and gets nothing.
    a.node.router.handleTree({ kind: 'graft', ids: [messageIdFromString(old.id)] }, linkToB);
    expect(a.node.router.tree.stats.regrafted).toBe(0);
    // As when A flooded it long ago and told B of it in an ihave (the recent cache is long expired).
    a.node.router.tree.announce(linkToB, messageIdFromString(old.id));
    a.node.router.handleTree({ kind: 'graft', ids: [messageIdFromString(old.id)] }, linkToB);
    await waitFor(() => b.received.find((r) => r.id === old.id), 'B to receive the grafted message');
    expect(a.node.router.tree.stats.regrafted).toBe(1);
    // The same id again is not answered again: a neighbour cannot graft the same messages in a loop.
    a.node.router.handleTree({ kind: 'graft', ids: [messageIdFromString(old.id)] }, linkToB);
    expect(a.node.router.tree.stats.regrafted).toBe(1);
    // A direct conversation's message is never served to a neighbour, as in sync.
    const [dm] = signedChats(generateIdentity(), 1, { startTs: Date.now() - 30_000 });
    a.node.store.insertMany([{ ...dm, room: null, peer: 'ab'.repeat(32), scope: `dm:${'ab'.repeat(32)}` }]);
    a.node.router.tree.announce(linkToB, messageIdFromString(dm.id));
    a.node.router.handleTree({ kind: 'graft', ids: [messageIdFromString(dm.id)] }, linkToB);
    expect(a.node.router.tree.stats.regrafted).toBe(1);
  });
});
