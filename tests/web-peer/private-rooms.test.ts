/**
 * Private rooms (PROTOCOL.md §19) in the browser peer: a page and a terminal node with one passphrase
 * read each other's messages in the room both ways, the page catches up on what was said before it
 * joined, and the page's serving node, which holds no key, relays and keeps only ciphertext (neither
 * the text nor the room's name is in what it received or in any file of its data directory). A wrong
 * passphrase is refused as a node refuses it; a rekey keeps older messages readable; a sealed message
 * that does not open is dropped and counted for its room, not against the link; a peer holding another
 * key for the room's name is told of.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChatMessage, generateIdentity, NodeChatApi } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import {
  deriveRoomKey,
  newMessageId,
  packValue,
  roomSecrets,
  sealedChatAad,
  sealRoomMessage,
} from '../../src/wire/index.js';
import { filesUnder } from '../helpers/files.js';
import { type MeshNode, TestMesh } from '../helpers/mesh.js';
import { rogueLink } from '../helpers/rogue-link.js';
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

const WAIT = { timeoutMs: 60_000 };
/** A test's bound: a few cross-process waits of WAIT each, on a loaded machine. */
const TEST_MS = 240_000;
const api = (m: MeshNode) => new NodeChatApi(m.node);
const PASSPHRASE = 'correct horse battery staple';

/** Every message the serving node's links receive (mesh and page), as bytes. */
function tapReceived(m: MeshNode): Buffer[] {
  const got: Buffer[] = [];
  m.node.links.on('link:message', (_link, message) => got.push(Buffer.from(packValue(message))));
  return got;
}

/**
 * Node 0 serves the page and holds no key; node 1, a terminal, holds the room's key and links only to
 * node 0, so everything between the page and the terminal goes through the keyless node.
 */
async function start(room: string, sentByPage: Buffer[] = []) {
  mesh = await TestMesh.start(2, { nodeOptions: (i) => (i === 0 ? { web: { root: PAGE_ROOT } } : {}) });
  await mesh.waitConnected(60_000);
  const [serving, terminal] = mesh.nodes;
  const taps = tapReceived(serving);
  await api(terminal).joinPrivateRoom(room, PASSPHRASE);
  const id = terminal.node.roomList.find((r) => r.startsWith('.'))!;
  expect(id).toMatch(/^\.[0-9a-f]{24}$/);
  const page = await openTestPage(wsUrlOf(serving.node), { WebSocket: recordingWebSocket(sentByPage) });
  pages.push(page);
  await waitLinked(page);
  await waitFor(
    async () => (await page.peer.peers()).some((p) => p.online && p.rooms.includes(id)),
    'the page to see a peer in the private room',
    WAIT,
  );
  return { serving, terminal, page, id, taps };
}

const roomName = () => `ops-${Math.random().toString(36).slice(2, 8)}`;

