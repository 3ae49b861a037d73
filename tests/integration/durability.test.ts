/**
 * Durability across a crash: a daemon killed with SIGKILL in the middle of many `konnect send` calls
 * restarts with an intact database holding every id `konnect send` printed, and its peer has them too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const base = mkdtempSync(join(tmpdir(), 'konnect-durable-'));
afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

async function historyIds(dir: string): Promise<Set<string>> {
  const r = await runCli(['history', '--json', '--limit', '10000', '--data-dir', dir]);
  if (r.code !== 0) throw new Error(`history in ${dir} failed (${r.code}): ${r.stderr}`);
  return new Set((JSON.parse(r.stdout) as { id: string }[]).map((h) => h.id));
}

describe('durability', () => {
  it('every id printed by konnect send survives a SIGKILL of the daemon and reaches its peer', async () => {
    const aDir = join(base, 'a');
    const bDir = join(base, 'b');
    const common = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--log-level', 'warn'];
    const b = new DaemonProcess(bDir, ['--nick', 'bee', ...common]);
    const bPort = (await b.ready()).port;
    let a = new DaemonProcess(aDir, ['--nick', 'ant', ...common, '--peer', `127.0.0.1:${bPort}`]);
    await a.ready();

    const printed: string[] = [];
    let killed = false;
    const worker = async (w: number) => {
      for (let k = 0; k < 200 && !killed; k++) {
        const r = await runCli(['send', '--data-dir', aDir, `worker ${w} message ${k}`]);
        if (r.code !== 0) return; // the daemon is gone: nothing was acknowledged for this call
        printed.push(r.stdout.trim());
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    await waitFor(() => printed.length >= 40, '40 acknowledged sends before the kill', { timeoutMs: 60_000 });
    a.child.kill('SIGKILL');
    killed = true;
    await a.exited;
    await Promise.all(workers);
    expect(printed.length).toBeGreaterThanOrEqual(40);

    a = new DaemonProcess(aDir, ['--nick', 'ant', ...common, '--peer', `127.0.0.1:${bPort}`]);
    await a.ready();
    const afterRestart = await historyIds(aDir);
    const lostAtOrigin = printed.filter((id) => !afterRestart.has(id));
    expect(lostAtOrigin, 'acknowledged ids missing from the restarted daemon').toEqual([]);
    await waitFor(
      async () => {
        const atPeer = await historyIds(bDir);
        return printed.every((id) => atPeer.has(id));
      },
      'every acknowledged id to reach the peer (live or by sync after the restart)',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }, 180_000);
});
