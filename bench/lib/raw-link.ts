/**
 * Bare links: a konnect Link (real handshake, keepalive, framing) from a throwaway identity, with no node
 * behind it. The benchmarks use them to give a daemon many peers, or to feed a relay signed flood frames
 * and read what it forwards, without the cost of a whole node per link.
 */
import { connect } from 'node:net';
import { generateIdentity, Link, silentLogger, systemClock } from '../../src/daemon/index.js';

export async function openRawLink(
  port: number,
  nick: string,
  rooms = ['lobby'],
  timeoutMs = 10_000,
): Promise<Link> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const link = new Link({
    socket,
    direction: 'outbound',
    identity: generateIdentity(),
    hello: () => ({ nick, port: 0, rooms }),
    clock: systemClock,
    logger: silentLogger,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`link ${nick}: no handshake in ${timeoutMs} ms`)),
      timeoutMs,
    );
    link.once('up', () => {
      clearTimeout(timer);
      resolve();
    });
    link.once('closed', (closed) => {
      clearTimeout(timer);
      reject(new Error(`link ${nick} closed during the handshake: ${closed.code} ${closed.reason}`));
    });
    link.start();
  });
  return link;
}
