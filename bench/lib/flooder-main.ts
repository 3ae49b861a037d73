/**
 * A hostile member in a process of its own (so its signing and writing do not share the victim's
 * event loop): `node dist/bench/lib/flooder-main.js PORT SECONDS COUNT`. It links to 127.0.0.1:PORT
 * with a fresh key (a valid member: any key that completes the handshake), signs COUNT distinct chat
 * messages up front, prints "up", then writes them as fast as TCP takes them for at most SECONDS, and
 * prints one JSON line: how many it wrote, over how long, and how its link ended if it did.
 */
import { performance } from 'node:perf_hooks';
import { generateIdentity, Link, silentLogger, systemClock } from '../../src/daemon/index.js';
import { flood, floodFrames } from '../../tests/helpers/flooder.js';
import { connect } from 'node:net';

async function main(): Promise<void> {
  const [port, seconds, count] = process.argv.slice(2).map(Number);
  const identity = generateIdentity();
  const frames = floodFrames(identity, count);
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const link = new Link({
    socket,
    direction: 'outbound',
    identity,
    hello: () => ({ nick: 'flooder', port: 0, rooms: ['lobby'] }),
    clock: systemClock,
    logger: silentLogger,
  });
  let closed: string | null = null;
  link.on('closed', (c) => (closed = `${c.code} ${c.reason}`));
  await new Promise<void>((resolve, reject) => {
    link.once('up', () => resolve());
    link.once('closed', (c) => reject(new Error(`closed during the handshake: ${c.code}`)));
    link.start();
  });
  process.stdout.write('up\n');
  const t0 = performance.now();
  const written = await flood(link, frames, () => performance.now() - t0 > seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ written, seconds: elapsed, closed, idHex: identity.idHex })}\n`);
  link.close('done');
  setTimeout(() => process.exit(0), 200);
}

main().catch((err: unknown) => {
  process.stderr.write(`flooder: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
