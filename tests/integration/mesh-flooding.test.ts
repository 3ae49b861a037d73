/**
 * Flooding over real loopback TCP: every message of a room is delivered exactly once at every member,
 * in a pair, a line of 10 (each node given only its neighbour) and a random connected graph of 30.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ChatEvent, dataFiles, HistoryStore } from '../../src/daemon/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function everyMessageOnceEverywhere(m: TestMesh, perNode: number): Promise<void> {
  const sent: string[] = [];
  for (let round = 0; round < perNode; round++) {
    for (const entry of m.nodes) {
      sent.push(entry.node.send({ kind: 'room', room: 'lobby' }, `hello ${round} from ${entry.index}`).id);
    }
  }
  for (const entry of m.nodes) {
    await waitFor(
      () => sent.every((id) => entry.received.some((r) => r.id === id)),
      `node ${entry.index} to receive all ${sent.length} messages (has ${entry.received.filter((r) => sent.includes(r.id)).length})`,
      { timeoutMs: 30_000 },
    );
  }
  for (const entry of m.nodes) {
    const ids = entry.received.map((r) => r.id).filter((id) => sent.includes(id));
    expect(ids.length, `node ${entry.index} delivered a message twice`).toBe(new Set(ids).size);
    const stored = entry.node.history({ room: 'lobby', limit: 10_000 }).map((h) => h.id);
    expect(new Set(stored)).toEqual(new Set(sent));
  }
}

describe('flooding', () => {
  it('two nodes exchange room messages exactly once', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    await everyMessageOnceEverywhere(mesh, 5);
    const [a, b] = mesh.nodes;
    const got = b.received.find((r) => r.text === 'hello 0 from 0')!;
    expect(got).toMatchObject({
      room: 'lobby',
      nick: 'n0',
      from: a.node.identity.idHex,
      own: false,
      via: 'live',
    });
  });

  it('ten nodes in a line, each given only its neighbour, all deliver everything once', async () => {
    mesh = await TestMesh.start(10);
    await mesh.waitConnected();
    await everyMessageOnceEverywhere(mesh, 3);
    // Peer exchange taught the ends of the line about each other.
    const first = mesh.nodes[0].node;
    expect(first.peerTable.get(mesh.nodes[9].node.identity.idHex)).toBeDefined();
  });

  it('thirty nodes in a random connected graph deliver every message exactly once', async () => {
    const rand = seeded(30);
    mesh = await TestMesh.start(30, {
      // A random tree (each node links to a random earlier one) plus a random extra edge for some.
      peersOf: (i) => {
        if (i === 0) return [];
        const peers = [Math.floor(rand() * i)];
        if (i > 2 && rand() < 0.3) peers.push(Math.floor(rand() * i));
        return [...new Set(peers)];
      },
      nodeOptions: () => ({ degree: 4 }),
    });
    await mesh.waitConnected(40_000);
    await everyMessageOnceEverywhere(mesh, 2);
    // The overlay keeps degrees bounded.
    for (const entry of mesh.nodes) expect(entry.node.links.links().length).toBeLessThanOrEqual(32);
  });

  it('a node that leaves does not stop the rest, and the overlay links around it', async () => {
    mesh = await TestMesh.start(6, { peersOf: (i) => (i > 0 ? [i - 1] : []) });
    await mesh.waitConnected();
    const sentBefore = mesh.nodes[0].node.send({ kind: 'room', room: 'lobby' }, 'before');
    await waitFor(
      () => mesh!.nodes[5].received.some((r) => r.id === sentBefore.id),
      'first message at the far end',
    );
    // Take out a node in the middle of the original line.
    await mesh.nodes[2].node.stop();
    const live = mesh.nodes.filter((m) => m.index !== 2);
    await waitFor(
      () =>
        live.every(
          (m) => !m.node.links.links().some((l) => l.remoteIdHex === mesh!.nodes[2].node.identity.idHex),
        ),
      'every link to the stopped node to close',
    );
    const sent: string[] = [];
    for (let k = 0; k < 20; k++)
      sent.push(mesh.nodes[0].node.send({ kind: 'room', room: 'lobby' }, `after ${k}`).id);
    for (const m of live) {
      await waitFor(
        () => sent.every((id) => m.received.some((r) => r.id === id)),
        `node ${m.index} to get all messages sent after the stop`,
      );
    }
  });

  it('a node in no common room relays but neither stores nor shows the room', async () => {
    mesh = await TestMesh.start(3, { nodeOptions: (i) => (i === 1 ? { rooms: ['other'] } : {}) });
    await mesh.waitConnected();
    const [a, relay, c] = mesh.nodes;
    const msg = a.node.send({ kind: 'room', room: 'lobby' }, 'through the relay');
    await waitFor(() => c.received.some((r) => r.id === msg.id), 'the message to cross the relay');
    expect(relay.received.some((r) => r.id === msg.id)).toBe(false);
    expect(relay.node.history({ room: 'lobby' })).toEqual([]);
  });

  it('floods a send at once and writes it at the next quiet turn; a query right after sees it', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    // The daemon's store commits in its write worker (write-thread.ts), not on the event loop.
    const inWorker = vi.spyOn(a.node.store, 'commitInWorker');
    const onLoop = vi.spyOn(a.node.store, 'insertMany');
    const first = a.node.send({ kind: 'room', room: 'lobby' }, 'first');
    expect(a.node.store.has(first.id), 'written within send()').toBe(false);
    await waitFor(() => a.node.store.has(first.id), 'the sent message to be written at a quiet turn');
    expect(inWorker).toHaveBeenCalledTimes(1);
    expect(onLoop).not.toHaveBeenCalled();
    await waitFor(() => b.received.some((r) => r.id === first.id), 'the message to reach the peer');
    const second = a.node.send({ kind: 'room', room: 'lobby' }, 'second');
    expect(a.node.history({ room: 'lobby' }).map((m) => m.text)).toEqual(['first', 'second']);
    expect(a.node.store.has(second.id)).toBe(true);
  });

  it('a node stopped right after a send writes the message and answers sendDurable', async () => {
    mesh = await TestMesh.start(1);
    const { node } = mesh.nodes[0];
    const file = dataFiles(node.status().dataDir).history;
    const durable = node.sendDurable({ kind: 'room', room: 'lobby' }, 'the last words');
    await node.stop(); // called in the same turn as the send, before any quiet turn
    const message = await durable;
    const reopened = HistoryStore.open(file);
    try {
      expect(reopened.query({ room: 'lobby' }).map((m) => m.id)).toEqual([message.id]);
    } finally {
      reopened.close();
    }
  });

  it('a send does not commit the waiting batch in its call: received and sent rows wait for a quiet turn', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const insertMany = vi.spyOn(b.node.store, 'insertMany');
    let atReply: { pending: boolean; batchWrites: number } | undefined;
    const onEvent = (e: ChatEvent) => {
      if (e.type !== 'message' || e.message.own) return;
      b.node.off('event', onEvent);
      const before = insertMany.mock.calls.length;
      b.node.send({ kind: 'room', room: 'lobby' }, 'a reply while the message waits for its batch');
      atReply = {
        pending: !b.node.store.has(e.message.id),
        batchWrites: insertMany.mock.calls.length - before,
      };
    };
    b.node.on('event', onEvent);
    const sent = a.node.send({ kind: 'room', room: 'lobby' }, 'hello');
    const reply = await waitFor(() => atReply, 'b to reply to the first message it receives');
    expect(reply.pending, 'the received message was already committed when the reply was sent').toBe(true);
    expect(reply.batchWrites, 'batches committed by the send').toBe(0);
    await waitFor(() => b.node.store.has(sent.id), 'the received message to be committed by its batch');
  });
});
