/**
 * `konnect peers --json` carries the trust fields (PROTOCOL.md §20): real daemons on 127.0.0.1 with
 * --no-mdns; alice pins bob's key on first sight, and a second daemon (a new data directory, so a new
 * key) taking the nick bob is listed as a NEW KEY against the key alice pinned; the plain listing says so.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../../src/daemon/index.js';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'konnect-cli-trust-'));
});
afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

const NODE = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--log-level', 'warn'];

async function peers(dataDir: string): Promise<PeerInfo[]> {
  const r = await runCli(['peers', '--all', '--json', '--data-dir', dataDir]);
  if (r.code !== 0) throw new Error(`peers failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as PeerInfo[];
}

describe('konnect peers --json', () => {
  it('has trust, pinnedKey, firstSeen and verifiedAt; a second key for a known nick is new-key', async () => {
    const alice = new DaemonProcess(join(base, 'alice'), ['--nick', 'alice', ...NODE]);
    const { port } = await alice.ready(60_000);
    const bob = new DaemonProcess(join(base, 'bob'), [
      '--nick',
      'bob',
      ...NODE,
      '--peer',
      `127.0.0.1:${port}`,
    ]);
    const bobId = (await bob.ready(60_000)).id;

    const first = await waitFor(
      async () => (await peers(alice.dataDir)).find((p) => p.id === bobId && p.trust === 'known'),
      'alice to list bob, pinned',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(first).toMatchObject({ nick: 'bob', trust: 'known', pinnedKey: bobId, verifiedAt: null });
    expect(first.firstSeen).toEqual(expect.any(Number));
    await bob.stop();

    const other = new DaemonProcess(join(base, 'bob-again'), [
      '--nick',
      'bob',
      ...NODE,
      '--peer',
      `127.0.0.1:${port}`,
    ]);
    const otherId = (await other.ready(60_000)).id;
    expect(otherId).not.toBe(bobId);
    const second = await waitFor(
      async () => (await peers(alice.dataDir)).find((p) => p.id === otherId && p.nick === 'bob'),
      'alice to list the second bob',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    expect(second).toMatchObject({ trust: 'new-key', pinnedKey: bobId, verifiedAt: null });
    expect(second.firstSeen).toBe(first.firstSeen); // the pin's, the first bob's first sight

    const plain = await runCli(['peers', '--data-dir', alice.dataDir]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/^bob .*NEW KEY/m);
  }, 240_000);
});
