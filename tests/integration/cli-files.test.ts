/**
 * Files from the command line (PROTOCOL.md §21): two daemons on loopback; `konnect send --file` on one,
 * `konnect files` shows the offer on the other (above --auto-accept-bytes, so it waits), `konnect get`
 * fetches it into --download-dir with the same hash, --keep-files-bytes 0 drops the held chunks once
 * the file has landed, and --max-file-bytes refuses a file above it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonProcess, killAllDaemons, runCli } from '../helpers/cli.js';
import { sha256File, writeRandomFile } from '../helpers/files.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
afterEach(async () => {
  await killAllDaemons();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const flags = ['--no-mdns', '--host', '127.0.0.1', '--port', '0'];
const T = { timeoutMs: 60_000 };

describe('konnect send --file / files / get', () => {
  it('offers a file, lists the offer on the other node, fetches it there with the same hash', async () => {
    const root = mkdtempSync(join(tmpdir(), 'konnect-cli-files-'));
    dirs.push(root);
    const [dirA, dirB, downloads] = ['a', 'b', 'down'].map((n) => join(root, n));
    const a = new DaemonProcess(dirA, [...flags, '--nick', 'alice', '--max-file-bytes', '4000000']);
    const statusA = await a.ready(60_000);
    const b = new DaemonProcess(dirB, [
      ...flags,
      '--nick',
      'bob',
      '--peer',
      `127.0.0.1:${statusA.port}`,
      '--auto-accept-bytes',
      '1000',
      '--keep-files-bytes',
      '0',
      '--download-dir',
      downloads,
    ]);
    await b.ready(60_000);
    await waitFor(
      async () => (await runCli(['peers', '--json', '--data-dir', dirA], T)).stdout.includes('"linked":true'),
      'alice and bob to link',
      { timeoutMs: 60_000, intervalMs: 200 },
    );

    const source = join(root, 'report.pdf');
    const hash = writeRandomFile(source, 700_000);
    const sent = await runCli(['send', '--file', source, '--data-dir', dirA], T);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    // Above bob's --auto-accept-bytes: offered, not fetched.
    const listed = await waitFor(
      async () => {
        const r = await runCli(['files', '--data-dir', dirB], T);
        return r.stdout.includes(id.slice(0, 12)) ? r.stdout : undefined;
      },
      'the offer to show in bob’s konnect files',
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(listed).toMatch(/offered\s+683\.6 KiB {2}report\.pdf {2}from alice in #lobby/);
    const json = JSON.parse((await runCli(['files', '--json', '--data-dir', dirB], T)).stdout);
    expect(json).toMatchObject([{ id, name: 'report.pdf', size: 700_000, state: 'offered', nick: 'alice' }]);

    const got = await runCli(['get', id.slice(0, 10), '--data-dir', dirB], { timeoutMs: 90_000 });
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
    const path = got.stdout.trim();
    expect(dirname(path)).toBe(downloads);
    expect(sha256File(path)).toBe(hash);
    // --keep-files-bytes 0: what bob held to serve others is dropped once the file has landed.
    expect(existsSync(join(dirB, 'files', `${id}.part`))).toBe(false);
    // The sender keeps its own offer to serve, whatever its bound.
    expect(existsSync(join(dirA, 'files', `${id}.part`))).toBe(true);

    // --max-file-bytes 4000000 on alice: a bigger file is refused with a clear sentence.
    const big = join(root, 'big.bin');
    writeRandomFile(big, 4_000_001);
    const refused = await runCli(['send', '--file', big, '--data-dir', dirA], T);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/big\.bin is 3\.8 MiB, above 3\.8 MiB/);
    const unknown = await runCli(['get', 'abcdef0123', '--data-dir', dirB], T);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no file offered or held matches abcdef0123');
    const usage = await runCli(['get', '--data-dir', dirB], T);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('konnect get takes one file id');
  }, 240_000);
});
