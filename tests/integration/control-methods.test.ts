/**
 * The control socket serves any API through its method table: a method that exists only in this test
 * (a row added to the ChatApi's table, implemented by a fake) is served and called through the socket
 * with no change to the server or the client. Requests are checked against the table's schemas: an
 * unknown method, arguments of the wrong type, a frame that is not a request are refused with a code
 * under their rid and the connection goes on; an oversized frame closes that connection only. The
 * node never sees what was refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  arg,
  call,
  type ChatApi,
  type ChatEvent,
  CHAT_METHODS,
  CONTROL_MAX_FRAME_BYTES,
  ControlClient,
  ControlConnection,
  ControlServer,
  dataFiles,
  fields,
  type MethodTable,
  NodeChatApi,
  remoteApi,
  silentLogger,
} from '../../src/daemon/index.js';
import { bool, encodeFrame, FrameDecoder, object, optional, text, uint } from '../../src/wire/index.js';
import { FakeChatApi, makePeer } from '../helpers/fake-chat-api.js';
import { TestMesh } from '../helpers/mesh.js';
import { waitFor } from '../helpers/wait.js';

const servers: ControlServer<object>[] = [];
const closers: (() => Promise<void> | void)[] = [];
const dirs: string[] = [];
let mesh: TestMesh | undefined;
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const s of servers.splice(0)) await s.stop();
  await mesh?.destroy();
  mesh = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-methods-'));
  dirs.push(dir);
  return dataFiles(dir).socket;
}

/** A ChatApi with one method more, which no file of src knows. */
interface RoomBellApi extends ChatApi {
  /** Rings a room's bell `times` times; says what it did. */
  ringBell(room: string, times: number, options?: { loud?: boolean }): Promise<string>;
}

class FakeBellApi extends FakeChatApi implements RoomBellApi {
  readonly rung: unknown[][] = [];
  async ringBell(room: string, times: number, options: { loud?: boolean } = {}): Promise<string> {
    this.rung.push([room, times, options]);
    return `${options.loud ? 'BONG' : 'bong'} `.repeat(times).trim() + ` in ${room}`;
  }
}

const BELL_METHODS: MethodTable<RoomBellApi> = {
  ...CHAT_METHODS,
  ringBell: call(
    arg('room', text(48)),
    arg('times', uint(10)),
    // An options bag travels as fields of the request's params, as `send`'s does.
    fields(object({ loud: optional(bool) })),
  ),
};

type Reply = {
  kind: string;
  rid?: number;
  ok?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
};

/** A client speaking raw frames, to send what no ControlClient would. */
class RawClient {
  readonly replies: Reply[] = [];
  isClosed = false;
  private readonly socket: Socket;

  constructor(path: string) {
    this.socket = connect(path);
    const decoder = new FrameDecoder<Reply>({
      parse: (v) => v as Reply,
      maxFrameBytes: CONTROL_MAX_FRAME_BYTES,
    });
    this.socket.on('data', (chunk: Buffer) => this.replies.push(...decoder.push(chunk)));
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => (this.isClosed = true));
    closers.push(() => void this.socket.destroy());
  }

  send(value: unknown): void {
    this.socket.write(encodeFrame(value, CONTROL_MAX_FRAME_BYTES));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  reply(rid: number): Promise<Reply> {
    return waitFor(
      () => this.replies.find((r) => r.kind === 'res' && r.rid === rid),
      `the reply to request ${rid}`,
      {
        timeoutMs: 30_000,
      },
    );
  }
}

