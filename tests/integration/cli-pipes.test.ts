/**
 * Every command's output reaches a pipe whole (process.exit used to drop what a pipe had not taken:
 * `konnect history --json | wc -c` stopped at 65,536 bytes and exited 0), and `konnect history` reads
 * the database directly when no node runs. All output here crosses real OS pipes to this process.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlClient, dataFiles } from '../../src/daemon/index.js';
import { cliPath, DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';

const MESSAGES = 300;
const TEXT_CHARS = 2000;
/** A pipe holds 64 KiB on Linux: the output must be well beyond it for the old bug to show. */
const PIPE_BYTES = 65_536;

let base: string;
let dir: string;
let daemon: DaemonProcess;
let onlineJson = '';
let onlineText = '';

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'konnect-pipes-'));
  dir = join(base, 'node');
  daemon = new DaemonProcess(dir, ['--nick', 'piper', '--host', '127.0.0.1', '--port', '0', '--no-mdns']);
  await daemon.ready(60_000);
  // Written through the control socket from this process: 300 CLI processes would take minutes.
  const client = await ControlClient.connect(dataFiles(dir).socket, 30_000);
  try {
    for (let i = 0; i < MESSAGES; i++) {
      await client.send({ kind: 'room', room: 'lobby' }, `message ${i} ${'x'.repeat(TEXT_CHARS)}`);
    }
  } finally {
    await client.close();
  }
}, 180_000);

afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

function parseHistory(stdout: string): { id: string; text: string; nick: string }[] {
  return JSON.parse(stdout) as { id: string; text: string; nick: string }[];
}

describe('output through a pipe', () => {
  it('history --json of ~600 KB arrives whole, as valid JSON, with exit 0', async () => {
    const r = await runCli(['history', '--json', '--limit', '1000', '--data-dir', dir], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const bytes = Buffer.byteLength(r.stdout);
    expect(bytes).toBeGreaterThan(8 * PIPE_BYTES);
    expect(r.stdout.endsWith(']\n')).toBe(true);
    const history = parseHistory(r.stdout);
    expect(history).toHaveLength(MESSAGES);
    expect(history.map((m) => m.text.split(' ')[1])).toEqual(
      Array.from({ length: MESSAGES }, (_, i) => String(i)),
    );
    onlineJson = r.stdout;
  });

  it('plain history arrives whole: one line per message, the last one complete', async () => {
    const r = await runCli(['history', '--limit', '1000', '--data-dir', dir], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.byteLength(r.stdout)).toBeGreaterThan(8 * PIPE_BYTES);
    const lines = r.stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(MESSAGES);
    expect(lines[MESSAGES - 1]).toMatch(new RegExp(`<piper> message ${MESSAGES - 1} x{${TEXT_CHARS}}$`));
    onlineText = r.stdout;
  });

  it('status, peers, send, help and version through a pipe: complete output, exit 0', async () => {
    const status = await runCli(['status', '--json', '--data-dir', dir]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ nick: 'piper', rooms: ['lobby'] });

    const peers = await runCli(['peers', '--all', '--json', '--data-dir', dir]);
    expect(peers.code, peers.stderr).toBe(0);
    expect(JSON.parse(peers.stdout)).toEqual([]);

    const send = await runCli(['send', '--json', '--data-dir', dir, 'through a pipe']);
    expect(send.code, send.stderr).toBe(0);
    expect(JSON.parse(send.stdout)).toMatchObject({ id: expect.any(String) });

    const help = await runCli(['--help']);
    expect(help.code, help.stderr).toBe(0);
    // The help text ends with the exit codes: its last line arrived.
    expect(help.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Exit codes: .*data directory\.$/);

    const version = await runCli(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^konnect \d+\.\d+\.\d+\n$/);

    // An error goes whole to stderr, through its pipe, with its exit code.
    const bad = await runCli(['history', '--limit', '0', '--data-dir', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^konnect: --limit must be a whole number from 1 to 10000\n$/);
    // Keep the history the offline tests compare against as it was.
    onlineJson = (
      await runCli(['history', '--json', '--limit', '1000', '--data-dir', dir], { timeoutMs: 60_000 })
    ).stdout;
  });

  it('a reader that closes the pipe early (| head) ends the command quietly, exit 0', async () => {
    const child = spawn(
      process.execPath,
      [cliPath, 'history', '--json', '--limit', '1000', '--data-dir', dir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`history did not end within 60 s after its reader left; stderr: ${stderr}`));
      }, 60_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('history without a running node', () => {
  it('reads the database directly: the same bytes as from the node, read-only', async () => {
    expect(onlineJson).not.toBe('');
    expect(await daemon.stop('SIGINT')).toBe(0);
    // The daemon's log crossed its stderr pipe up to its last line.
    expect(daemon.stderr).toMatch(/SIGINT: stopping\n$/);
    const none = await runCli(['status', '--data-dir', dir]);
    expect(none.code, 'the daemon is gone').toBe(3);
    const before = readFileSync(dataFiles(dir).history);

    const json = await runCli(['history', '--json', '--limit', '1000', '--data-dir', dir], {
      timeoutMs: 60_000,
    });
    expect(json.code, json.stderr).toBe(0);
    const offline = parseHistory(json.stdout);
    const online = parseHistory(onlineJson);
    expect(offline.map((m) => m.id)).toEqual(online.map((m) => m.id));
    expect(json.stdout).toBe(onlineJson);

    const text = await runCli(['history', '--limit', '1000', '--room', 'lobby', '--data-dir', dir], {
      timeoutMs: 60_000,
    });
    expect(text.code, text.stderr).toBe(0);
    // Oldest first: the 300 lines printed by the node, then the one sent since.
    expect(text.stdout.startsWith(onlineText)).toBe(true);
    expect(text.stdout.slice(onlineText.length)).toMatch(/^\S+ \S+ #lobby <piper> through a pipe\n$/);

    // Search finds rows whether or not they are in the full-text index yet.
    const found = await runCli(['history', '--json', '--search', 'pipe', '--data-dir', dir]);
    expect(found.code, found.stderr).toBe(0);
    expect(parseHistory(found.stdout).map((m) => m.text)).toEqual(['through a pipe']);
    const first = await runCli([
      'history',
      '--json',
      '--search',
      'message 0',
      '--limit',
      '1000',
      '--data-dir',
      dir,
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(parseHistory(first.stdout).map((m) => m.text.slice(0, 10))).toEqual(['message 0 ']);

    // The reader wrote nothing into the database.
    expect(readFileSync(dataFiles(dir).history).equals(before)).toBe(true);
    // An unknown peer is an error of its own, as with a node.
    const nobody = await runCli(['history', '--with', 'nobody', '--data-dir', dir]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no known peer matches "nobody"/);
  });

  it('a damaged database is reported as a sentence and left exactly where it was', async () => {
    const damaged = join(base, 'damaged');
    mkdirSync(damaged, { mode: 0o700 });
    const garbage = Buffer.from('this is not an SQLite database '.repeat(200));
    writeFileSync(dataFiles(damaged).history, garbage, { mode: 0o600 });
    const r = await runCli(['history', '--data-dir', damaged]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^konnect: the history database .*history\.db is damaged or not a konnect database; start a node/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(readdirSync(damaged)).toEqual(['history.db']);
    expect(readFileSync(dataFiles(damaged).history).equals(garbage)).toBe(true);
  });

  it('a data directory without a database says so and exits 3', async () => {
    const empty = join(base, 'empty');
    const r = await runCli(['history', '--data-dir', empty]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no node runs for this data directory and it holds no history yet/);
    expect(r.stderr).toMatch(/konnect daemon/);
  });
});
