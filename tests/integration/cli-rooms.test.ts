/**
 * Rooms from the command line: `konnect join ROOM` / `konnect leave ROOM` through a running daemon,
 * rooms joined that way still there after the daemon restarts, and `send --room` to a room not joined
 * saying how to join it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(async () => {
  await killAllDaemons();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const flags = ['--no-mdns', '--host', '127.0.0.1', '--port', '0'];

describe('konnect join / leave', () => {
  it('joins and leaves rooms, remembered across a daemon restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'konnect-rooms-'));
    dirs.push(dataDir);
    const d = ['--data-dir', dataDir];
    const first = new DaemonProcess(dataDir, flags);
    await first.ready(60_000);

    const refused = await runCli(['send', '--room', 'dev', 'hello', ...d], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('not in room dev: join it first (konnect join dev');

    const joined = await runCli(['join', '#Dev', ...d], { timeoutMs: 60_000 });
    expect(joined).toMatchObject({ code: 0, stdout: 'joined #dev\n' });
    expect((await runCli(['join', 'dev', ...d], { timeoutMs: 60_000 })).stdout).toBe('already in #dev\n');
    const sent = await runCli(['send', '--room', 'dev', 'hello', ...d], { timeoutMs: 60_000 });
    expect(sent.code).toBe(0);

    await first.stop('SIGINT');
    const second = new DaemonProcess(dataDir, flags);
    const status = await second.ready(60_000);
    expect((status as unknown as { rooms: string[] }).rooms).toEqual(['lobby', 'dev']);

    const left = await runCli(['leave', 'dev', ...d], { timeoutMs: 60_000 });
    expect(left).toMatchObject({ code: 0, stdout: 'left #dev\n' });
    const notIn = await runCli(['leave', 'dev', ...d], { timeoutMs: 60_000 });
    expect(notIn.code).toBe(1);
    expect(notIn.stderr).toContain('not in room dev');
    const usage = await runCli(['join', ...d], { timeoutMs: 60_000 });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('konnect join takes one room name');
    await second.stop();
    // A usage error is one before any daemon is asked.
    const noDaemon = await runCli(['leave', 'a', 'b', ...d], { timeoutMs: 60_000 });
    expect(noDaemon.code).toBe(2);
  });
});
