/**
 * CLI errors are sentences, never an errno or a parser's own syntax, with the documented exit codes;
 * and every file a daemon writes is private (0600, data directory 0700), also after recovery from a
 * corrupt database.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataFiles } from '../../src/daemon/index.js';
import { DaemonProcess, killAllDaemons, repoRoot, runCli } from '../helpers/cli.js';

let base: string;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'konnect-cli-errors-'));
});
afterAll(async () => {
  await killAllDaemons();
  rmSync(base, { recursive: true, force: true });
});

const NODE_ARGS = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--log-level', 'warn'];
const mode = (path: string) => statSync(path).mode & 0o777;

/** One line on stderr, `konnect: ` and a sentence, with no errno and no parser syntax in it. */
function expectSentence(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^konnect: /);
  expect(stderr).not.toMatch(/\b(EEXIST|ENOTDIR|EACCES|EPERM|ENOENT)\b/);
  expect(stderr).not.toMatch(/Option '|ambiguous|<value>/);
}

describe('errors as sentences', () => {
  it('a data directory that is a file: every command says so and exits 2', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'not a directory');
    for (const args of [
      ['daemon', ...NODE_ARGS, '--data-dir', file],
      ['status', '--data-dir', file],
      ['history', '--data-dir', file],
    ]) {
      const r = await runCli(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expectSentence(r.stderr);
      expect(r.stderr).toMatch(/the data directory .*a-file is a file, not a directory/);
    }
    const below = await runCli(['daemon', ...NODE_ARGS, '--data-dir', join(file, 'sub')]);
    expect(below.code, below.stderr).toBe(2);
    expectSentence(below.stderr);
    expect(below.stderr).toMatch(/a-file is a file, not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('a value that looks like a flag: a sentence that says how to write it, exit 2', async () => {
    const r = await runCli(['send', '--room', '-x', 'hello']);
    expect(r.code).toBe(2);
    expectSentence(r.stderr);
    expect(r.stderr).toMatch(/--room needs a value.*write --room=VALUE/);
    const missing = await runCli(['history', '--limit']);
    expect(missing.code).toBe(2);
    expectSentence(missing.stderr);
    expect(missing.stderr).toMatch(/--limit needs a value/);
    const extra = await runCli(['peers', '--json=yes']);
    expect(extra.code).toBe(2);
    expectSentence(extra.stderr);
    expect(extra.stderr).toMatch(/--json takes no value/);
  });

  it('a bad --nick exits 2, like every usage error', async () => {
    const r = await runCli(['daemon', ...NODE_ARGS, '--nick', 'bad nick!', '--data-dir', join(base, 'nick')]);
    expect(r.code).toBe(2);
    expectSentence(r.stderr);
    expect(r.stderr).toMatch(/bad nick "bad nick!"/);
    // Found before anything is written: no data directory, no identity made for a typo.
    expect(existsSync(join(base, 'nick'))).toBe(false);
    const port = await runCli(['daemon', ...NODE_ARGS, '--port', '70000', '--data-dir', join(base, 'port')]);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port/);
    expect(existsSync(join(base, 'port'))).toBe(false);
  });

  const setpriv = spawnSync('setpriv', ['--version']).status === 0;
  const root = process.getuid?.() === 0;
  it.skipIf(!setpriv || !root)(
    `a control socket another user may not open is not "no daemon"${setpriv && root ? '' : ' (skipped: needs root and setpriv)'}`,
    async () => {
      const dir = join(base, 'theirs');
      const d = new DaemonProcess(dir, NODE_ARGS);
      await d.ready(60_000);
      try {
        // The same command as user nobody, who may not reach the socket (the data dir is 0700).
        const r = await runCli(['status', '--data-dir', dir], {
          prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
        });
        expect(r.code, r.stderr).toBe(1);
        expectSentence(r.stderr);
        expect(r.stderr).not.toMatch(/no daemon/);
        expect(r.stderr).toMatch(/you may not open the control socket .*permission denied/);
      } finally {
        await d.stop('SIGINT');
      }
    },
  );

  it('--help lists doctor --json and its exit status; README lists --max-links', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/konnect doctor .*--json/);
    expect(r.stdout).toMatch(/--max-links N/);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toMatch(/\| `--max-links N` \| 64 \|/);
  });
});

describe('private files', () => {
  it('after a corrupt database is moved aside, history.db, -wal, -shm and the data dir are private', async () => {
    const dir = join(base, 'recovered');
    // A data directory made by someone else's umask, holding a corrupt database.
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const garbage = Buffer.from('not sqlite at all '.repeat(300));
    writeFileSync(dataFiles(dir).history, garbage, { mode: 0o644 });
    chmodSync(dataFiles(dir).history, 0o644);
    // Spawned with this process's umask (022 in CI): the CLI must not depend on the caller's.
    const d = new DaemonProcess(dir, NODE_ARGS);
    await d.ready(60_000);
    try {
      const files = readdirSync(dir);
      const aside = files.find((f) => f.startsWith('history.db.corrupt-'));
      expect(aside, `moved aside in ${files.join(', ')}`).toBeDefined();
      expect(readFileSync(join(dir, aside!)).equals(garbage)).toBe(true);
      expect(mode(dir).toString(8)).toBe('700');
      for (const f of ['history.db', 'history.db-wal', 'history.db-shm', 'identity.json', 'konnect.sock']) {
        expect(existsSync(join(dir, f)), f).toBe(true);
        expect(`${f} ${mode(join(dir, f)).toString(8)}`).toBe(`${f} 600`);
      }
    } finally {
      await d.stop('SIGINT');
    }
  });
});
