/**
 * WalSync: durability off the event loop. A flush covers only what was committed before it began, so
 * calls made during a flush share the next one; failures reject with DATABASE_WRITE_FAILED; closing
 * flushes what is left and never closes the descriptor under a running flush.
 */
import { fstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fdatasync, WalSync } from '../../src/daemon/history/wal-sync.js';
import { StorageError } from '../../src/wire/index.js';

/** An fdatasync whose calls complete only when the test says so. */
function manualFlush() {
  const calls: { fd: number; done: (err: NodeJS.ErrnoException | null) => void }[] = [];
  const flush: Fdatasync = (fd, done) => calls.push({ fd, done });
  return { flush, calls };
}

/** Whether `p` has settled, after letting every already-queued callback run. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

let dir: string;
let wal: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-walsync-'));
  wal = join(dir, 'history.db-wal');
  writeFileSync(wal, 'frames');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('WalSync', () => {
  it('resolves a sync only when its flush completes', async () => {
    const { flush, calls } = manualFlush();
    const w = new WalSync(wal, flush);
    const p = w.sync();
    expect(calls).toHaveLength(1);
    expect(fstatSync(calls[0].fd).isFile()).toBe(true);
    expect(await settled(p)).toBe(false);
    calls[0].done(null);
    expect(await settled(p)).toBe(true);
    w.close();
  });

  it('calls made during a flush wait for one more flush, which they share', async () => {
    const { flush, calls } = manualFlush();
    const w = new WalSync(wal, flush);
    const first = w.sync();
    const second = w.sync();
    const third = w.sync();
    expect(calls).toHaveLength(1); // the second flush starts only after the first
    calls[0].done(null);
    await first;
    expect(await settled(second)).toBe(false); // its commit may have missed the first flush
    expect(calls).toHaveLength(2);
    calls[1].done(null);
    await Promise.all([second, third]);
    expect(w.flushes).toBe(2);
    w.close();
  });

  it('a failed flush fails every later sync too: the WAL chain is broken from that frame on', async () => {
    const { flush, calls } = manualFlush();
    const w = new WalSync(wal, flush);
    const p = w.sync();
    const queued = w.sync();
    const eio = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    calls[0].done(eio);
    const isWriteFailed = (err: unknown) =>
      err instanceof StorageError && err.code === 'DATABASE_WRITE_FAILED' && /EIO/.test(err.message);
    await expect(p).rejects.toSatisfy(isWriteFailed);
    await expect(queued).rejects.toSatisfy(isWriteFailed);
    // Linux would report success now (the failed pages were marked clean): never ask it again.
    await expect(w.sync()).rejects.toSatisfy(isWriteFailed);
    expect(calls).toHaveLength(1);
    w.close();
    await expect(w.sync()).rejects.toSatisfy(isWriteFailed);
  });

  it('a sync called as a flush returns never starts a second flush beside the queued one', async () => {
    const { flush, calls } = manualFlush();
    const w = new WalSync(wal, flush);
    const first = w.sync();
    const queued = w.sync();
    let third: Promise<void> | undefined;
    void first.then(() => (third = w.sync())); // e.g. the next pasted line, sent as the first is confirmed
    calls[0].done(null);
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(2); // the queued flush only
    expect(third).toBeDefined();
    const held = () => (w as unknown as { fd: number | null }).fd;
    w.close();
    expect(held()).toBe(calls[1].fd); // still in use by the running flush
    calls[1].done(null);
    await Promise.all([queued, third]);
    expect(held()).toBeNull();
  });

  it('close() keeps the descriptor open until a running flush returns, then releases it', async () => {
    const { flush, calls } = manualFlush();
    const w = new WalSync(wal, flush);
    const held = () => (w as unknown as { fd: number | null }).fd;
    const p = w.sync();
    w.close();
    expect(held()).toBe(calls[0].fd); // still ours while the pool thread may use it
    expect(fstatSync(calls[0].fd).isFile()).toBe(true);
    calls[0].done(null);
    await p;
    expect(held()).toBeNull();
    await w.sync(); // after close: everything was flushed by close() itself
    expect(calls).toHaveLength(1);
  });

  it('really flushes with the default fdatasync', async () => {
    const w = new WalSync(wal);
    await w.sync();
    await Promise.all([w.sync(), w.sync()]);
    expect(w.flushes).toBeGreaterThanOrEqual(2);
    w.close();
  });
});
