/**
 * Hostile and broken peers: garbage, an oversized length, a stalled handshake, a forged or altered
 * message. Each is disconnected (with the right error code) or dropped, and the node carries on.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, MAX_BAD_MESSAGES_PER_LINK } from '../../src/daemon/index.js';
import {
  encodeFrame,
  encodePayload,
  FrameDecoder,
  type LinkMessage,
  newMessageId,
  messageIdFromString,
  DEFAULT_MAX_FRAME_BYTES,
} from '../../src/wire/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await mesh?.destroy();
  mesh = undefined;
});

/** Opens a raw socket to a node and collects the frames it answers with until it closes. */
function rawClient(
  address: string,
): Promise<{ socket: Socket; frames: LinkMessage[]; closed: Promise<void> }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    sockets.push(socket);
    const frames: LinkMessage[] = [];
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      try {
        frames.push(...decoder.push(chunk));
      } catch {
        // the node only ever sends well-formed frames; a failure here would show in the assertions
      }
    });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.once('connect', () => resolve({ socket, frames, closed }));
    socket.once('error', reject);
  });
}

async function closedWithin(closed: Promise<void>, what: string, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    closed,
    new Promise(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

async function goodPairStillWorks(m: TestMesh, text: string): Promise<void> {
  const sent = m.nodes[0].node.send({ kind: 'room', room: 'lobby' }, text);
  await waitFor(() => m.nodes[1].received.some((r) => r.id === sent.id), `"${text}" to reach node 1`);
}

describe('hostile peers', () => {
  it('garbage bytes close that link with FRAME_MALFORMED and the others carry on', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const raw = await rawClient(mesh.nodes[0].address);
    raw.socket.write(Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from([0xc1, 0xc1, 0xc1, 0xc1, 0xc1])]));
    await closedWithin(raw.closed, 'the node to close the garbage link');
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({
      kind: 'error',
      code: 'FRAME_MALFORMED',
    });
    await goodPairStillWorks(mesh, 'after garbage');
  });

  it('an oversized declared length closes the link with FRAME_TOO_LARGE before the body is sent', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const raw = await rawClient(mesh.nodes[0].address);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(DEFAULT_MAX_FRAME_BYTES + 1);
    raw.socket.write(header);
    await closedWithin(raw.closed, 'the node to close the oversized link');
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'FRAME_TOO_LARGE' });
    await goodPairStillWorks(mesh, 'after oversized');
  });

  it('a stalled handshake is closed with HANDSHAKE_TIMEOUT', async () => {
    mesh = await TestMesh.start(2, { nodeOptions: () => ({ timings: { handshakeTimeoutMs: 500 } }) });
    await mesh.waitConnected();
    const raw = await rawClient(mesh.nodes[0].address);
    await closedWithin(raw.closed, 'the node to give up on the silent peer');
    expect(raw.frames[0]).toMatchObject({ kind: 'hello' });
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'HANDSHAKE_TIMEOUT' });
    await goodPairStillWorks(mesh, 'after stall');
  });

  it('a hello-ack that does not prove the key closes the link with HANDSHAKE_FAILED', async () => {
    mesh = await TestMesh.start(1);
    const raw = await rawClient(mesh.nodes[0].address);
    const fake = generateIdentity();
    raw.socket.write(
      encodeFrame({
        kind: 'hello',
        v: 1,
        id: fake.id,
        xkey: fake.xPublic,
        nick: 'mallory',
        nonce: Buffer.alloc(32, 7),
        port: 0,
        rooms: [],
      }),
    );
    raw.socket.write(encodeFrame({ kind: 'hello-ack', sig: Buffer.alloc(64, 1) }));
    await closedWithin(raw.closed, 'the node to reject the bad proof');
    expect(raw.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'HANDSHAKE_FAILED' });
  });

  it('a message before the handshake is a PROTOCOL_VIOLATION; another version is a VERSION_MISMATCH', async () => {
    mesh = await TestMesh.start(1);
    const early = await rawClient(mesh.nodes[0].address);
    early.socket.write(encodeFrame({ kind: 'ping', n: 1 }));
    await closedWithin(early.closed, 'the node to close the early talker');
    expect(early.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'PROTOCOL_VIOLATION' });

    const fake = generateIdentity();
    const other = await rawClient(mesh.nodes[0].address);
    other.socket.write(
      encodeFrame({
        kind: 'hello',
        v: 2,
        id: fake.id,
        xkey: fake.xPublic,
        nick: 'future',
        nonce: Buffer.alloc(32, 1),
        port: 0,
        rooms: [],
      }),
    );
    await closedWithin(other.closed, 'the node to refuse protocol 2');
    expect(other.frames.find((f) => f.kind === 'error')).toMatchObject({ code: 'VERSION_MISMATCH' });
  });

  it('forged and altered messages are delivered nowhere and counted against the sender', async () => {
    mesh = await TestMesh.start(3);
    await mesh.waitConnected();
    const victim = mesh.nodes[1].node.identity;
    const mallory = await rogueLink(mesh.nodes[0].address);
    const now = Date.now();

    // 1. Claims to be from the victim, signed by mallory's key.
    const forgedId = newMessageId(now);
    const forged = encodePayload({
      kind: 'chat',
      id: forgedId,
      from: victim.id,
      ts: now,
      room: 'lobby',
      nick: 'n1',
      text: 'forged',
    });
    const malloryKey = generateIdentity();
    mallory.send({
      kind: 'flood',
      id: forgedId,
      hops: 8,
      payload: forged,
      sig: nodeCrypto.sign(forged, malloryKey.signingKey),
    });

    // 2. A genuine message of the victim's, altered in one byte of its text.
    const realId = newMessageId(now);
    const real = encodePayload({
      kind: 'chat',
      id: realId,
      from: victim.id,
      ts: now,
      room: 'lobby',
      nick: 'n1',
      text: 'pay alice 10',
    });
    const sig = nodeCrypto.sign(real, victim.signingKey);
    const altered = Buffer.from(real);
    altered[altered.length - 1] ^= 0x01;
    mallory.send({ kind: 'flood', id: realId, hops: 8, payload: altered, sig });

    // 3. A valid signature on a payload whose id differs from the envelope's.
    const otherId = newMessageId(now);
    mallory.send({ kind: 'flood', id: otherId, hops: 8, payload: real, sig });

    // Then one honest message from the victim: once it is everywhere, the forgeries had their chance.
    const honest = mesh.nodes[1].node.send({ kind: 'room', room: 'lobby' }, 'honest');
    for (const m of mesh.nodes) {
      if (m.index === 1) continue;
      await waitFor(
        () => m.received.some((r) => r.id === honest.id),
        `the honest message at node ${m.index}`,
      );
    }
    await waitFor(
      () => mesh!.nodes[0].node.router.stats.rejected >= 3,
      'node 0 to reject all three forgeries',
    );
    for (const m of mesh.nodes) {
      expect(m.received.map((r) => r.text)).not.toContain('forged');
      expect(m.received.map((r) => r.text)).not.toContain('pay alice 10');
      expect(m.node.history({ room: 'lobby', limit: 100 }).map((r) => r.text)).toEqual(
        m.index === 1 ? ['honest'] : ['honest'],
      );
    }
    expect(mallory.state).toBe('up'); // dropped messages are counted; the link itself is not cut for them
  });

  it('a link that keeps sending invalid messages is closed with SIGNATURE_INVALID', async () => {
    mesh = await TestMesh.start(1);
    const mallory = await rogueLink(mesh.nodes[0].address);
    const closed = new Promise<{ reason: string }>((r) => mallory.once('closed', (c) => r(c)));
    const key = generateIdentity();
    for (let k = 0; k < MAX_BAD_MESSAGES_PER_LINK; k++) {
      const id = newMessageId();
      const payload = encodePayload({
        kind: 'chat',
        id,
        from: mesh.nodes[0].node.identity.id,
        ts: Date.now(),
        room: 'lobby',
        nick: 'x',
        text: `junk ${k}`,
      });
      mallory.send({ kind: 'flood', id, hops: 2, payload, sig: nodeCrypto.sign(payload, key.signingKey) });
    }
    const how = await Promise.race([
      closed,
      new Promise<never>((_, j) =>
        setTimeout(() => j(new Error('timed out waiting for the node to cut the link')), 10_000),
      ),
    ]);
    expect(how.reason).toMatch(/SIGNATURE_INVALID/);
    expect(mesh.nodes[0].node.history({ room: 'lobby' })).toEqual([]);
  });

  it('a receipt signed by anyone but the recipient does not mark a direct message delivered', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, b] = mesh.nodes;
    const bId = b.node.identity.idHex;
    await b.node.stop(); // no genuine receipt can come back
    const dm = a.node.send({ kind: 'direct', peer: bId }, 'for b only');
    const mallory = await rogueLink(a.address);
    const key = generateIdentity();
    const id = newMessageId();
    const receipt = encodePayload({
      kind: 'receipt',
      id,
      from: key.id,
      ts: Date.now(),
      to: a.node.identity.id,
      of: messageIdFromString(dm.id),
    });
    const before = a.node.router.stats.delivered;
    mallory.send({
      kind: 'flood',
      id,
      hops: 2,
      payload: receipt,
      sig: nodeCrypto.sign(receipt, key.signingKey),
    });
    await waitFor(() => a.node.router.stats.delivered > before, 'node A to take the forged receipt in');
    expect(a.node.history({ peer: bId })[0]).toMatchObject({ id: dm.id, status: 'sent' });
    expect(a.events.some((e) => e.type === 'receipt')).toBe(false);
  });

  it('silent connections cannot take every handshake slot: the node still links to its peers', async () => {
    // Silent connections hold their slots for 30 s, longer than this test waits for the link.
    mesh = await TestMesh.start(2, {
      peersOf: () => [],
      nodeOptions: () => ({ timings: { handshakeTimeoutMs: 30_000 } }),
    });
    const [a, b] = mesh.nodes;
    const [host, port] = a.address.split(':');
    for (let k = 0; k < 40; k++) {
      const s = connect({ host, port: Number(port) });
      s.on('error', () => undefined);
      sockets.push(s);
    }
    await waitFor(
      () => a.node.links.pendingHandshakes >= 4,
      'node A to hold silent connections in their handshake',
    );
    a.node.links.addStatic(b.address);
    await waitFor(
      () => a.node.links.linkTo(b.node.identity.idHex),
      'node A to link to B while 40 silent connections are open',
    );
  });

  it('an old presence replayed later does not take a live peer offline or rename it', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const [a, v] = mesh.nodes;
    const vid = v.node.identity;
    await waitFor(() => a.node.peerTable.get(vid.idHex)?.presenceTs, 'node A to take in V’s presence');
    const mallory = await rogueLink(a.address);
    // An older presence of V's, signed by V (as a replay would be, once dedup forgot its id).
    const id = newMessageId(Date.now() - 60_000);
    const old = encodePayload({
      kind: 'presence',
      id,
      from: vid.id,
      ts: Date.now() - 60_000,
      event: 'leave',
      nick: 'old-v',
      xkey: vid.xPublic,
      rooms: ['lobby'],
    });
    const before = a.node.router.stats.delivered;
    mallory.send({ kind: 'flood', id, hops: 2, payload: old, sig: nodeCrypto.sign(old, vid.signingKey) });
    await waitFor(() => a.node.router.stats.delivered > before, 'node A to take the replayed presence in');
    const peer = a.node.peers().find((p) => p.id === vid.idHex)!;
    expect(peer).toMatchObject({ online: true, nick: 'n1' });
  });

  it('junk announcements, grafts and prunes from a neighbour neither stop the node nor flood the mesh', async () => {
    mesh = await TestMesh.start(3);
    await mesh.waitConnected();
    const mallory = await rogueLink(mesh.nodes[0].address);
    const got: LinkMessage[] = [];
    mallory.on('message', (m: LinkMessage) => got.push(m));
    const now = Date.now();
    const junk = Array.from({ length: 1024 }, () => newMessageId(now));
    // Ids nobody has: the node asks mallory for a few of them in turn, and gives up on each.
    mallory.send({ kind: 'ihave', ids: junk });
    // Ids nobody has, asked for: nothing is sent back.
    mallory.send({ kind: 'graft', ids: junk.slice(0, 100) });
    // Every origin pruned: the node sends mallory only ids of its messages from now on.
    for (const m of mesh.nodes) mallory.send({ kind: 'prune', origin: m.node.identity.id });
    await waitFor(
      () => got.filter((m) => m.kind === 'graft').length >= 3,
      'the node to graft a few of the announced ids from mallory',
    );
    // The honest nodes still talk, and mallory hears of the message but is not sent it.
    const honest = mesh.nodes[2].node.send({ kind: 'room', room: 'lobby' }, 'still here');
    await waitFor(
      () => mesh!.nodes[1].received.some((r) => r.id === honest.id),
      'the honest message at node 1',
    );
    const honestId = Buffer.from(messageIdFromString(honest.id));
    const carries = (kind: string) => (m: LinkMessage) =>
      m.kind === kind &&
      ('ids' in m ? m.ids : 'id' in m ? [m.id] : []).some((id) => honestId.equals(Buffer.from(id)));
    await waitFor(() => got.some(carries('ihave')), 'node 0 to announce the honest message to mallory');
    expect(got.some(carries('flood'))).toBe(false);
    expect(mesh.nodes[0].node.running).toBe(true);
    expect(mallory.state).toBe('up');
    mallory.destroy();
  });

  it('a forged copy sent just ahead of the genuine message does not keep the genuine one out', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const identity = generateIdentity();
    const mallory = await rogueLink(mesh.nodes[0].address, { identity });
    const now = Date.now();
    const id = newMessageId(now);
    const payload = encodePayload({
      kind: 'chat',
      id,
      from: identity.id,
      ts: now,
      room: 'lobby',
      nick: 'mallory',
      text: 'the real one',
    });
    const sig = nodeCrypto.sign(payload, identity.signingKey);
    const forgedSig = Buffer.from(sig);
    forgedSig[0] ^= 0x01;
    // Both in one write: the genuine copy arrives while the forged one is being verified.
    mallory.send({ kind: 'flood', id, hops: 8, payload, sig: forgedSig });
    mallory.send({ kind: 'flood', id, hops: 8, payload, sig });
    for (const m of mesh.nodes) {
      await waitFor(
        () => m.received.some((r) => r.text === 'the real one'),
        `the genuine message at node ${m.index}`,
      );
    }
    expect(mesh.nodes[0].node.router.stats.rejected).toBe(1);
    for (const m of mesh.nodes) expect(m.received.filter((r) => r.text === 'the real one')).toHaveLength(1);
    mallory.destroy();
  });
});
