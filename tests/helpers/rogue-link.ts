/**
 * A peer under the test's control: a real TCP connection to a node that completes the handshake with
 * its own key and then sends whatever the test writes (forged floods, lying sync, junk). The caller
 * destroys it (link.destroy()) when done.
 */
import { connect } from 'node:net';
import { generateIdentity, type Identity, Link, silentLogger, systemClock } from '../../src/daemon/index.js';
import { waitForEvent } from './wait.js';

export async function rogueLink(
  address: string,
  options: { identity?: Identity; nick?: string; rooms?: string[] } = {},
): Promise<Link> {
  const [host, port] = address.split(':');
  const socket = connect({ host, port: Number(port) });
  socket.on('error', () => undefined); // the link reports the close; an unhandled error must not crash the test
  await waitForEvent(socket, 'connect', `a connection to ${address}`);
  const link = new Link({
    socket,
    direction: 'outbound',
    identity: options.identity ?? generateIdentity(),
    hello: () => ({ nick: options.nick ?? 'mallory', port: 0, rooms: options.rooms ?? ['lobby'] }),
    clock: systemClock,
    logger: silentLogger,
  });
  const up = waitForEvent(link, 'up', `the handshake with ${address}`);
  link.start();
  await up;
  return link;
}