describe('web peer private rooms', () => {
  it(
    'exchanges sealed messages with a terminal both ways through a keyless node',
    async () => {
      const room = roomName();
      const sentByPage: Buffer[] = [];
      const { serving, terminal, page, id, taps } = await start(room, sentByPage);
      const texts = ['before the page came', 'from the terminal', 'from the page'].map(
        (t) => `${t} ${Math.random().toString(36).slice(2)}`,
      );
      const before = await api(terminal).send({ kind: 'room', room }, texts[0]);

      // Seen, not joined: the page knows a private room exists, not its name.
      expect(await page.peer.privateRooms()).toEqual([
        { room: null, ids: [id], joined: false, undecryptable: 0 },
      ]);
      await page.peer.joinPrivateRoom(room, PASSPHRASE);
      expect(await page.peer.privateRooms()).toEqual([{ room, ids: [id], joined: true, undecryptable: 0 }]);
      expect((await page.peer.status()).rooms).toContain(room);
      expect(page.events).toContainEqual({ type: 'private-room', room, state: 'joined' });

      const caught = await waitFor(
        () => page.received.find((m) => m.id === before.id),
        'the page to catch up on the room by sync',
        WAIT,
      );
      expect(caught).toMatchObject({ room, text: texts[0], nick: terminal.node.status().nick, via: 'sync' });

      const live = await api(terminal).send({ kind: 'room', room }, texts[1]);
      const got = await waitFor(
        () => page.received.find((m) => m.id === live.id),
        'the page to open it',
        WAIT,
      );
      expect(got).toMatchObject({ room, text: texts[1], own: false, via: 'live' });

      await waitFor(
        () => terminal.node.peers().some((p) => p.id === page.peer.identity.id && p.rooms.includes(id)),
        'the terminal to see the page in the room',
        WAIT,
      );
      const mine = await page.peer.send({ kind: 'room', room }, texts[2]);
      expect(mine).toMatchObject({ room, text: texts[2], own: true });
      const atTerminal = await waitFor(
        () => terminal.received.find((m) => m.id === mine.id),
        'the terminal to open the page message',
        WAIT,
      );
      expect(atTerminal).toMatchObject({ room, text: texts[2], nick: 'webby' });

      const history: ChatMessage[] = await page.peer.history({ room });
      expect(history.map((m) => m.text)).toEqual(texts);
      expect(history.every((m) => m.room === room)).toBe(true);

      // The serving node: carried the ciphertext, showed nothing, and kept neither text nor name.
      await waitFor(
        () => serving.node.history({ room: id }).length === 3,
        'the serving node to keep it',
        WAIT,
      );
      expect(serving.received.filter((m) => m.room === room)).toEqual([]);
      expect(serving.received.filter((m) => m.room === id).every((m) => m.text === '')).toBe(true);
      const needles = [...texts, room].map((t) => Buffer.from(t));
      expect(taps.length).toBeGreaterThan(0);
      expect(sentByPage.length).toBeGreaterThan(0);
      for (const bytes of [...taps, ...sentByPage])
        for (const n of needles) expect(bytes.includes(n)).toBe(false);
      serving.node.history({ room: 'lobby' }); // flush pending writes
      for (const file of filesUnder(serving.dataDir)) {
        const content = readFileSync(file);
        for (const n of needles) expect(content.includes(n), `${file} holds ${n}`).toBe(false);
      }
    },
    TEST_MS,
  );

  it(
    'refuses a wrong passphrase as a node does, and keeps nothing of it',
    async () => {
      const room = roomName();
      const { page, id } = await start(room);
      await expect(page.peer.joinPrivateRoom(room, 'wrong horse')).rejects.toMatchObject({
        code: 'WRONG_PASSPHRASE',
        message: `wrong passphrase for #${room}`,
      });
      expect(page.events).toContainEqual({ type: 'private-room', room, state: 'wrong-passphrase' });
      expect((await page.peer.status()).rooms).not.toContain(room);
      expect(await page.peer.privateRooms()).toEqual([
        { room: null, ids: [id], joined: false, undecryptable: 0 },
      ]);
      expect(await page.peer.history({ room })).toEqual([]);
    },
    TEST_MS,
  );

  it(
    'keeps its key over a reload and reads older messages after a rekey',
    async () => {
      const room = roomName();
      const { terminal, page, id } = await start(room);
      await page.peer.joinPrivateRoom(room, PASSPHRASE);
      const old = await api(terminal).send({ kind: 'room', room }, 'under the first key');
      await waitFor(() => page.received.find((m) => m.id === old.id), 'the page to open it', WAIT);

      // Reopened on the same storage: the room is still joined under its key, no passphrase asked.
      const idb = page.idb;
      await page.peer.close();
      const again = await openTestPage(wsUrlOf(mesh!.nodes[0].node), { idb });
      pages.push(again);
      expect((await again.peer.privateRooms())[0]).toMatchObject({ room, ids: [id], joined: true });
      expect((await again.peer.history({ room })).map((m) => m.text)).toEqual(['under the first key']);

      await again.peer.rekeyRoom(room, 'a brand new passphrase');
      const [info] = await again.peer.privateRooms();
      expect(info.ids).toHaveLength(2);
      expect(info.ids[1]).toBe(id);
      expect(again.events).toContainEqual({ type: 'private-room', room, state: 'rekeyed' });
      await waitLinked(again);
      const fresh = await again.peer.send({ kind: 'room', room }, 'under the new key');
      expect((await again.peer.history({ room })).map((m) => m.text)).toEqual([
        'under the first key',
        'under the new key',
      ]);
      expect(fresh.room).toBe(room);
    },
    TEST_MS,
  );

  it(
    'drops a sealed message that does not open, tells of another key, and goes on',
    async () => {
      const room = roomName();
      const { serving, terminal, page, id } = await start(room);
      await page.peer.joinPrivateRoom(room, PASSPHRASE);
      // Mallory signs a message naming the room's id but sealed under another passphrase's key.
      const mallory = generateIdentity();
      const other = roomSecrets(nodeCrypto, room, deriveRoomKey(nodeCrypto, room, 'another passphrase'));
      const link = await rogueLink(serving.address, { identity: mallory, nick: 'mallory', rooms: [] });
      try {
        await waitFor(() => serving.node.links.linkTo(mallory.idHex), 'the rogue link at the node', WAIT);
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
          () => page.events.find((e) => e.type === 'private-room' && e.state === 'undecryptable'),
          'the page to count the message that does not open',
          WAIT,
        );
        expect((await page.peer.privateRooms())[0]).toMatchObject({ room, undecryptable: 1 });

        // Mallory says (signed presence) it is in the room's name under the other key: told once.
        const pid = newMessageId(Date.now());
        const presence = packValue({
          kind: 'presence',
          id: pid,
          from: mallory.id,
          ts: Date.now(),
          event: 'join',
          nick: 'mallory',
          xkey: mallory.xPublic,
          rooms: [other.id],
        });
        link.send({
          kind: 'flood',
          id: pid,
          hops: 4,
          payload: presence,
          sig: nodeCrypto.sign(presence, mallory.signingKey),
        });
        const told = await waitFor(
          () => page.events.find((e) => e.type === 'private-room' && e.state === 'other-key'),
          'the page to tell of a peer holding another key',
          WAIT,
        );
        expect(told).toMatchObject({ room, peer: mallory.idHex, nick: 'mallory' });
        // Signed by its author: no relay is to blame, so nothing is counted against the page's link.
        expect(page.peer.protocolErrors).toBe(0);

        const ok = await api(terminal).send({ kind: 'room', room }, 'still fine');
        await waitFor(() => page.received.find((m) => m.id === ok.id), 'the room to go on', WAIT);
        expect((await page.peer.history({ room })).map((m) => m.text)).toEqual(['still fine']);
      } finally {
        link.destroy();
      }
    },
    TEST_MS,
  );
});
