/**
 * Keepalive (PROTOCOL.md §7.1): a side pings unless it has both heard and sent a frame in the last
 * half interval, and at least every RTT_REFRESH_INTERVALS; a link busy both ways carries no other
 * pings, on a link busy one way the listener pings, and no link is timed out while frames flow. Two
 * real Links over loopback TCP, their timers on a manual clock (keepalive-backlog.test.ts has the
 * real-time case of a queue that delays every pong).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateIdentity, Link, RTT_REFRESH_INTERVALS, silentLogger } from '../../src/daemon/index.js';
import type { LinkMessage } from '../../src/wire/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { waitFor, waitForEvent } from '../helpers/wait.js';

interface Side {
  link: Link;
  sent: () => string[];
  received: () => string[];
}

let server: Server | undefined;
const links: Link[] = [];
afterEach(async () => {
  for (const l of links.splice(0)) l.destroy('test over');
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

function side(socket: Socket, direction: 'inbound' | 'outbound', clock: ManualClock): Side {
  const link = new Link({
    socket,
    direction,
    identity: generateIdentity(),
    hello: () => ({ nick: direction, port: 0, rooms: ['lobby'] }),
    clock,
    logger: silentLogger,
  });
  links.push(link);
  const sent: string[] = [];
  const received: string[] = [];
  const send = link.send.bind(link);
  vi.spyOn(link, 'send').mockImplementation((m: LinkMessage) => {
    sent.push(m.kind);
    return send(m);
  });
  const internals = link as unknown as { onMessage(m: LinkMessage): void };
  const onMessage = internals.onMessage.bind(link);
  internals.onMessage = (m: LinkMessage) => {
    received.push(m.kind);
    onMessage(m);
  };
  return { link, sent: () => [...sent], received: () => [...received] };
}

/** Two linked sides, both up, their first pings answered. */
async function pair(clock: ManualClock): Promise<[Side, Side]> {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer(resolve);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as { port: number };
  const outbound = connect({ host: '127.0.0.1', port });
  const a = side(outbound, 'outbound', clock);
  const b = side(await accepted, 'inbound', clock);
  const up = Promise.all([waitForEvent(a.link, 'up', 'a up'), waitForEvent(b.link, 'up', 'b up')]);
  a.link.start();
  b.link.start();
  await up;
  await waitFor(() => a.link.rttMs !== null && b.link.rttMs !== null, 'both first pings answered');
  return [a, b];
}

const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length;
const ihave = (n: number): LinkMessage => ({
  kind: 'ihave',
  ids: [Uint8Array.from({ length: 16 }, () => n)],
});

/**
 * One keepalive interval with traffic 0.6 s into it (awaited at the far end; on the manual clock a
 * frame arrives at the time it was sent), then the check at its end.
 */
async function interval(clock: ManualClock, from: Side[], to: Side[]): Promise<void> {
  clock.advance(600);
  const before = to.map((s) => count(s.received(), 'ihave'));
  for (const s of from) s.link.send(ihave(clock.now() & 0xff));
  await waitFor(() => to.every((s, i) => count(s.received(), 'ihave') > before[i]), 'the traffic to arrive');
  clock.advance(400);
}

describe('keepalive', () => {
  it('an idle link is pinged every second, and answered', async () => {
    const clock = new ManualClock();
    const [a, b] = await pair(clock);
    for (let i = 1; i <= 5; i++) {
      const pongs = count(a.received(), 'pong') + count(b.received(), 'pong');
      clock.advance(1000);
      const pings = count(a.sent(), 'ping') + count(b.sent(), 'ping');
      expect(pings).toBeGreaterThanOrEqual(2 + i); // the first two, then at least one a second
      await waitFor(
        () => count(a.received(), 'pong') + count(b.received(), 'pong') > pongs,
        `the pong of interval ${i}`,
      );
    }
    expect([a.link.state, b.link.state]).toEqual(['up', 'up']);
  });

  it('a link busy both ways carries only the round-trip refresh pings, and stays up', async () => {
    const clock = new ManualClock();
    const [a, b] = await pair(clock);
    const pingsBefore = count(a.sent(), 'ping') + count(b.sent(), 'ping');
    for (let i = 1; i < RTT_REFRESH_INTERVALS; i++) {
      await interval(clock, [a, b], [b, a]);
      expect(count(a.sent(), 'ping') + count(b.sent(), 'ping'), `interval ${i}`).toBe(pingsBefore);
    }
    await interval(clock, [a, b], [b, a]);
    expect(count(a.sent(), 'ping')).toBe(2); // the first, then one refresh each
    expect(count(b.sent(), 'ping')).toBe(2);
    expect([a.link.state, b.link.state]).toEqual(['up', 'up']);
  });

  it('on a link busy one way the listener pings too: it keeps its own direction alive', async () => {
    const clock = new ManualClock();
    const [a, b] = await pair(clock);
    const fromB = () => count(a.received(), 'ping') + count(a.received(), 'pong');
    for (let i = 1; i <= 6; i++) {
      const heard = fromB();
      await interval(clock, [a], [b]); // a talks, b listens
      await waitFor(() => fromB() > heard, `a to hear from b in interval ${i}`);
    }
    // b hears a all the time and has nothing to say: it pings on its own (here in the intervals where
    // it did not happen to answer one of a's pings), so a never depends on b's pongs, which a queue of
    // data ahead of them would hold back.
    expect(count(b.sent(), 'ping')).toBeGreaterThanOrEqual(1 + 3);
    expect([a.link.state, b.link.state]).toEqual(['up', 'up']);
  });
});
