/**
 * The real CLI in a real terminal: tmux runs two `konnect` chat sessions on 127.0.0.1 with --no-mdns
 * and a static peer; we type with send-keys and read the screen with capture-pane. A line typed in one
 * appears in the other; /dm and a reply; PgUp shows older lines; a third session attaches to a running
 * node and sees the same history.
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
const server = `konnect-test-${process.pid}`;
const base = mkdtempSync(join(tmpdir(), 'konnect-tmux-'));

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
    { timeoutMs: 20_000, intervalMs: 100 },
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

describe.skipIf(!hasTmux)('konnect in a terminal (tmux)', () => {
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

  it('chats between two nodes, direct messages, scrolls back, and attaches a third session', async () => {
    const node = ['--host', '127.0.0.1', '--port', '0', '--no-mdns'];
    start('alice', ['--data-dir', aDir, '--nick', 'alice', ...node]);
    const aStatus = await waitFor(async () => {
      const r = await runCli(['status', '--json', '--data-dir', aDir]);
      return r.code === 0 ? (JSON.parse(r.stdout) as { port: number }) : null;
    }, "alice's node to answer on its control socket");
    start('bob', ['--data-dir', bDir, '--nick', 'bob', ...node, '--peer', `127.0.0.1:${aStatus.port}`]);
    await see('bob', 'alice', "alice in bob's peers pane");
    await see('alice', 'bob', "bob in alice's peers pane");

    type('alice', 'hello from alice');
    await see('bob', 'hello from alice', 'a line typed by alice at bob');

    type('bob', '/dm alice');
    // Two lines reaching the UI in one read are a paste ("send 2 lines?"): on a loaded machine tmux
    // can deliver both at once, so the next line waits for the command's effect.
    await see('bob', '@alice', "bob's direct conversation with alice open");
    type('bob', 'psst, only for you');
    await see('bob', /psst, only for you.*delivered/, 'the direct message marked delivered at bob');
    type('alice', '/dm bob');
    await see('alice', 'psst, only for you', 'the direct message in alice’s conversation with bob');
    type('alice', 'got it');
    await see('bob', 'got it', "alice's reply at bob");

    // Alt+Enter (tmux M-Enter sends ESC CR, as terminals do) makes one message of two lines.
    tmux('send-keys', '-t', 'alice', '-l', 'first row');
    tmux('send-keys', '-t', 'alice', 'M-Enter');
    tmux('send-keys', '-t', 'alice', '-l', 'second row');
    await see('alice', 'first row↵second row', 'the line break in alice’s input line');
    tmux('send-keys', '-t', 'alice', 'Enter');
    await see(
      'bob',
      /<alice> first row[^\n]*\n {4}│ second row/,
      'a two-line message at bob, the second row under the first',
    );

    // Older lines: fill the room beyond one screen, then page up in bob's room view.
    for (let k = 0; k < 60; k++) {
      const r = await runCli(['send', '--data-dir', aDir, `backlog line ${String(k).padStart(2, '0')}`]);
      expect(r.code, r.stderr).toBe(0);
    }
    type('bob', '/back');
    await see('bob', 'backlog line 59', 'the newest backlog line at bob');
    expect(screen('bob')).not.toContain('backlog line 05');
    tmux('send-keys', '-t', 'bob', 'PPage');
    tmux('send-keys', '-t', 'bob', 'PPage');
    await see('bob', /backlog line (0\d|1\d|2\d)/, 'older lines after PgUp');

    // A third session on alice's data directory attaches to her running node.
    start('third', ['--data-dir', aDir]);
    await see('third', 'backlog line 59', 'the newest history in an attached session');
    expect(screen('third')).toContain('backlog line 50');
    // Page back to the start of the room: the first line alice typed is there too.
    for (let k = 0; k < 5; k++) tmux('send-keys', '-t', 'third', 'PPage');
    await see('third', 'hello from alice', 'the oldest line after paging back in the attached session');
    type('third', '/quit');
    await waitFor(
      () => !tmux('list-sessions', '-F', '#{session_name}').includes('third'),
      'the attached session to quit',
    );
    // Quitting the attached UI left alice's node running.
    const after = await runCli(['status', '--json', '--data-dir', aDir]);
    expect(after.code).toBe(0);

    type('bob', '/quit');
    type('alice', '/quit');
    await waitFor(() => {
      try {
        return !/alice|bob/.test(tmux('list-sessions', '-F', '#{session_name}'));
      } catch {
        return true; // no sessions left: the server exited
      }
    }, 'both chat sessions to quit');
  }, 300_000); // a safety net: 22 s on a quiet machine, 65 s while the suite runs three files at once
});
