/**
 * Private rooms (PROTOCOL.md §19) across a mesh: three nodes with the room key and two without, where a
 * keyless node is the only path between two holders. Every holder delivers every message; the keyless
 * nodes relay and keep only ciphertext (neither the text nor the room's name is in what they receive
 * or in any file of their data directories); a wrong passphrase is refused at once and shows nothing; a
 * node given the key later catches up; keys survive a restart; /rekey keeps old messages readable; two
 * rooms of one name and different passphrases do not mix; bad input is dropped and counted where that
 * is right.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatEvent,
  type ChatMessage,
  dataFiles,
  generateIdentity,
  NodeChatApi,
  type PrivateRoomEvent,
} from '../../src/daemon/index.js';
import {
  deriveRoomKey,
  newMessageId,
  packValue,
  roomSecrets,
  sealedChatAad,
  sealRoomMessage,
} from '../../src/wire/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { filesUnder } from '../helpers/files.js';
import { type MeshNode, TestMesh } from '../helpers/mesh.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
afterEach(async () => {
  await mesh?.destroy();
  mesh = undefined;
});

const WAIT = { timeoutMs: 60_000 };
const api = (m: MeshNode) => new NodeChatApi(m.node);
const shown = (m: MeshNode, room: string) => m.received.filter((x) => x.room === room);
const privateEvents = (m: MeshNode) =>
  m.events.filter((e): e is PrivateRoomEvent & ChatEvent => e.type === 'private-room');

/** Every message a node's links receive, as bytes (re-encoded: what came over the wire, decoded). */
function tapReceived(m: MeshNode): Buffer[] {
  const got: Buffer[] = [];
  m.node.links.on('link:message', (_link, message) => got.push(Buffer.from(packValue(message))));
  return got;
}

/** Waits until `m` sees some online peer in the opaque room `id` (its presence or hello says so). */
async function waitSeesRoom(m: MeshNode, id: string): Promise<void> {
  await waitFor(
    () => m.node.peers().some((p) => p.online && p.rooms.includes(id)),
    `node ${m.index} to see a peer in ${id}`,
    WAIT,
  );
}

