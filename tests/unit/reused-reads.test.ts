/**
 * A dialled link socket's reads (reused-reads.ts): every byte reaches the sink once and in order,
 * those read before the link took the socket first, and the reads after that all land in the one
 * buffer the socket owns (no new Buffer per read); for a dialled socket and for an accepted one
 * switched over, also after a sorter read its first bytes and unshifted them.
 */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptReads, connectReusingReads, readsOf } from '../../src/daemon/links/reused-reads.js';
import { waitFor } from '../helpers/wait.js';

const BYTES = 1024 * 1024;
const pattern = Buffer.from(Array.from({ length: BYTES }, (_, i) => (i * 7 + (i >> 11)) & 0xff));

let server: Server | null = null;
afterEach(() => {
  server?.close();
  server = null;
});

async function serving(onAccept: (write: () => void) => void): Promise<number> {
  server = createServer((socket) => onAccept(() => socket.end(pattern)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** Collects copies of what the sink is given until the peer ends; bounded. */
function collect(socket: Socket, buffers: Set<ArrayBufferLike>) {
  const parts: Buffer[] = [];
  readsOf(socket)!.take((bytes) => {
    buffers.add(bytes.buffer);
    parts.push(Buffer.from(bytes)); // a copy: the bytes are valid during the call only
  });
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the peer did not end within 10 s')), 10_000);
    socket.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    });
    socket.once('error', reject);
  });
}

describe('connectReusingReads', () => {
  it('gives every byte in order, from one reused buffer', async () => {
    const port = await serving((write) => write());
    const socket = connectReusingReads('127.0.0.1', port);
    await once(socket, 'connect');
    const buffers = new Set<ArrayBufferLike>();
    const got = await collect(socket, buffers);
    socket.destroy();
    expect(got.equals(pattern)).toBe(true);
    // 1 MiB in reads of at most 64 KiB, all into one buffer (taken in the tick it connected: nothing
    // was read, and held as a copy, before).
    expect(buffers.size).toBe(1);
  });

  it('gives two sockets reading at once each its own bytes, through the one shared buffer', async () => {
    // Each accepted connection is sent the pattern XOR a byte of its own, so bytes read into the shared
    // buffer for one and handed to the other would show.
    const variant = (k: number) => Buffer.from(pattern.map((b) => b ^ k));
    const variants = [variant(0x00), variant(0x5a)];
    let accepted = 0;
    server = createServer((socket) => socket.end(variants[accepted++]));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const [one, two] = [connectReusingReads('127.0.0.1', port), connectReusingReads('127.0.0.1', port)];
    await Promise.all([once(one, 'connect'), once(two, 'connect')]);
    const buffers = new Set<ArrayBufferLike>();
    const got = await Promise.all([collect(one, buffers), collect(two, buffers)]);
    one.destroy();
    two.destroy();
    const which = got.map((g) => variants.findIndex((v) => v.equals(g)));
    expect(which.sort()).toEqual([0, 1]);
    expect(buffers.size).toBe(1);
  });

  it('holds what arrives before the link takes the socket, and gives it first', async () => {
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const port = await serving((write) => {
      write();
      written();
    });
    const socket = connectReusingReads('127.0.0.1', port);
    await once(socket, 'connect');
    await wrote;
    // Let the socket read some of it with no sink yet: one poll of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    const got = await collect(socket, new Set());
    socket.destroy();
    expect(got.equals(pattern)).toBe(true);
  });

  it('is not what a plain socket is: readsOf says to read its data events', () => {
    expect(readsOf({})).toBeUndefined();
    expect(adoptReads({})).toBeUndefined();
  });
});

describe('adoptReads (an accepted socket)', () => {
  /** A server whose accepted socket goes to `onSocket`; the client sends the pattern and ends. */
  async function accepted(onSocket: (socket: Socket) => void): Promise<void> {
    server = createServer(onSocket);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    client.on('error', () => undefined);
    client.end(pattern);
  }

  it('switches an accepted socket of this Node to one reused buffer, every byte in order', async () => {
    const buffers = new Set<ArrayBufferLike>();
    let got!: Promise<Buffer>;
    let adopted: unknown;
    await accepted((socket) => {
      adopted = adoptReads(socket);
      got = collect(socket, buffers);
    });
    await waitFor(() => got !== undefined, 'the server to accept the connection');
    expect(adopted, 'node:net fields behind onread not found: reads fall back to data events').toBeDefined();
    expect((await got).equals(pattern)).toBe(true);
    expect(buffers.size).toBe(1);
  });

  it('gives first what a sorter read and unshifted before the link took the socket', async () => {
    let got!: Promise<Buffer>;
    await accepted((socket) => {
      socket.once('data', (first: Buffer) => {
        socket.pause();
        socket.unshift(first);
        expect(adoptReads(socket)).toBeDefined();
        got = collect(socket, new Set());
        socket.resume();
      });
    });
    await waitFor(() => got !== undefined, 'the first bytes to arrive');
    expect((await got).equals(pattern)).toBe(true);
  });
});
