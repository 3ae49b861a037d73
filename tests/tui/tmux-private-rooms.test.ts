/**
 * Private rooms in a real terminal: tmux runs two `konnect` chat sessions on 127.0.0.1 (--no-mdns, a
 * static peer). Alice makes #ops with `/join #ops --key`; the passphrase she types is never on her
 * screen. Bob gives a wrong passphrase and is told "wrong passphrase for #ops"; with the right one he
 * reads what alice writes there.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && process.env.CI === 'true') throw new Error('tmux is required under CI (.ci/run installs it)');
const server = `konnect-privrooms-${process.pid}`;
const base = mkdtempSync(join(tmpdir(), 'konnect-tmux-priv-'));
const PASSPHRASE = 'tangerine-walrus-42';

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
    { timeoutMs: 60_000, intervalMs: 100 },
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
  tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', `env NO_COLOR=1 ${command}`);
}

async function status(dir: string): Promise<{ port: number; rooms: string[] }> {
  return waitFor(
    async () => {
      const r = await runCli(['status', '--json', '--data-dir', dir]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { port: number; rooms: string[] }) : null;
    },
    `the node in ${dir} to answer on its control socket`,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe.skipIf(!hasTmux)('private rooms in a terminal (tmux)', () => {
  const aDir = join(base, 'alice');
  const bDir = join(base, 'bob');
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

  it('joins with a passphrase that is never drawn, and says when it is wrong', async () => {
    const node = ['--host', '127.0.0.1', '--port', '0', '--no-mdns'];
    start('alice', ['--data-dir', aDir, '--nick', 'alice', ...node]);
    const a = await status(aDir);
    start('bob', ['--data-dir', bDir, '--nick', 'bob', ...node, '--peer', `127.0.0.1:${a.port}`]);
    await see('bob', 'alice', "alice in bob's peers pane");

    type('alice', '/join #ops --key');
    await see('alice', 'passphrase for #ops (not shown, Esc cancels):', 'the passphrase prompt');
    tmux('send-keys', '-t', 'alice', '-l', PASSPHRASE);
    // The prompt is still there after the typing (the keys have been read), and nothing of it shows.
    tmux('send-keys', '-t', 'alice', '-l', '!');
    await see('alice', 'passphrase for #ops', 'the prompt after typing');
    expect(screen('alice')).not.toContain('tangerine');
    tmux('send-keys', '-t', 'alice', 'BSpace');
    tmux('send-keys', '-t', 'alice', 'Enter');
    await see('alice', 'joined private room #ops', 'alice in #ops');
    expect(screen('alice')).not.toContain('tangerine');

    // Bob hears of the room (by its opaque id) before he tries a passphrase.
    await waitFor(
      async () => {
        const r = await runCli(['peers', '--json', '--data-dir', bDir]);
        const peers = r.code === 0 ? (JSON.parse(r.stdout) as { nick: string; rooms: string[] }[]) : [];
        return peers.some((p) => p.nick === 'alice' && p.rooms.some((room) => room.startsWith('.')));
      },
      "alice's private room in bob's peer table",
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    type('bob', '/join #ops --key');
    await see('bob', 'passphrase for #ops', "bob's passphrase prompt");
    type('bob', 'tangerine-walrus-41');
    await see('bob', 'wrong passphrase for #ops', 'the wrong-passphrase line');
    expect(screen('bob')).not.toContain('walrus');

    type('bob', '/join #ops --key');
    await see('bob', /passphrase for #ops \(not shown/, "bob's second prompt");
    type('bob', PASSPHRASE);
    await see('bob', 'joined private room #ops', 'bob in #ops');
    type('alice', 'sealed hello from alice');
    await see('bob', 'sealed hello from alice', "alice's line in #ops at bob");
    expect((await status(bDir)).rooms).toContain('ops');

    type('bob', '/quit');
    type('alice', '/quit');
    await waitFor(() => {
      try {
        return !/alice|bob/.test(tmux('list-sessions', '-F', '#{session_name}'));
      } catch {
        return true; // no sessions left: the server exited
      }
    }, 'both chat sessions to quit');
  }, 300_000);
});