describe('the control socket serves an API through its method table', () => {
  it('serves a method that only a test defines, with its arguments checked, and the ChatApi beside it', async () => {
    const api = new FakeBellApi({ nick: 'bell' });
    const server = new ControlServer(api, socketPath(), silentLogger, BELL_METHODS);
    await server.start();
    servers.push(server as ControlServer<object>);

    const client = remoteApi(await ControlConnection.connect(server.path), BELL_METHODS);
    closers.push(() => client.close());
    expect(await client.ringBell('lobby', 3)).toBe('bong bong bong in lobby');
    expect(await client.ringBell('lobby', 2, { loud: true })).toBe('BONG BONG in lobby');
    expect(api.rung).toEqual([
      ['lobby', 3, {}],
      ['lobby', 2, { loud: true }],
    ]);
    // Checked against its row before the fake sees it.
    await expect(client.ringBell('lobby', 11)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('ringBell.times'),
    });
    await expect(client.ringBell(42 as unknown as string, 1)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('ringBell.room'),
    });
    expect(api.rung).toHaveLength(2);

    // The ChatApi's own methods and events are served by the same table.
    expect((await client.status()).nick).toBe('bell');
    const events: unknown[] = [];
    const stop = client.subscribe((e) => events.push(e));
    await waitFor(() => api.listenerCount === 1, 'the server to subscribe to the fake', {
      timeoutMs: 30_000,
    });
    const message = api.deliver({ text: 'ding', room: 'general' });
    await waitFor(
      () => events.find((e) => (e as ChatEvent).type === 'message'),
      'the message event through the socket',
      { timeoutMs: 30_000 },
    );
    expect(events).toEqual([{ type: 'message', message }]);
    stop();
    await waitFor(() => api.listenerCount === 0, 'the server to unsubscribe from the fake', {
      timeoutMs: 30_000,
    });
  });

  it('a table without a row for a method does not compile (checked by tsc -p tsconfig.tests.json)', () => {
    // @ts-expect-error: ringBell has no row
    const missing: MethodTable<RoomBellApi> = { ...CHAT_METHODS };
    expect(Object.keys(missing)).not.toContain('ringBell');
  });

  it('a server given the ChatApi table alone does not serve the extra method', async () => {
    const api = new FakeBellApi();
    const server = new ControlServer(api, socketPath(), silentLogger);
    await server.start();
    servers.push(server as ControlServer<object>);
    const client = remoteApi(await ControlConnection.connect(server.path), BELL_METHODS);
    closers.push(() => client.close());
    await expect(client.ringBell('lobby', 1)).rejects.toMatchObject({ code: 'USAGE' });
    expect(api.rung).toEqual([]);
    expect((await client.peers()).length).toBe(0);
  });

  it('serves any ChatApi: ControlClient calls reach the implementation with their arguments intact', async () => {
    const bob = makePeer('bob');
    const api = new FakeChatApi({ peers: [bob] });
    const server = new ControlServer(api, socketPath(), silentLogger);
    await server.start();
    servers.push(server as ControlServer<object>);
    const client = await ControlClient.connect(server.path);
    closers.push(() => client.close());

    await client.send({ kind: 'direct', peer: bob.id }, 'psst', { action: true });
    await client.send({ kind: 'room', room: 'general' }, 'hello');
    await client.history({ room: 'general', limit: 5, before: { ts: 10, id: 'x' }, search: 'hel' });
    await client.setOpenDirects([bob.id]);
    expect((await client.resolvePeer('bob')).id).toBe(bob.id);
    expect(api.callsOf('send')).toEqual([
      [{ kind: 'direct', peer: bob.id }, 'psst', { action: true }],
      [{ kind: 'room', room: 'general' }, 'hello', {}],
    ]);
    expect(api.callsOf('history')).toEqual([
      [{ room: 'general', limit: 5, before: { ts: 10, id: 'x' }, search: 'hel' }],
    ]);
    expect(api.callsOf('setOpenDirects')).toEqual([[[bob.id]]]);
  });
});

