/**
 * Files in a real terminal (PROTOCOL.md §21): tmux runs two `konnect` chat sessions on 127.0.0.1 with
 * --no-mdns and a static peer. Alice types `/send` with Tab completing the path; bob sees the offer
 * with its size and /get hint; alice quits, so bob's `/get` shows the transfer row waiting for a
 * holder; alice comes back, the bar runs to the end and bob's screen says where the file was saved,
 * with the same hash as the original.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPath, runCli } from '../helpers/cli.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux && process.env.CI === 'true') throw new Error('tmux is required under CI (.ci/run installs it)');
const server = `konnect-files-${process.pid}`;
const base = mkdtempSync(join(tmpdir(), 'konnect-tmux-files-'));

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
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', `env NO_COLOR=1 ${command}`);
}

function sessions(): string {
  try {
    return execFileSync('tmux', ['-L', server, 'list-sessions', '-F', '#{session_name}'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return ''; // no sessions left: the server exited
  }
}

async function status(dataDir: string, what: string): Promise<{ port: number }> {
  return waitFor(
    async () => {
      const r = await runCli(['status', '--json', '--data-dir', dataDir], { timeoutMs: 60_000 });
      return r.code === 0 ? (JSON.parse(r.stdout) as { port: number }) : null;
    },
    what,
    { timeoutMs: 60_000, intervalMs: 200 },
  );
}

describe.skipIf(!hasTmux)('files in a terminal (tmux)', () => {
  const aDir = join(base, 'alice');
  const bDir = join(base, 'bob');
  const downloads = join(base, 'down');
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

  it('/send with Tab, the offer at the other side, /get, the transfer row, the saved file', async () => {
    const source = join(base, 'report.bin');
    const hash = writeRandomFile(source, 8 * 1024 * 1024);
    const node = ['--host', '127.0.0.1', '--port', '0', '--no-mdns'];
    start('alice', ['--data-dir', aDir, '--nick', 'alice', ...node]);
    const aStatus = await status(aDir, "alice's node to answer on its control socket");
    start('bob', [
      ...['--data-dir', bDir, '--nick', 'bob', ...node, '--peer', `127.0.0.1:${aStatus.port}`],
      ...['--download-dir', downloads, '--auto-accept-bytes', '1000'],
    ]);
    await see('bob', 'link up with alice', 'the link at bob');

    tmux('send-keys', '-t', 'alice', '-l', `/send ${base}/rep`);
    tmux('send-keys', '-t', 'alice', 'Tab');
    await see('alice', `/send ${base}/report.bin`, 'the path completed by Tab');
    tmux('send-keys', '-t', 'alice', 'Enter');
    await see('alice', 'offered report.bin (8.0 MiB) to #lobby', 'the offer confirmed at alice');
    const offer = await see(
      'bob',
      /<alice> \[file\] report\.bin \(8\.0 MiB\) \/get [0-9a-f]{12}/,
      'the offer at bob',
    );
    const id = /\/get ([0-9a-f]{12})/.exec(offer)![1];

    // Alice leaves: bob's fetch has no holder, and the transfer row says so.
    type('alice', '/quit');
    await waitFor(() => !sessions().includes('alice'), 'alice to quit', { timeoutMs: 30_000 });
    await see('bob', 'link lost with alice', 'the link down at bob');
    type('bob', `/get ${id}`);
    await see('bob', 'fetching report.bin (8.0 MiB) from whoever holds it', 'the fetch started at bob');
    await see(
      'bob',
      /⇣ report\.bin \[░+\] {2}0% {2}0 B of 8\.0 MiB {2}waiting for holders/,
      'the transfer row',
    );

    // Alice comes back (dialling bob): the chunks come and the row gives way to where the file landed.
    const bStatus = await status(bDir, "bob's node to answer on its control socket");
    start('alice', ['--data-dir', aDir, ...node, '--peer', `127.0.0.1:${bStatus.port}`]);
    const done = await see('bob', 'saved report.bin (8.0 MiB) to', 'the saved line at bob');
    expect(done).not.toContain('⇣ report.bin');
    const files = JSON.parse(
      (await runCli(['files', '--json', '--data-dir', bDir], { timeoutMs: 60_000 })).stdout,
    );
    const saved = files.find((f: { id: string }) => f.id.startsWith(id));
    expect(saved.state).toBe('done');
    expect(dirname(saved.path)).toBe(downloads);
    expect(sha256File(saved.path)).toBe(hash);

    type('bob', '/quit');
    type('alice', '/quit');
    await waitFor(() => !/alice|bob/.test(sessions()), 'both chat sessions to quit', { timeoutMs: 30_000 });
  }, 300_000);
});
