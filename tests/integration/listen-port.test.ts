/** The listening port: the documented default 7420, and a free port instead when 7420 is taken. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { DEFAULT_PORT, createNode } from '../../src/daemon/index.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

it('falls back to a free port when the default port is taken, and says so', async () => {
  // Hold 7420 on loopback (if something else already holds it, the fallback is exercised all the same).
  const blocker: Server = createServer();
  await new Promise<void>((resolve) =>
    blocker.once('error', () => resolve()).listen(DEFAULT_PORT, '127.0.0.1', () => resolve()),
  );
  cleanup.push(() => new Promise<void>((r) => (blocker.listening ? blocker.close(() => r()) : r())));
  const dir = mkdtempSync(join(tmpdir(), 'konnect-port-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (m: string) => void warnings.push(m) };
  const node = createNode({ dataDir: dir, host: '127.0.0.1' }, { logger });
  cleanup.push(() => node.stop());
  await node.start();
  expect(node.status().port).not.toBe(DEFAULT_PORT);
  expect(node.status().port).toBeGreaterThan(0);
  expect(warnings.join('\n')).toMatch(/port 7420 is taken; listening on a free port instead/);
});

it('an explicitly asked port that is taken is an error, not a silent change', async () => {
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
  cleanup.push(() => new Promise<void>((r) => blocker.close(() => r())));
  const port = (blocker.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'konnect-port-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const node = createNode({ dataDir: dir, host: '127.0.0.1', port });
  cleanup.push(() => node.stop());
  await expect(node.start()).rejects.toMatchObject({
    code: 'INVALID_ARGUMENT',
    message: expect.stringMatching(/already in use/),
  });
});
