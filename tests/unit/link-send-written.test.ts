/**
 * Link.sendFrame's `written` callback (what a pooled file-chunk frame waits for before it goes back to
 * its pool): it fires once the socket has written the frame, not while the frame still waits in the
 * socket's queue (a peer that does not read), and also when the link closes first or was closed
 * already; exactly once, and never before sendFrame returns. Two real Links over loopback TCP, and a
 * browser's link (WsLinkSocket) for the same callback through `ws`.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { generateIdentity, Link, silentLogger, WsLinkSocket } from '../../src/daemon/index.js';
import { encodeFrame, FILE_CHUNK_BYTES, type LinkMessage } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitFor, waitForEvent } from '../helpers/wait.js';

let server: Server | undefined;
const links: Link[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.destroy('test over');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function link(socket: Socket, direction: 'inbound' | 'outbound', clock: ManualClock): Link {
  const made = new Link({
    socket,
    direction,
    identity: generateIdentity(),
    hello: () => ({ nick: direction, port: 0, rooms: ['lobby'] }),
    clock,
    logger: silentLogger,
    maxQueueBytes: 64 * 1024 * 1024,
  });
  links.push(made);
  return made;
}

/** Two Links up over loopback: `a` sends, `b` receives (its socket too, to pause it). */
async function pair(): Promise<{ a: Link; b: Link }> {
  const clock = new ManualClock();
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer(resolve);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as { port: number };
  const a = link(connect({ host: '127.0.0.1', port }), 'outbound', clock);
  const b = link(await accepted, 'inbound', clock);
  const up = Promise.all([waitForEvent(a, 'up', 'a up'), waitForEvent(b, 'up', 'b up')]);
  a.start();
  b.start();
  await up;
  return { a, b };
}

/** A full file chunk's frame, its bytes named by `n`. */
const big = (n: number) =>
  encodeFrame({
    kind: 'file-chunk',
    root: new Uint8Array(32).fill(n),
    index: n,
    data: new Uint8Array(FILE_CHUNK_BYTES).fill(n),
  });

/**
 * Frames sent, a few a tick, until the socket keeps some of them unwritten after a turn of the event
 * loop (the peer reads nothing; the kernel takes a few MiB on loopback first), with their callbacks.
 */
async function fill(a: Link): Promise<{ frames: Uint8Array[]; written: number[] }> {
  const frames: Uint8Array[] = [];
  const written: number[] = [];
  for (let n = 0; n < 300 && a.queuedBytes < 1024 * 1024;) {
    for (let k = 0; k < 4; k++, n++) {
      const frame = big(n % 256);
      frames.push(frame);
      const i = n;
      expect(a.sendFrame(frame, () => written.push(i))).toBe(true);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  expect(a.queuedBytes, 'frames left in the socket queue').toBeGreaterThan(0);
  return { frames, written };
}

describe('Link.sendFrame(frame, written)', () => {
  it('calls back once the socket has written the frame, not while it waits', async () => {
    const { a, b } = await pair();
    const got: LinkMessage[] = [];
    b.on('message', (m) => got.push(m));
    b.pauseReading();
    const { frames, written } = await fill(a);
    // Some frames are still in the socket's queue, unwritten: their callbacks wait.
    await new Promise((r) => setTimeout(r, 20));
    expect(written.length).toBeLessThan(frames.length);
    // Once the peer reads, every callback fires, in order, and every frame arrives as it was sent.
    b.resumeReading();
    await waitFor(() => written.length === frames.length, 'every written callback');
    expect(written).toEqual(frames.map((_, n) => n));
    await waitFor(() => got.length === frames.length, 'every frame at the peer');
    got.forEach((m, n) => {
      expect(m).toMatchObject({ kind: 'file-chunk', index: n % 256 });
      expect((m as { data: Uint8Array }).data.every((byte) => byte === n % 256)).toBe(true);
    });
    expect(a.state).toBe('up');
  });

  it('calls back when the link closes before writing, and once only', async () => {
    const { a, b } = await pair();
    b.pauseReading();
    const { frames, written } = await fill(a);
    await new Promise((r) => setTimeout(r, 20));
    const before = written.length;
    expect(before).toBeLessThan(frames.length);
    a.destroy('gone');
    await waitFor(() => written.length === frames.length, 'the callbacks of unwritten frames');
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toEqual(frames.map((_, n) => n));
  });

  it('calls back, after returning, on a link already closed', async () => {
    const { a } = await pair();
    a.close('done');
    let called = 0;
    expect(a.sendFrame(big(1), () => called++)).toBe(false);
    expect(called).toBe(0);
    await waitFor(() => called === 1, 'the callback of a frame never sent');
  });

  it('calls back through a browser link (WsLinkSocket) once ws has written the frame', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise((r) => wss.once('listening', r));
    const received: Buffer[] = [];
    wss.on('connection', (ws) => ws.on('message', (data) => received.push(data as Buffer)));
    const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`);
    try {
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      const socket = new WsLinkSocket(ws, '127.0.0.1');
      const calls: (Error | null | undefined)[] = [];
      expect(socket.write(big(7), (err) => calls.push(err))).toBe(true);
      expect(calls).toEqual([]);
      await waitFor(() => calls.length === 1, 'the write callback');
      expect(calls[0]).toBeFalsy();
      await waitFor(() => received.length === 1, 'the message at the server');
      socket.destroy();
      let failed: Error | null | undefined;
      expect(socket.write(big(8), (err) => (failed = err))).toBe(false);
      await waitFor(() => failed, 'the callback of a write on a closed socket');
    } finally {
      ws.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});