describe('private rooms', () => {
  it('reach every holder through a keyless node, which keeps only ciphertext', async () => {
    const room = `ops-${Math.random().toString(36).slice(2, 8)}`;
    const passphrase = 'correct horse battery staple';
    // 0: keyless hub; 1 and 2: holders that may link to nobody else (the hub is their only path);
    // 3: keyless; 4: holder behind node 3.
    mesh = await TestMesh.start(5, {
      peersOf: (i) => (i === 0 ? [] : i === 4 ? [3] : [0]),
      nodeOptions: (i) => (i === 1 || i === 2 ? { maxLinks: 1 } : {}),
    });
    await mesh.waitConnected(60_000);
    const [hub, a, b, keyless, c] = mesh.nodes;
    const holders = [a, b, c];
    const taps = [hub, keyless].map(tapReceived);

    for (const h of holders) await api(h).joinPrivateRoom(`#${room}`, passphrase);
    const id = a.node.roomList.find((r) => r.startsWith('.'))!;
    expect(id).toMatch(/^\.[0-9a-f]{24}$/);
    for (const h of holders) expect(h.node.roomList).toContain(id);
    for (const h of holders) expect(h.node.status().rooms).toContain(room);
    for (const h of holders) await waitSeesRoom(h, id);

    // A and B hold one link each, to the hub: the keyless hub is the only path between them.
    expect(a.node.links.links().map((l) => l.remoteIdHex)).toEqual([hub.node.identity.idHex]);
    expect(b.node.links.links().map((l) => l.remoteIdHex)).toEqual([hub.node.identity.idHex]);

    const texts = holders.map((_h, i) => `sealed note ${i} ${Math.random().toString(36).slice(2)}`);
    const sent: ChatMessage[] = [];
    for (const [i, h] of holders.entries()) sent.push(await api(h).send({ kind: 'room', room }, texts[i]));
    for (const h of holders) {
      await waitFor(
        () => sent.every((s) => shown(h, room).some((m) => m.id === s.id)),
        `node ${h.index} to show every message of the private room`,
        WAIT,
      );
      const history = await api(h).history({ room });
      expect(history.map((m) => m.text).sort()).toEqual([...texts].sort());
      expect(history.every((m) => m.room === room)).toBe(true);
    }
    expect(shown(a, room).find((m) => m.id === sent[1].id)).toMatchObject({ text: texts[1], nick: 'n2' });

    // The keyless nodes carried it: they hold the three sealed rows, under the opaque id only.
    for (const k of [hub, keyless]) {
      await waitFor(
        () => k.node.history({ room: id }).length === 3,
        `keyless node ${k.index} to keep the ciphertext`,
        WAIT,
      );
      expect(k.node.history({ room: id }).every((m) => m.text === '' && m.nick === '')).toBe(true);
      expect(await api(k).history({ room: id })).toEqual([]); // nothing to show
      expect(k.received.filter((m) => m.room === room)).toEqual([]);
      expect((await api(k).privateRooms()).map((r) => r.ids[0])).toEqual([id]);
      expect((await api(k).privateRooms())[0]).toMatchObject({ room: null, joined: false });
    }
    const needles = [...texts, room].map((t) => Buffer.from(t));
    for (const got of taps) {
      expect(got.length).toBeGreaterThan(0);
      for (const bytes of got) for (const n of needles) expect(bytes.includes(n)).toBe(false);
    }
    for (const k of [hub, keyless]) {
      k.node.history({ room: 'lobby' }); // flush pending writes
      for (const file of filesUnder(k.dataDir)) {
        const content = readFileSync(file);
        for (const n of needles) expect(content.includes(n), `${file} holds ${n}`).toBe(false);
      }
    }

    // A wrong passphrase is refused at once, says so, and shows nothing.
    await waitSeesRoom(keyless, id);
    await expect(api(keyless).joinPrivateRoom(room, 'wrong horse')).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
      message: `wrong passphrase for #${room}`,
    });
    expect(privateEvents(keyless)).toContainEqual(
      expect.objectContaining({ room, state: 'wrong-passphrase' }),
    );
    expect(keyless.node.status().rooms).not.toContain(room);
    expect(await api(keyless).history({ room })).toEqual([]);

    // A node that joins the mesh later, and the room later still, catches up on its history.
    const late = await mesh.add({}, [hub.address]);
    await waitFor(() => late.node.links.links().length > 0, 'the late node to link', WAIT);
    await waitSeesRoom(late, id);
    await api(late).joinPrivateRoom(room, passphrase);
    await waitFor(
      async () => (await api(late).history({ room })).length === 3,
      'the late holder to catch up on the room',
      WAIT,
    );
    expect((await api(late).history({ room })).map((m) => m.text).sort()).toEqual([...texts].sort());
  }, 240_000);

  it('keeps the key across a restart (mode 0600, no passphrase) and reads old messages after /rekey', async () => {
    mesh = await TestMesh.start(3);
    await mesh.waitConnected(60_000);
    const [a, b, c] = mesh.nodes;
    for (const m of [a, b, c]) await api(m).joinPrivateRoom('team', 'first passphrase');
    const oldId = a.node.roomList.find((r) => r.startsWith('.'))!;
    for (const m of [a, b, c]) await waitSeesRoom(m, oldId);
    const old = await api(a).send({ kind: 'room', room: 'team' }, 'before the rekey');
    await waitFor(() => shown(c, 'team').some((m) => m.id === old.id), 'c to read the first message', WAIT);

    const keys = dataFiles(a.dataDir).roomKeys;
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    expect(readFileSync(keys, 'utf8')).not.toContain('first passphrase');

    // A and B move to a new passphrase; C keeps only the old key.
    await api(a).rekeyRoom('team', 'second passphrase');
    await api(b).rekeyRoom('team', 'second passphrase');
    const newId = a.node.roomList.find((r) => r.startsWith('.') && r !== oldId)!;
    expect(b.node.roomList).toContain(newId);
    expect(newId.slice(0, 9)).toBe(oldId.slice(0, 9)); // same name tag, another key check
    await waitSeesRoom(b, newId);
    const fresh = await api(a).send({ kind: 'room', room: 'team' }, 'after the rekey');
    await waitFor(() => shown(b, 'team').some((m) => m.id === fresh.id), 'b to read the new message', WAIT);
    expect((await api(b).history({ room: 'team' })).map((m) => m.text)).toEqual([
      'before the rekey',
      'after the rekey',
    ]);
    // C still reads the old message, never the new one.
    expect((await api(c).history({ room: 'team' })).map((m) => m.text)).toEqual(['before the rekey']);
    expect(shown(c, 'team').some((m) => m.id === fresh.id)).toBe(false);
    // Joining again with another passphrase is refused; /rekey is how C moves on, and catches up.
    await expect(api(c).joinPrivateRoom('team', 'second passphrase')).rejects.toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
    await api(c).rekeyRoom('team', 'second passphrase');
    await waitFor(
      async () => (await api(c).history({ room: 'team' })).length === 2,
      'c to catch up on the new key',
      WAIT,
    );

    // B restarts: no passphrase asked, both keys still open both messages.
    await mesh.stopNode(1);
    const again = await mesh.add({ dataDir: b.dataDir }, [a.address], 1);
    expect(again.node.status().rooms).toContain('team');
    expect(again.node.roomList).toEqual(expect.arrayContaining([oldId, newId]));
    expect((await api(again).history({ room: 'team' })).map((m) => m.text)).toEqual([
      'before the rekey',
      'after the rekey',
    ]);
    expect(join(b.dataDir, 'room-keys.json')).toBe(keys.replace(a.dataDir, b.dataDir));
  }, 240_000);

  it('a private room whose key file is lost stays closed: never announced or written to by its name', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected(60_000);
    const [a, b] = mesh.nodes;
    await api(b).joinPrivateRoom('vault', 'a long passphrase');
    await api(b).send({ kind: 'room', room: 'vault' }, 'kept under the key');
    await mesh.stopNode(1);
    rmSync(dataFiles(b.dataDir).roomKeys);
    const seen = tapReceived(a);
    const again = await mesh.add({ dataDir: b.dataDir }, [a.address], 1);
    await waitFor(
      () => a.node.peers().some((p) => p.online && p.id === again.node.identity.idHex),
      'a to see b again',
      WAIT,
    );
    // b still lists the room (its profile) but names it nowhere on the wire, and will not write to it.
    expect(again.node.status().rooms).toContain('vault');
    expect(again.node.roomList).not.toContain('vault');
    await expect(api(again).send({ kind: 'room', room: 'vault' }, 'in clear?')).rejects.toMatchObject({
      code: 'NOT_IN_ROOM',
    });
    expect(a.node.peers().find((p) => p.id === again.node.identity.idHex)?.rooms).not.toContain('vault');
    for (const bytes of seen) expect(bytes.includes(Buffer.from('vault'))).toBe(false);
    // Joining again with the passphrase opens it, with what was written before.
    await api(again).joinPrivateRoom('vault', 'a long passphrase');
    expect((await api(again).history({ room: 'vault' })).map((m) => m.text)).toEqual(['kept under the key']);
  }, 120_000);

  it('two rooms of one name and different passphrases do not mix, and each side is told', async () => {
    mesh = await TestMesh.start(2, { peersOf: () => [] });
    const [a, b] = mesh.nodes;
    await api(a).joinPrivateRoom('ops', 'passphrase of the first ops');
    await api(b).joinPrivateRoom('ops', 'passphrase of the second ops');
    b.node.links.addStatic(a.address);
    await mesh.waitConnected(60_000);
    for (const [m, other] of [
      [a, 'n1'],
      [b, 'n0'],
    ] as const) {
      await waitFor(
        () => privateEvents(m).find((e) => e.state === 'other-key' && e.room === 'ops' && e.nick === other),
        `node ${m.index} to be told of the other key`,
        WAIT,
      );
    }
    const fromA = await api(a).send({ kind: 'room', room: 'ops' }, 'first ops only');
    const fromB = await api(b).send({ kind: 'room', room: 'ops' }, 'second ops only');
    // Each carries the other's ciphertext (it reached it), and shows only its own room.
    const idOf = (m: MeshNode) => m.node.roomList.find((r) => r.startsWith('.'))!;
    const [idA, idB] = [idOf(a), idOf(b)];
    expect(idA).not.toBe(idB);
    expect(idA.slice(0, 9)).toBe(idB.slice(0, 9)); // one name tag
    await waitFor(
      () =>
        b.node.history({ room: idA }).some((m) => m.id === fromA.id) &&
        a.node.history({ room: idB }).some((m) => m.id === fromB.id),
      'each to carry the other room',
      WAIT,
    );
    expect((await api(a).history({ room: 'ops' })).map((m) => m.text)).toEqual(['first ops only']);
    expect((await api(b).history({ room: 'ops' })).map((m) => m.text)).toEqual(['second ops only']);
    expect(shown(a, 'ops').map((m) => m.id)).toEqual([fromA.id]);
    expect(shown(b, 'ops').map((m) => m.id)).toEqual([fromB.id]);
  }, 240_000);

  it('drops bad input: a malformed sealed message counts against the link, one that does not open does not', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected(60_000);
    const [a, b] = mesh.nodes;
    for (const m of [a, b]) await api(m).joinPrivateRoom('ops', 'correct horse battery staple');
    const id = a.node.roomList.find((r) => r.startsWith('.'))!;
    const tag = id.slice(1, 9);
    const other = roomSecrets(nodeCrypto, 'ops', deriveRoomKey(nodeCrypto, 'ops', 'not the one'), tag);

    // A member advertising another key check for the room's name is told of at once.
    const mallory = generateIdentity();
    const link = await rogueLink(a.address, { identity: mallory, nick: 'mallory', rooms: [other.id] });
    try {
      await waitFor(
        () => privateEvents(a).find((e) => e.state === 'other-key' && e.nick === 'mallory'),
        'the other key check to be told',
        WAIT,
      );
      const serverSide = () => a.node.links.linkTo(mallory.idHex)!;
      await waitFor(() => a.node.links.linkTo(mallory.idHex), 'the rogue link at a', WAIT);

      // 1. Signed by mallory, sealed under the other key but naming our room's id: does not open.
      const now = Date.now();
      const mid = newMessageId(now);
      const plain = packValue({ nick: 'mallory', text: 'noise' });
      const box = sealRoomMessage(nodeCrypto, other.encKey, sealedChatAad(mid, mallory.id, id), plain);
      const payload = packValue({ kind: 'sealed-chat', id: mid, from: mallory.id, ts: now, room: id, box });
      link.send({
        kind: 'flood',
        id: mid,
        hops: 4,
        payload,
        sig: nodeCrypto.sign(payload, mallory.signingKey),
      });
      await waitFor(
        () => privateEvents(a).find((e) => e.state === 'undecryptable' && e.room === 'ops'),
        'the undecryptable message to be counted',
        WAIT,
      );
      expect(serverSide().badMessages).toBe(0);
      expect((await api(a).privateRooms()).find((r) => r.room === 'ops')).toMatchObject({ undecryptable: 1 });

      // 2. A sealed message whose room is no opaque id: malformed, counted against the link.
      const bid = newMessageId(now);
      const bad = packValue({ kind: 'sealed-chat', id: bid, from: mallory.id, ts: now, room: 'ops', box });
      link.send({
        kind: 'flood',
        id: bid,
        hops: 4,
        payload: bad,
        sig: nodeCrypto.sign(bad, mallory.signingKey),
      });
      await waitFor(() => serverSide().badMessages === 1, 'the malformed message to be counted', WAIT);

      // Nothing else is disturbed: the room goes on, and neither message was shown.
      const ok = await api(b).send({ kind: 'room', room: 'ops' }, 'still fine');
      await waitFor(() => shown(a, 'ops').some((m) => m.id === ok.id), 'the room to go on', WAIT);
      expect(shown(a, 'ops').map((m) => m.text)).toEqual(['still fine']);
      expect((await api(a).history({ room: 'ops' })).map((m) => m.text)).toEqual(['still fine']);
    } finally {
      link.destroy();
    }
  }, 240_000);
});
