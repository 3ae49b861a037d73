/**
 * Trust in a real terminal (PROTOCOL.md §20): tmux runs `konnect` chat sessions on 127.0.0.1 with
 * --no-mdns and static peers. alice knows bob; bob leaves, and a second node (a new data directory, so
 * a new key) takes the nick bob: alice's screen says NEW KEY in the peers pane and before the line,
 * /trust accepts the key, and alice's own room message shows "seen by N/M" once the new bob holds it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '../../src/daemon/index.js';
import { cliPath, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && process.env.CI === 'true') throw new Error('tmux is required under CI (.ci/run installs it)');
const server = `konnect-trust-${process.pid}`;
const base = mkdtempSync(join(tmpdir(), 'konnect-tmux-trust-'));
/** Cross-process waits: generous, they end as soon as the screen shows it. */
const WAIT_MS = 60_000;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });
}

function screen(target: string): string {
  return tmux('capture-pane', '-p', '-t', target);
}

async function see(target: string, text: string | RegExp, what: string): Promise<string> {
  return waitFor(
    () => {
      const s = screen(target);
      return (typeof text === 'string' ? s.includes(text) : text.test(s)) ? s : null;
    },
    `${what} (screen of ${target} shows ${text})`,
    { timeoutMs: WAIT_MS, intervalMs: 150 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- last screen of ${target} ---\n${screen(target)}`);
  });
}

function type(target: string, line: string): void {
  tmux('send-keys', '-t', target, '-l', line);
  tmux('send-keys', '-t', target, 'Enter');
}

function start(name: string, args: string[]): void {
  const command = [process.execPath, cliPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  tmux('new-session', '-d', '-s', name, '-x', '110', '-y', '32', `env NO_COLOR=1 ${command}`);
}

function sessions(): string {
  try {
    return tmux('list-sessions', '-F', '#{session_name}');
  } catch {
    return ''; // no sessions left: the server exited
  }
}

async function peersOf(dataDir: string): Promise<PeerInfo[] | null> {
  const r = await runCli(['peers', '--all', '--json', '--data-dir', dataDir]);
  return r.code === 0 ? (JSON.parse(r.stdout) as PeerInfo[]) : null;
}

describe.skipIf(!hasTmux)('trust in a terminal (tmux)', () => {
  beforeAll(() => {
    tmux('start-server');
  });
  afterAll(() => {
    try {
      tmux('kill-server'); // ends the sessions this test started, and only them (own socket name)
    } catch {
      // already gone
    }
    rmSync(base, { recursive: true, force: true });
  });

  it('NEW KEY when a second node takes a known nick, /trust, and seen by N/M', async () => {
    const node = ['--host', '127.0.0.1', '--port', '0', '--no-mdns'];
    const aDir = join(base, 'alice');
    start('alice', ['--data-dir', aDir, '--nick', 'alice', ...node]);
    const { port } = await waitFor(
      async () => {
        const r = await runCli(['status', '--json', '--data-dir', aDir]);
        return r.code === 0 ? (JSON.parse(r.stdout) as { port: number }) : null;
      },
      "alice's node to answer on its control socket",
      { timeoutMs: WAIT_MS, intervalMs: 250 },
    );
    const peer = ['--peer', `127.0.0.1:${port}`];

    // The first bob: alice pins his key.
    const bobDir = join(base, 'bob');
    start('bob', ['--data-dir', bobDir, '--nick', 'bob', ...node, ...peer]);
    const bobId = (
      await waitFor(
        async () => (await peersOf(aDir))?.find((p) => p.nick === 'bob' && p.trust === 'known'),
        'alice to pin bob',
        { timeoutMs: WAIT_MS, intervalMs: 250 },
      )
    ).id;
    type('bob', 'hi, the real bob here');
    await see('alice', 'hi, the real bob here', "the first bob's line at alice");
    expect(screen('alice')).not.toContain('NEW KEY');
    type('bob', '/quit');
    await waitFor(() => !sessions().includes('bob'), 'the first bob to quit', { timeoutMs: WAIT_MS });
    await waitFor(
      async () => (await peersOf(aDir))?.find((p) => p.id === bobId && !p.online),
      'alice to see the first bob offline',
      { timeoutMs: WAIT_MS, intervalMs: 250 },
    );

    // Another machine, another key, the same nick.
    start('bob2', ['--data-dir', join(base, 'bob-again'), '--nick', 'bob', ...node, ...peer]);
    await see('alice', 'NEW KEY, not the bob', 'the NEW KEY warning in alice’s peers pane');
    type('bob2', 'hello, it is bob');
    const warned = await see('alice', 'hello, it is bob', "the second bob's line at alice");
    const rows = warned.split('\n');
    const warning = rows.findIndex((r) => r.includes('bob — NEW KEY, not the bob you knew: /whois'));
    const line = rows.findIndex((r) => r.includes('hello, it is bob'));
    expect(warning, warned).toBeGreaterThanOrEqual(0);
    expect(warning, warned).toBeLessThan(line);
    expect(rows[line]).toMatch(/<bob \S+ NEW KEY> hello, it is bob/);

    type('alice', '/trust bob');
    await see('alice', 'is now the bob you know', '/trust at alice');
    // The line is drawn again without the mark (the key it came from is bob's now).
    await see('alice', /<bob( \S+)?> hello, it is bob/, 'the second bob’s line without NEW KEY');

    // alice's own line: seen by every member online when she sent it (the second bob).
    type('alice', 'who has this one?');
    await see('alice', /who has this one\? \(seen by (\d)\/\1\)/, 'seen by N/M on alice’s own line');

    type('bob2', '/quit');
    type('alice', '/quit');
    await waitFor(() => !/alice|bob2/.test(sessions()), 'both chat sessions to quit', {
      timeoutMs: WAIT_MS,
    });
  }, 400_000);
});
