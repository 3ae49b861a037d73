/**
 * The set-up README recommends where multicast fails, as real processes: daemons on 127.0.0.1 with
 * --no-mdns reaching a hub through --peer. The hub is killed with SIGKILL and restarted with the same
 * flags: the links come back on both sides. Then a spoke is killed and restarted without --peer: it
 * redials whom it knew from the peers.json it kept while running.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'konnect-rejoin-'));
});
afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

/** A port nothing listens on right now, so the hub can be restarted on the same one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

async function status(dir: string): Promise<{ links: number } | null> {
  const r = await runCli(['status', '--json', '--data-dir', dir]);
  return r.code === 0 ? JSON.parse(r.stdout) : null;
}

async function linkedTo(dir: string, id: string): Promise<boolean> {
  const r = await runCli(['peers', '--all', '--json', '--data-dir', dir]);
  if (r.code !== 0) return false;
  return (JSON.parse(r.stdout) as { id: string; linked: boolean }[]).some((p) => p.id === id && p.linked);
}

/** Generous: each poll starts a CLI process, seconds apiece on a loaded machine. */
const BOUND = { timeoutMs: 90_000, intervalMs: 250 };

describe('a crashed daemon rejoins its --peer mesh', () => {
  it(
    'SIGKILL and restart with the same flags: links come back on both sides; without --peer too',
    { timeout: 600_000 },
    async () => {
      const port = await freePort();
      const common = ['--host', '127.0.0.1', '--no-mdns'];
      const hubArgs = ['--nick', 'hub', '--port', String(port), ...common];
      const hubDir = join(base, 'hub');
      let hub = new DaemonProcess(hubDir, hubArgs);
      const hubId = (await hub.ready()).id;
      const spokes = ['b', 'c'].map(
        (nick) =>
          new DaemonProcess(join(base, nick), [
            '--nick',
            nick,
            '--port',
            '0',
            '--peer',
            `127.0.0.1:${port}`,
            '--log-level',
            'debug',
            ...common,
          ]),
      );
      const spokeIds = await Promise.all(spokes.map(async (d) => (await d.ready()).id));
      await waitFor(async () => (await status(hubDir))?.links === 2, 'the hub to hold two links', BOUND);
      const logFrom = spokes.map((d) => d.logLines.length);
      await hub.stop('SIGKILL');
      // Several failed dials each: past three the old code never dialled the hub again.
      const dialFailed = new RegExp(`dial failed.*address=127\\.0\\.0\\.1:${port}\\b`);
      for (const [i, d] of spokes.entries()) {
        await waitFor(
          () => d.logMatches(dialFailed, logFrom[i]).length >= 4,
          `${d.dataDir} to keep dialling the killed hub (four failed dials)`,
          BOUND,
        );
      }
      hub = new DaemonProcess(hubDir, hubArgs);
      await hub.ready();
      await waitFor(
        async () => (await status(hubDir))?.links === 2,
        'the restarted hub to hold two links',
        BOUND,
      );
      for (const d of spokes)
        await waitFor(() => linkedTo(d.dataDir, hubId), `${d.dataDir} to link to the hub`, BOUND);

      // The spokes keep their peer list while running (not only at a clean stop): wait for b's.
      await waitFor(
        () => {
          try {
            return readFileSync(join(spokes[0].dataDir, 'peers.json'), 'utf8').includes(hubId);
          } catch {
            return false;
          }
        },
        'b to write the hub into its peers.json',
        BOUND,
      );

      // b crashes and comes back with no --peer at all: its peers.json brings it back to the hub.
      await spokes[0].stop('SIGKILL');
      const bare = new DaemonProcess(spokes[0].dataDir, ['--nick', 'b', '--port', '0', ...common]);
      await bare.ready();
      await waitFor(
        () => linkedTo(bare.dataDir, hubId),
        'b, restarted without --peer, to link to the hub',
        BOUND,
      );
      await waitFor(() => linkedTo(hubDir, spokeIds[0]), 'the hub to see b linked again', BOUND);
    },
  );
});
