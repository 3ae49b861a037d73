/**
 * A link closed for what its peer sent leaves one line at the default log level (info), with the
 * code and the address; a peer doing it again and again from one address does not flood the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createNode, type KonnectNode, type Link } from '../../src/daemon/index.js';
import { encodeFrame } from '../../src/wire/index.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor, waitForEvent } from '../helpers/wait.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A node logging at `info`, as a daemon does by default, into `lines`. */
async function nodeWithLog(): Promise<{ node: KonnectNode; address: string; lines: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'konnect-badlink-'));
  const lines: string[] = [];
  const node = createNode(
    { dataDir, nick: 'victim', host: '127.0.0.1', port: 0 },
    { logger: createLogger('info', { write: (s: string) => lines.push(s) }) },
  );
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  cleanup.push(() => node.stop());
  await node.start();
  return { node, address: `127.0.0.1:${node.status().port}`, lines };
}

/** Connects, writes `bytes`, and resolves when the node has closed the connection. */
async function sendAndAwaitClose(address: string, bytes: Uint8Array): Promise<void> {
  const [host, port] = address.split(':');
  const socket: Socket = connect({ host, port: Number(port) });
  cleanup.push(() => socket.destroy());
  socket.on('error', () => undefined);
  socket.resume();
  const closed = waitForEvent(socket, 'close', `the node to close the link after ${bytes.length} bytes`, {
    timeoutMs: 30_000,
  });
  await waitForEvent(socket, 'connect', `a connection to ${address}`);
  socket.write(bytes);
  await closed;
}

const badLinkLines = (lines: string[], code: string) =>
  lines.filter(
    (l) => / info  .*\bcode=/.test(l) && l.includes(`code=${code}`) && l.includes('address=127.0.0.1'),
  );

describe('bad links at the default log level', () => {
  it('a frame claiming 4 GiB is logged once with its code and address; more from that address are held back', async () => {
    const { address, lines } = await nodeWithLog();
    await sendAndAwaitClose(address, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await waitFor(
      () => badLinkLines(lines, 'FRAME_TOO_LARGE').length === 1,
      'one info line for FRAME_TOO_LARGE',
      {
        timeoutMs: 30_000,
      },
    );
    // Garbage from the same address right after: closed as well, but not logged again.
    await sendAndAwaitClose(address, Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]));
    await sendAndAwaitClose(address, Buffer.from([0xff, 0xff, 0xff, 0xff]));
    expect(badLinkLines(lines, 'FRAME_TOO_LARGE')).toHaveLength(1);
    expect(badLinkLines(lines, 'FRAME_MALFORMED')).toHaveLength(0);
  });

  it('garbage is logged with FRAME_MALFORMED', async () => {
    const { address, lines } = await nodeWithLog();
    await sendAndAwaitClose(address, Buffer.from([0, 0, 0, 5, 0xc1, 0xc1, 0xc1, 0xc1, 0xc1]));
    await waitFor(
      () => badLinkLines(lines, 'FRAME_MALFORMED').length === 1,
      'one info line for FRAME_MALFORMED',
      {
        timeoutMs: 30_000,
      },
    );
  });

  it('a hello that violates its schema is logged with SCHEMA_INVALID', async () => {
    const { address, lines } = await nodeWithLog();
    await sendAndAwaitClose(address, encodeFrame({ kind: 'hello', v: 1, id: 'not a key', nick: 42 }));
    await waitFor(
      () => badLinkLines(lines, 'SCHEMA_INVALID').length === 1,
      'one info line for SCHEMA_INVALID',
      {
        timeoutMs: 30_000,
      },
    );
  });

  it('a schema violation after the handshake is logged with SCHEMA_INVALID', async () => {
    const { address, lines } = await nodeWithLog();
    const link: Link = await rogueLink(address);
    cleanup.push(() => link.destroy());
    const closed = waitForEvent(link, 'closed', 'the node to close the rogue link', { timeoutMs: 30_000 });
    link.sendFrame(encodeFrame({ kind: 'ping', n: 'not a number' }));
    await closed;
    await waitFor(
      () => badLinkLines(lines, 'SCHEMA_INVALID').length === 1,
      'one info line for SCHEMA_INVALID',
      {
        timeoutMs: 30_000,
      },
    );
  });
});
