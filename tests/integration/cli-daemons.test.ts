/**
 * Five real `konnect daemon` processes on 127.0.0.1 with --no-mdns, each given only the previous one as
 * --peer, driven entirely through `konnect send` and `konnect history --json`; plus the CLI's exit
 * codes and error sentences.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../../src/daemon/index.js';
import { nodeCrypto } from '../../src/crypto-node/index.js';
import { encodePayload, newMessageId } from '../../src/wire/index.js';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { rogueLink } from '../helpers/rogue-link.js';
import { waitFor } from '../helpers/wait.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'konnect-cli-'));
});
afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

interface HistoryEntry {
  id: string;
  room?: string;
  direct?: boolean;
  from: string;
  nick: string;
  ts: number;
  text: string;
}

async function history(dataDir: string, extra: string[] = []): Promise<HistoryEntry[]> {
  const r = await runCli(['history', '--json', '--limit', '1000', '--data-dir', dataDir, ...extra]);
  if (r.code !== 0) throw new Error(`history failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as HistoryEntry[];
}

describe('five daemons in a line, driven by the CLI', () => {
  it('every message sent anywhere is in every history, once, in the same order', async () => {
    const daemons: DaemonProcess[] = [];
    let previousPort: number | null = null;
    for (let i = 0; i < 5; i++) {
      const dir = join(base, `d${i}`);
      const args = [
        '--nick',
        `node${i}`,
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--no-mdns',
        '--log-level',
        'warn',
      ];
      if (previousPort !== null) args.push('--peer', `127.0.0.1:${previousPort}`);
      const d = new DaemonProcess(dir, args);
      daemons.push(d);
      previousPort = (await d.ready()).port;
    }
    const dirs = daemons.map((d) => d.dataDir);
    // Wait until the last daemon knows all the others (presence flooded across the line).
    await waitFor(async () => {
      const r = await runCli(['peers', '--json', '--data-dir', dirs[4]]);
      return r.code === 0 && JSON.parse(r.stdout).length === 4;
    }, 'the last daemon to see four peers online');

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await runCli(['send', '--data-dir', dirs[i], `hello from node${i}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
      ids.push(r.stdout.trim());
    }
    for (const dir of dirs) {
      await waitFor(
        async () => (await history(dir)).filter((h) => ids.includes(h.id)).length === 5,
        `all five messages in ${dir}`,
      );
    }
    const orders = await Promise.all(dirs.map(async (dir) => (await history(dir)).map((h) => h.id)));
    for (const order of orders) expect(order).toEqual(orders[0]);
    const first = (await history(dirs[4]))[0];
    expect(first).toMatchObject({
      room: 'lobby',
      nick: expect.stringMatching(/^node\d$/),
      text: expect.stringMatching(/^hello from node\d$/),
    });
    expect(first.from).toMatch(/^[0-9a-f]{64}$/);

    // A direct message from one end of the line to the other, by nick.
    const dm = await runCli(['send', '--data-dir', dirs[0], '--to', 'node4', 'psst, end to end']);
    expect(dm.code, dm.stderr).toBe(0);
    const dmId = dm.stdout.trim();
    await waitFor(
      async () =>
        (await history(dirs[4], ['--with', 'node0'])).some(
          (h) => h.id === dmId && h.text === 'psst, end to end',
        ),
      'the direct message at node4',
    );
    expect((await history(dirs[2], ['--with', 'node0'])).some((h) => h.id === dmId)).toBe(false);

    // Unknown recipient: a clear error, exit 1.
    const unknown = await runCli(['send', '--data-dir', dirs[0], '--to', 'nobody', 'hi']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no known peer matches "nobody"/);

    // A second daemon on the same data directory is refused and leaves the first one reachable.
    const second = await runCli([
      'daemon',
      '--data-dir',
      dirs[0],
      '--no-mdns',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/already running/);
    expect((await runCli(['status', '--data-dir', dirs[0]])).code).toBe(0);

    // SIGINT: a clean stop removes the control socket; then status says no daemon (exit 3).
    expect(await daemons[2].stop('SIGINT')).toBe(0);
    const none = await runCli(['status', '--data-dir', dirs[2]]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no daemon/i);
  });
});

describe('hostile text through the CLI', () => {
  it('history strips escape sequences from peer text and survives a timestamp no Date can hold', async () => {
    const dir = join(base, 'victim');
    const d = new DaemonProcess(dir, [
      '--nick',
      'victim',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--no-mdns',
      '--log-level',
      'warn',
    ]);
    const { port } = await d.ready();
    const mallory = generateIdentity();
    const link = await rogueLink(`127.0.0.1:${port}`, { identity: mallory });
    try {
      const send = (text: string, ts: number) => {
        const id = newMessageId();
        const payload = encodePayload({
          kind: 'chat',
          id,
          from: mallory.id,
          ts,
          room: 'lobby',
          nick: 'mallory',
          text,
        });
        link.send({ kind: 'flood', id, hops: 1, payload, sig: nodeCrypto.sign(payload, mallory.signingKey) });
      };
      send('title \u001b]0;pwned\u0007 and \u001b[2J clear', Date.now());
      send('from the end of time', Number.MAX_SAFE_INTEGER);
      await waitFor(
        async () => (await runCli(['history', '--json', '--data-dir', dir])).stdout.includes('end of time'),
        'both messages stored',
      );
      const r = await runCli(['history', '--data-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('\u001b');
      expect(r.stdout).toContain('<mallory> title');
      expect(r.stdout).toContain(`@${Number.MAX_SAFE_INTEGER} #lobby <mallory> from the end of time`);
    } finally {
      link.destroy();
      await d.stop('SIGINT');
    }
  });
});

describe('CLI errors', () => {
  it('usage errors exit 2 with one sentence', async () => {
    const bad = await runCli(['send', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const cmd = await runCli(['frobnicate']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toMatch(/unknown command "frobnicate"/);
    const wrong = await runCli(['status', '--peer', '1.2.3.4:5']);
    expect(wrong.code).toBe(2);
  });

  it('no daemon exits 3 and says how to start one', async () => {
    const r = await runCli(['history', '--data-dir', join(base, 'empty')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/konnect daemon/);
  });

  it('--help lists every command and flag', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const word of [
      'daemon',
      'status',
      'peers',
      'send',
      'history',
      'doctor',
      '--data-dir',
      '--peer',
      '--no-mdns',
      '--json',
      '--to',
      '--with',
    ]) {
      expect(r.stdout).toContain(word);
    }
  });
});
