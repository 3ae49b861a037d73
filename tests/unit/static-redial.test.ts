/**
 * Redialling, on a manual clock with every dial refused: a --peer address is dialled for as long as
 * the node runs, never more than a few seconds apart; a node with no link keeps trying the peers it
 * knew however often they failed.
 */
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { generateIdentity, LinkManager, PeerTable, silentLogger } from '../../src/daemon/index.js';
import { ManualClock } from '../helpers/manual-clock.js';

const managers: LinkManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
});

/** A LinkManager whose dials all fail with ECONNREFUSED; `dials` records when each was made. */
async function refusingManager(peers?: (table: PeerTable) => void) {
  const clock = new ManualClock();
  const identity = generateIdentity();
  const table = new PeerTable(identity.idHex);
  peers?.(table);
  const dials: number[] = [];
  const manager: LinkManager = new LinkManager({
    identity,
    peers: table,
    clock,
    logger: silentLogger,
    hello: (): { nick: string; port: number; rooms: string[] } => ({ nick: 'me', port: 0, rooms: ['lobby'] }),
    host: '127.0.0.1',
    port: 0,
    random: () => 1, // the longest jitter: the slowest redialling the node may do
    connect: () => {
      dials.push(clock.now());
      const socket = new Socket();
      process.nextTick(() =>
        socket.emit('error', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })),
      );
      return socket;
    },
  });
  managers.push(manager);
  await manager.start();
  /** Moves the clock in 100 ms steps, letting each refused dial settle. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      clock.advance(100);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { manager, table, dials, run, clock };
}

describe('redialling', () => {
  it('a --peer address that keeps refusing is dialled at least every 6 s, indefinitely', async () => {
    const { manager, dials, run } = await refusingManager();
    manager.addStatic('127.0.0.1:9');
    await run(10 * 60_000);
    const gaps = dials.slice(1).map((t, i) => t - dials[i]);
    expect(dials.length).toBeGreaterThan(100);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6100);
    expect(manager.staticStatus()[0]).toMatchObject({ lastError: 'refused' });
  });

  it('a node with no link keeps dialling a known peer that failed many times', async () => {
    const known = generateIdentity().idHex;
    const { dials, run, table } = await refusingManager((t) => {
      t.upsert(known, { nick: 'old', address: '127.0.0.1:9', signed: true });
    });
    await run(10 * 60_000);
    expect(table.get(known)!.failures).toBeGreaterThan(10);
    // After the first few (seconds apart) it is at the normal cap, 30 s, with jitter: at most 45 s apart.
    expect(dials.filter((t) => t > 5 * 60_000).length).toBeGreaterThanOrEqual(6);
  });
});
