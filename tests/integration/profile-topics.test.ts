/**
 * Who a node is survives a restart (nick, rooms, the UI's open direct conversations, in profile.json,
 * flags overriding), and room topics: flooded to every member, last writer wins by time, kept across
 * restarts and handed to a node that links later.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatEvent } from '../../src/daemon/index.js';
import { newMessageId, type TopicPayload } from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

const topicOn = (events: ChatEvent[], text: string) =>
  events.find((e) => e.type === 'topic' && e.topic.topic === text);

describe('the profile across restarts', () => {
  it('brings back the nick, the joined rooms and the open direct conversations', async () => {
    mesh = await TestMesh.start(1);
    const node = mesh.nodes[0].node;
    const other = 'ab'.repeat(32);
    node.setNick('zed');
    node.joinRoom('dev');
    node.setOpenDirects([other]);
    const file = join(mesh.nodes[0].dataDir, 'profile.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await mesh.stopNode(0);

    // No --nick, no --room: who it was last time.
    const again = (await mesh.add({ nick: undefined }, [], 0)).node;
    expect(again.status()).toMatchObject({ nick: 'zed', rooms: ['lobby', 'dev'], directs: [other] });
    await mesh.stopNode(0);

    // Flags override, and are what is remembered next.
    const flagged = (await mesh.add({ nick: 'flagnick', rooms: ['ops'] }, [], 0)).node;
    expect(flagged.status()).toMatchObject({ nick: 'flagnick', rooms: ['ops'], directs: [other] });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ nick: 'flagnick', rooms: ['ops'] });
  });

  it('starts with its defaults when profile.json holds garbage, and keeps running', async () => {
    mesh = await TestMesh.start(1);
    const file = join(mesh.nodes[0].dataDir, 'profile.json');
    await mesh.stopNode(0);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{"nick": 12, "rooms": ["ok", "NOT OK"], "dire');
    const node = (await mesh.add({ nick: 'n0' }, [], 0)).node;
    expect(node.status().rooms).toEqual(['lobby']);
    writeFileSync(file, JSON.stringify({ nick: '!!', rooms: ['ok', 'NOT OK', 7], directs: ['xyz'] }));
    await mesh.stopNode(0);
    const again = (await mesh.add({ nick: undefined }, [], 0)).node;
    // What is valid is taken, the rest ignored.
    expect(again.status().rooms).toEqual(['ok']);
    expect(again.status().directs).toEqual([]);
    expect(again.status().nick).not.toBe('!!');
  });
});

describe('room topics', () => {
  it('reach every member, the latest wins, and a node linking later learns it', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    a.node.setTopic('lobby', 'first topic');
    await waitFor(() => topicOn(b.events, 'first topic'), 'the topic event on the other node');
    expect(b.node.topics.get('lobby')).toMatchObject({ topic: 'first topic', nick: 'n0' });

    b.node.setTopic('lobby', 'second topic');
    await waitFor(() => topicOn(a.events, 'second topic'), 'the second topic on the first node');

    // An older topic arriving late (a partition healing) does not replace the newer one.
    const old = Date.now() - 60_000;
    const stale: TopicPayload = {
      kind: 'topic',
      id: newMessageId(old),
      from: a.node.identity.id,
      ts: old,
      room: 'lobby',
      nick: 'n0',
      topic: 'stale topic',
    };
    a.node.router.originate(stale);
    // Seen is recorded in the same turn as the delivery: by then the stale topic was offered.
    await waitFor(() => b.node.router.hasSeen(stale.id), 'the stale topic to reach the other node');
    expect(b.node.topics.get('lobby')?.topic).toBe('second topic');
    expect(topicOn(b.events, 'stale topic')).toBeUndefined();

    // One dated an hour ahead (a wrong clock) would hold the room until then: not taken either.
    const ahead = Date.now() + 60 * 60_000;
    const future: TopicPayload = { ...stale, id: newMessageId(ahead), ts: ahead, topic: 'from the future' };
    a.node.router.originate(future);
    await waitFor(() => b.node.router.hasSeen(future.id), 'the future topic to reach the other node');
    expect(b.node.topics.get('lobby')?.topic).toBe('second topic');

    // A third node linking later gets it from its neighbour, without anyone setting it again.
    const c = await mesh.add({}, [b.address]);
    await waitFor(() => c.node.topics.get('lobby')?.topic === 'second topic', 'the topic on the late joiner');
  });

  it('is kept across a restart and still passed on', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    mesh.nodes[0].node.setTopic('lobby', 'kept topic');
    await waitFor(() => mesh!.nodes[1].node.topics.get('lobby'), 'the topic on node 1');
    await mesh.stopNode(1);
    const file = join(mesh.nodes[1].dataDir, 'topics.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await mesh.stopNode(0);
    // Node 1 comes back alone: the topic is there at once, from its data directory.
    const b = await mesh.add({}, [], 1);
    expect(b.node.topics.get('lobby')).toMatchObject({ topic: 'kept topic', nick: 'n0' });
    // A fresh node linking to it learns it: the saved frame still carries n0's signature.
    const c = await mesh.add({}, [b.address]);
    await waitFor(() => c.node.topics.get('lobby')?.topic === 'kept topic', 'the kept topic on a new node');
  });

  it('refuses a topic for a room not joined, or too long, with a clear error', async () => {
    mesh = await TestMesh.start(1);
    const node = mesh.nodes[0].node;
    expect(() => node.setTopic('elsewhere', 'x')).toThrow(/not in room elsewhere; join it first/);
    expect(() => node.setTopic('lobby', 'x'.repeat(301))).toThrow(/at most 300 characters/);
    node.setTopic('lobby', 'x'.repeat(300));
    expect(node.topics.get('lobby')?.topic.length).toBe(300);
  });
});
