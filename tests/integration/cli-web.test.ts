/**
 * The chat page through the real CLI: `konnect daemon` serves it by default on the mesh port, logs its
 * address and reports it in `konnect status --json`; --no-web turns it off (web: null); --web-root
 * points it elsewhere; a root without the built page leaves the node running, saying so in its log
 * and on a 503 page.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, killAllDaemons, repoRoot, runCli } from '../helpers/cli.js';

let base: string;
let count = 0;
beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'konnect-cli-web-'));
});
afterEach(async () => {
  await killAllDaemons();
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

const LOOPBACK = ['--host', '127.0.0.1', '--port', '0', '--no-mdns', '--log-level', 'info'];

function daemon(extra: string[]): DaemonProcess {
  return new DaemonProcess(join(base, `d${++count}`), [...LOOPBACK, ...extra]);
}

async function statusJson(d: DaemonProcess): Promise<{ port: number; web: string | null }> {
  await d.ready(30_000);
  const r = await runCli(['status', '--json', '--data-dir', d.dataDir]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { port: number; web: string | null };
}

describe('konnect daemon and the chat page', () => {
  it('serves the page of --web-root, logs its address and reports it in status', async () => {
    const root = mkdtempSync(join(base, 'root-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>konnect page</title>');
    const d = daemon(['--web-root', root]);
    const s = await statusJson(d);
    const url = `http://127.0.0.1:${s.port}/`;
    expect(s.web).toBe(url);
    await d.waitForLog(
      new RegExp(`web page: ${url.replace(/[.]/g, '\\.')}`),
      'the daemon to log the page address',
      {
        timeoutMs: 30_000,
      },
    );
    await d.waitForLog(/konnect daemon ready: .* web page http:\/\/127\.0\.0\.1:\d+\//, 'the ready line');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('konnect page');
    const human = await runCli(['status', '--data-dir', d.dataDir]);
    expect(human.stdout).toContain(`web page ${url}`);
  });

  it('serves the package page by default', async () => {
    const d = daemon([]);
    const s = await statusJson(d);
    expect(s.web).toBe(`http://127.0.0.1:${s.port}/`);
    const res = await fetch(s.web!);
    // The package's dist/web when it is built (npm run build), else the page that says it is not.
    const built = existsSync(join(repoRoot, 'dist', 'web', 'index.html'));
    expect(res.status).toBe(built ? 200 : 503);
    if (!built) await d.waitForLog(/web page not built/, 'the daemon to say the page is not built');
  });

  it('--no-web serves no page: status says web null', async () => {
    const d = daemon(['--no-web']);
    const s = await statusJson(d);
    expect(s.web).toBeNull();
    await d.waitForLog(/konnect daemon ready: .*no web page \(--no-web\)/, 'the ready line');
    expect(d.logMatches(/web page: /)).toEqual([]);
    const human = await runCli(['status', '--data-dir', d.dataDir]);
    expect(human.stdout).toContain('web page off (--no-web)');
  });

  it('a root without the built page: the node runs, logs it plainly, and answers 503', async () => {
    const d = daemon(['--web-root', join(base, 'nowhere')]);
    const s = await statusJson(d);
    await d.waitForLog(
      /web page not built: .*nowhere has no index\.html.*npm run build/,
      'the not-built warning',
    );
    const res = await fetch(s.web!);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('The konnect page is not built');
    // Still a node: it answers status and takes messages.
    const sent = await runCli(['send', '--data-dir', d.dataDir, 'still here']);
    expect(sent.code, sent.stderr).toBe(0);
  });
});