describe('malformed control requests', () => {
  it('an answer too large for one frame is refused under its rid, and the server goes on', async () => {
    const api = new FakeChatApi();
    api.seedRoom('general', 5000, (i) => `${i} `.padEnd(4000, 'x'));
    const server = new ControlServer(api, socketPath(), silentLogger);
    await server.start();
    servers.push(server as ControlServer<object>);
    const raw = new RawClient(server.path);
    // More than the 16 MiB a control frame holds: ControlClient pages, a raw client need not.
    raw.send({ kind: 'req', rid: 1, method: 'history', params: { room: 'general', limit: 5000 } });
    expect(await raw.reply(1)).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } });
    raw.send({ kind: 'req', rid: 2, method: 'history', params: { room: 'general', limit: 2 } });
    expect(((await raw.reply(2)).result as unknown[]).length).toBe(2);
    const client = await ControlClient.connect(server.path);
    closers.push(() => client.close());
    expect((await client.history({ room: 'general', limit: 5000 })).length).toBe(5000);
  });

  it('are refused with a code under their rid; the connection and the node go on', async () => {
    mesh = await TestMesh.start(1);
    const node = mesh.nodes[0].node;
    const server = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
    await server.start();
    servers.push(server as ControlServer<object>);
    const raw = new RawClient(server.path);

    const refusals: [number, unknown, string, RegExp][] = [
      [1, { kind: 'req', rid: 1, method: 'explode', params: {} }, 'USAGE', /unknown method explode/],
      // Names of the prototype are not methods.
      [2, { kind: 'req', rid: 2, method: 'constructor', params: {} }, 'USAGE', /unknown method/],
      [
        3,
        { kind: 'req', rid: 3, method: 'setNick', params: { nick: 42 } },
        'INVALID_ARGUMENT',
        /setNick\.nick/,
      ],
      [
        4,
        { kind: 'req', rid: 4, method: 'history', params: { limit: 'ten' } },
        'INVALID_ARGUMENT',
        /history\.limit/,
      ],
      [
        5,
        { kind: 'req', rid: 5, method: 'send', params: { to: { kind: 'nowhere' }, text: 'lost' } },
        'INVALID_ARGUMENT',
        /send\.to/,
      ],
      [
        6,
        { kind: 'req', rid: 6, method: 'joinRoom', params: ['general'] },
        'INVALID_ARGUMENT',
        /params must be a map/,
      ],
      [
        7,
        { kind: 'req', rid: 7, method: 'setOpenDirects', params: { peers: 'all' } },
        'INVALID_ARGUMENT',
        /peers/,
      ],
      [8, { kind: 'hello', rid: 8 }, 'SCHEMA_INVALID', /expected a request/],
      [9, { kind: 'req', rid: 9, method: '' }, 'SCHEMA_INVALID', /method/],
    ];
    for (const [, request] of refusals) raw.send(request);
    raw.send({ kind: 'req', method: 'status' }); // no rid: answered under 0
    for (const [rid, , code, message] of refusals) {
      const reply = await raw.reply(rid);
      expect(reply, `request ${rid}`).toMatchObject({ ok: false, error: { code } });
      expect(reply.error!.message, `request ${rid}`).toMatch(message);
    }
    expect(await raw.reply(0)).toMatchObject({ ok: false, error: { code: 'SCHEMA_INVALID' } });

    // The same connection still works, and the node saw none of it.
    raw.send({ kind: 'req', rid: 10, method: 'status', params: {} });
    expect(await raw.reply(10)).toMatchObject({ ok: true, result: { nick: 'n0' } });
    expect(node.status().nick).toBe('n0');
    expect(node.history({ room: 'lobby' })).toEqual([]);
    expect(node.status().directs).toEqual([]);
  });

  it('an oversized frame is refused with FRAME_TOO_LARGE and closes that connection only', async () => {
    mesh = await TestMesh.start(1);
    const node = mesh.nodes[0].node;
    const server = new ControlServer(new NodeChatApi(node), dataFiles(node.dataDir).socket, silentLogger);
    await server.start();
    servers.push(server as ControlServer<object>);
    const good = await ControlClient.connect(server.path);
    closers.push(() => good.close());
    const raw = new RawClient(server.path);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(CONTROL_MAX_FRAME_BYTES + 1);
    raw.write(header);
    expect(await raw.reply(0)).toMatchObject({ ok: false, error: { code: 'FRAME_TOO_LARGE' } });
    await waitFor(() => raw.isClosed, 'the server to close the connection', { timeoutMs: 30_000 });
    expect((await good.status()).nick).toBe('n0');
    await good.send({ kind: 'room', room: 'lobby' }, 'still here');
    expect(node.history({ room: 'lobby' }).map((m) => m.text)).toEqual(['still here']);
  });
});
