/**
 * A link whose one direction holds seconds of queued data (a history sync over slow Wi-Fi) stays up:
 * the sender's pings wait behind its data, so it must hear the receiver's own pings, not only pongs.
 * Two real Links on real time through a proxy that passes X → Y at 1 MB/s; X queues ~2.5 MB, so
 * everything X sends (pongs included) arrives ~2.5 s late, against an idle timeout of 1.5 s.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import {
  generateIdentity,
  Link,
  type LinkClosed,
  silentLogger,
  systemClock,
} from '../../src/daemon/index.js';
import { waitFor, waitForEvent } from '../helpers/wait.js';

const RATE = 1_000_000; // bytes a second, X → Y
const FRAME_IDS = 1024; // one ihave frame of 1024 ids is ~16.4 KB
const FRAMES = 150; // ~2.5 MB: ~2.5 s through the proxy
const TIMINGS = { handshakeTimeoutMs: 5000, pingIntervalMs: 500, idleTimeoutMs: 1500 };

const servers: Server[] = [];
const links: Link[] = [];
afterEach(() => {
  for (const l of links.splice(0)) l.destroy('test over');
  for (const s of servers.splice(0)) s.close();
});

/** Listens on 127.0.0.1:0; resolves with the server and its port. */
async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A proxy to `port` that passes client → server at RATE bytes a second, and the other way at once. */
function throttlingProxy(port: number): Server {
  return createServer((fromX) => {
    const toY = connect(port, '127.0.0.1');
    toY.pipe(fromX);
    const queue: Buffer[] = [];
    let held = 0;
    fromX.on('data', (d: Buffer) => {
      queue.push(d);
      held += d.length;
      if (held > 65536) fromX.pause(); // so the backlog builds up in X's own queue, as on a slow link
    });
    const pump = setInterval(() => {
      for (let budget = RATE / 100; budget > 0 && queue.length > 0;) {
        const head = queue[0];
        const n = Math.min(budget, head.length);
        toY.write(head.subarray(0, n));
        budget -= n;
        held -= n;
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
      if (held <= 65536) fromX.resume();
    }, 10);
    fromX.on('close', () => {
      clearInterval(pump);
      toY.destroy();
    });
    toY.on('close', () => fromX.destroy());
    fromX.on('error', () => undefined);
    toY.on('error', () => undefined);
  });
}

function link(socket: Socket, direction: 'inbound' | 'outbound'): Link {
  const l = new Link({
    socket,
    direction,
    identity: generateIdentity(),
    hello: () => ({ nick: direction, port: 0, rooms: ['lobby'] }),
    clock: systemClock,
    logger: silentLogger,
    timings: TIMINGS,
  });
  links.push(l);
  return l;
}

it('a sender with seconds of data queued is not timed out by its live receiver, nor it', async () => {
  const yServer = createServer();
  const yPort = await listen(yServer);
  const accepted = waitForEvent<[Socket]>(yServer, 'connection', 'the proxied connection');
  const proxyPort = await listen(throttlingProxy(yPort));
  const x = link(connect(proxyPort, '127.0.0.1'), 'outbound');
  const y = link((await accepted)[0], 'inbound');
  const closed: string[] = [];
  x.on('closed', (c: LinkClosed) => closed.push(`x: ${c.code} ${c.reason}`));
  y.on('closed', (c: LinkClosed) => closed.push(`y: ${c.code} ${c.reason}`));
  let received = 0;
  y.on('message', () => received++);
  const up = Promise.all([waitForEvent(x, 'up', 'x up'), waitForEvent(y, 'up', 'y up')]);
  x.start();
  y.start();
  await up;

  const ids = Array.from({ length: FRAME_IDS }, (_, i) => Uint8Array.from({ length: 16 }, () => i & 0xff));
  for (let i = 0; i < FRAMES; i++) x.send({ kind: 'ihave', ids });
  expect(x.queuedBytes).toBeGreaterThan(2 * RATE); // two seconds of data ahead of any pong
  await waitFor(() => received === FRAMES || closed.length > 0, 'the backlog to drain, or a link to close', {
    timeoutMs: 20_000,
  });
  expect(closed).toEqual([]);
  expect(received).toBe(FRAMES);
}, 30_000);
