/**
 * `konnect daemon --room ops --room-key-file FILE`: two daemons join #ops by a passphrase read from a
 * file; `konnect send --room ops` and `konnect history --room ops` work on the room by its name, the
 * key is kept (mode 0600) so a restart without the flag is still in the room and `konnect history`
 * reads the room with no node running, and a bad flag value is a usage error before anything is written.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
afterEach(async () => {
  await killAllDaemons();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const flags = ['--no-mdns', '--host', '127.0.0.1', '--port', '0'];

/** The key is derived after the control socket answers: wait until the daemon is in the room. */
async function inRoom(dataDir: string, room: string): Promise<void> {
  await waitFor(
    async () => {
      const r = await runCli(['status', '--json', '--data-dir', dataDir]);
      return r.code === 0 && (JSON.parse(r.stdout) as { rooms: string[] }).rooms.includes(room);
    },
    `the daemon in ${dataDir} to be in #${room}`,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe('konnect daemon --room-key-file', () => {
  it('joins a private room from a key file, sends and reads it by name, and keeps the key', async () => {
    const base = mkdtempSync(join(tmpdir(), 'konnect-privcli-'));
    dirs.push(base);
    const keyFile = join(base, 'ops.key');
    writeFileSync(keyFile, 'a long passphrase for ops\n', { mode: 0o600 });
    const aDir = join(base, 'a');
    const bDir = join(base, 'b');
    const a = new DaemonProcess(aDir, [...flags, '--room', 'ops', '--room-key-file', keyFile]);
    const aStatus = await a.ready(60_000);
    await inRoom(aDir, 'ops');
    const b = new DaemonProcess(bDir, [
      ...flags,
      '--peer',
      `127.0.0.1:${aStatus.port}`,
      '--room',
      'lobby',
      '--room',
      'ops',
      '--room-key-file',
      `ops=${keyFile}`,
    ]);
    await b.ready(60_000);
    await inRoom(bDir, 'ops');
    // B sees A in the room's opaque id before A writes.
    await waitFor(
      async () => {
        const r = await runCli(['peers', '--json', '--data-dir', bDir]);
        const peers = r.code === 0 ? (JSON.parse(r.stdout) as { rooms: string[] }[]) : [];
        return peers.some((p) => p.rooms.some((room) => room.startsWith('.')) && !p.rooms.includes('ops'));
      },
      'A in the opaque room at B',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const sent = await runCli(['send', '--room', 'ops', 'sealed by the cli', '--data-dir', aDir], {
      timeoutMs: 60_000,
    });
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(
      async () => {
        const r = await runCli(['history', '--room', 'ops', '--json', '--data-dir', bDir]);
        return r.code === 0 && r.stdout.includes('sealed by the cli');
      },
      'the message in B’s history of #ops',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const keys = join(bDir, 'room-keys.json');
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    expect(readFileSync(keys, 'utf8')).not.toContain('a long passphrase');

    // Restarted without the flag: still in #ops, and it still reads.
    await b.stop('SIGINT');
    const again = new DaemonProcess(bDir, [...flags, '--peer', `127.0.0.1:${aStatus.port}`]);
    expect(((await again.ready(60_000)) as unknown as { rooms: string[] }).rooms).toContain('ops');
    const history = await runCli(['history', '--room', 'ops', '--json', '--data-dir', bDir]);
    expect(history.stdout).toContain('sealed by the cli');

    // Stopped: `konnect history` reads the database itself and opens the room with the kept key.
    await again.stop('SIGINT');
    const offline = await runCli(['history', '--room', 'ops', '--data-dir', bDir]);
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout).toContain('sealed by the cli');
  }, 240_000);

  it('refuses a key file it cannot place or read, before anything is written', async () => {
    const base = mkdtempSync(join(tmpdir(), 'konnect-privcli-'));
    dirs.push(base);
    const dir = join(base, 'node');
    const two = await runCli([
      'daemon',
      '--data-dir',
      dir,
      ...flags,
      '--room',
      'a',
      '--room',
      'b',
      '--room-key-file',
      'x',
    ]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('ROOM=FILE');
    const missing = await runCli([
      'daemon',
      '--data-dir',
      dir,
      ...flags,
      '--room',
      'a',
      '--room-key-file',
      join(base, 'none'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect(existsSync(join(dir, 'identity.json'))).toBe(false);
  }, 120_000);
});
