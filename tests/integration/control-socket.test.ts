/**
 * The control socket: mode 0600, the ChatApi over it (calls, events, typed errors), a malformed
 * request closes only that connection, a stale socket from a crash is replaced, a second node for the
 * same data directory is refused.
 */
import { statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type ChatEvent,
  ControlClient,
  ControlServer,
  dataFiles,
  NodeChatApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { encodeFrame, FrameDecoder, StorageError } from '../../src/wire/index.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

let mesh: TestMesh | undefined;
const servers: ControlServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await mesh?.destroy();
  mesh = undefined;
});

async function serve(i: number): Promise<ControlServer> {
  const node = mesh!.nodes[i].node;
  const server = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
  await server.start();
  servers.push(server);
  return server;
}

describe('control socket', () => {
  it('serves the ChatApi to a client with events, and only to its owner', async () => {
    mesh = await TestMesh.start(2);
    await mesh.waitConnected();
    const server = await serve(0);
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    const client = await ControlClient.connect(server.path);
    try {
      const status = await client.status();
      expect(status).toMatchObject({
        id: mesh.nodes[0].node.identity.idHex,
        nick: 'n0',
        rooms: ['lobby'],
        links: 1,
      });
      const events: ChatEvent[] = [];
      client.subscribe((e) => events.push(e));
      const peer = await client.resolvePeer('n1');
      expect(peer).toMatchObject({ nick: 'n1', linked: true });
      // A message from the other node arrives as an event on the client.
      const sent = mesh.nodes[1].node.send({ kind: 'room', room: 'lobby' }, 'over the socket');
      await waitFor(
        () => events.find((e) => e.type === 'message' && e.message.id === sent.id),
        'the message event on the client',
      );
      const own = await client.send({ kind: 'direct', peer: peer.id }, 'private via control');
      expect(own).toMatchObject({ direct: true, own: true, status: 'sent' });
      await waitFor(
        () => events.find((e) => e.type === 'receipt' && e.id === own.id),
        'the receipt event on the client',
      );
      const history = await client.history({ peer: peer.id });
      expect(history.map((h) => [h.text, h.status])).toEqual([['private via control', 'delivered']]);
      await client.setNick('renamed');
      expect((await client.status()).nick).toBe('renamed');
      await expect(client.resolvePeer('nobody')).rejects.toMatchObject({ code: 'UNKNOWN_PEER' });
      await expect(client.joinRoom('Bad Room!')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(client.history({ limit: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      await client.close();
    }
  });

  it('pages a long history through the socket, in order, without gaps', async () => {
    mesh = await TestMesh.start(1, { nodeOptions: () => ({ store: { synchronous: 'NORMAL' } }) });
    const node = mesh.nodes[0].node;
    for (let k = 0; k < 1200; k++) node.send({ kind: 'room', room: 'lobby' }, `${k} `.padEnd(3000, 'x'));
    const server = await serve(0);
    const client = await ControlClient.connect(server.path);
    try {
      const got = await client.history({ room: 'lobby', limit: 1200 });
      expect(got.map((m) => m.id)).toEqual(node.history({ room: 'lobby', limit: 1200 }).map((m) => m.id));
      expect(got.length).toBe(1200);
    } finally {
      await client.close();
    }
  });

  it('answers send only once the message is committed and flushed to disk; a failed commit or flush is reported, the node runs on', async () => {
    mesh = await TestMesh.start(1);
    const node = mesh.nodes[0].node;
    const server = await serve(0);
    const client = await ControlClient.connect(server.path);
    const settledYet = async (p: Promise<unknown>) => {
      let done = false;
      p.then(
        () => (done = true),
        () => (done = true),
      );
      // A status round trip on the same socket: its reply is written after the send was handled.
      await client.status();
      return done;
    };
    try {
      let release!: () => void;
      const sync = vi.spyOn(node.store, 'sync').mockReturnValueOnce(new Promise<void>((r) => (release = r)));
      const sent = client.send({ kind: 'room', room: 'lobby' }, 'wait for the disk');
      expect(await settledYet(sent)).toBe(false);
      // Committed (by the write worker, after the quiet turn after the send) before the flush to disk
      // begins; read from the database itself, which history() would first write to. Only the reply
      // waits for the disk.
      await waitFor(() => sync.mock.calls.length > 0, 'the commit, then the flush to disk, to begin');
      expect(await settledYet(sent)).toBe(false);
      expect(node.store.query({ room: 'lobby' }).map((m) => m.text)).toEqual(['wait for the disk']);
      release();
      expect((await sent).text).toBe('wait for the disk');

      // The same through the in-process API the TUI uses.
      const api = new NodeChatApi(node);
      sync.mockReturnValueOnce(new Promise<void>((r) => (release = r)));
      const local = api.send({ kind: 'room', room: 'lobby' }, 'in process');
      expect(await settledYet(local)).toBe(false);
      release();
      await local;

      sync.mockImplementationOnce(() =>
        Promise.reject(new StorageError('DATABASE_WRITE_FAILED', 'cannot flush: EIO')),
      );
      // Sent all the same: the error says so and names it, so nobody sends it twice.
      const failed = client.send({ kind: 'room', room: 'lobby' }, 'disk on fire');
      await expect(failed).rejects.toMatchObject({ code: 'DATABASE_WRITE_FAILED' });
      await expect(failed).rejects.toThrow(
        /^sent \(id [0-9a-f-]{36}\), but not confirmed on disk: cannot flush/,
      );
      sync.mockRestore();
      // A commit that fails (a full disk) is reported the same way.
      // (The daemon's store commits in its write worker, which answers with the failure.)
      const insertMany = vi
        .spyOn(node.store, 'commitInWorker')
        .mockImplementationOnce(() => Promise.reject(new Error('database or disk is full')));
      const unwritten = client.send({ kind: 'room', room: 'lobby' }, 'disk full');
      await expect(unwritten).rejects.toMatchObject({ code: 'DATABASE_WRITE_FAILED' });
      await expect(unwritten).rejects.toThrow(
        /^sent \(id [0-9a-f-]{36}\), but not confirmed on disk: database or disk is full/,
      );
      insertMany.mockRestore();
      expect((await client.send({ kind: 'room', room: 'lobby' }, 'after')).text).toBe('after');
      expect(node.history({ room: 'lobby' }).map((m) => m.text)).toEqual([
        'wait for the disk',
        'in process',
        'disk on fire',
        'after',
      ]);
    } finally {
      await client.close();
    }
  });

  it('answers a send from a client that ended its side right after the request (printf | nc -U)', async () => {
    mesh = await TestMesh.start(1);
    const server = await serve(0);
    const raw = connect(server.path);
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    const closed = new Promise<void>((resolve, reject) => {
      raw.on('close', () => resolve());
      raw.on('error', reject);
    });
    const request = {
      kind: 'req',
      rid: 7,
      method: 'send',
      params: { to: { kind: 'room', room: 'lobby' }, text: 'hi' },
    };
    raw.end(encodeFrame(request));
    await closed;
    const replies = new FrameDecoder<{ rid: number; ok: boolean; result: { text: string } }>({
      parse: (v) => v as { rid: number; ok: boolean; result: { text: string } },
    }).push(Buffer.concat(chunks));
    expect(replies).toMatchObject([{ rid: 7, ok: true, result: { text: 'hi' } }]);
  });

  it('a malformed request closes that connection only', async () => {
    mesh = await TestMesh.start(1);
    const server = await serve(0);
    const good = await ControlClient.connect(server.path);
    try {
      const raw = connect(server.path);
      const closed = new Promise<void>((r) => raw.on('close', () => r()));
      raw.on('error', () => undefined);
      raw.resume();
      raw.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
      await closed;
      expect((await good.status()).nick).toBe('n0');
    } finally {
      await good.close();
    }
  });

  it('replaces a stale socket left by a crash, and refuses a second node for the same directory', async () => {
    mesh = await TestMesh.start(1);
    const path = dataFiles(mesh.nodes[0].dataDir).socket;
    writeFileSync(path, ''); // not a socket anyone listens on
    const server = await serve(0);
    const client = await ControlClient.connect(server.path);
    await client.close();
    const second = new ControlServer(new NodeChatApi(mesh.nodes[0].node), path, silentLogger);
    await expect(second.start()).rejects.toMatchObject({ code: 'ALREADY_RUNNING' });
  });

  it('connecting where no daemon runs is NO_DAEMON', async () => {
    mesh = await TestMesh.start(1);
    await expect(ControlClient.connect(dataFiles(mesh.nodes[0].dataDir).socket)).rejects.toMatchObject({
      code: 'NO_DAEMON',
    });
  });
});
