/**
 * The library keeps konnect's files private by itself, whatever the process umask (the CLI also sets
 * 077, but a program embedding the daemon may not): the history database and its -wal/-shm are 0600 on
 * every path, recovery from a corrupt file included, and the data directory is made or tightened to 0700.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDataDirPath, ensureDataDir } from '../../src/daemon/data-dir.js';
import { HistoryStore } from '../../src/daemon/history/store.js';
import { isKonnectError } from '../../src/wire/index.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

let dir: string;
let oldUmask: number;
beforeEach(() => {
  // The permissive umask most systems default to: a file created with the default mode is 0644 here.
  oldUmask = process.umask(0o022);
  dir = mkdtempSync(join(tmpdir(), 'konnect-private-'));
});
afterEach(() => {
  process.umask(oldUmask);
  rmSync(dir, { recursive: true, force: true });
});

function expectPrivateDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    expect(existsSync(f), f).toBe(true);
    expect(`${f}: ${mode(f)}`).toBe(`${f}: 600`);
  }
}

describe('history database modes', () => {
  it('a new database and its -wal/-shm are 0600', () => {
    const file = join(dir, 'history.db');
    const store = HistoryStore.open(file);
    try {
      expectPrivateDatabase(file);
    } finally {
      store.close();
    }
  });

  it('after a corrupt database is moved aside, the new one and its -wal/-shm are 0600', () => {
    const file = join(dir, 'history.db');
    writeFileSync(file, Buffer.alloc(8192, 'garbage, not SQLite. '), { mode: 0o644 });
    const store = HistoryStore.open(file);
    try {
      expect(store.recoveredFrom).toMatch(/history\.db\.corrupt-/);
      expectPrivateDatabase(file);
    } finally {
      store.close();
    }
  });

  it('an existing database and companions left 0644 are tightened to 0600', () => {
    const file = join(dir, 'history.db');
    HistoryStore.open(file).close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '', { mode: 0o644 });
    chmodSync(`${file}-wal`, 0o644);
    const store = HistoryStore.open(file);
    try {
      expectPrivateDatabase(file);
    } finally {
      store.close();
    }
  });
});

describe('data directory', () => {
  it('is created 0700, and an existing looser one is tightened to 0700', () => {
    const fresh = join(dir, 'a', 'b');
    ensureDataDir(fresh);
    expect(mode(fresh)).toBe('700');
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    expect(mode(loose)).toBe('755');
    ensureDataDir(loose);
    expect(mode(loose)).toBe('700');
  });

  it('a file in its place is a sentence with a code, not EEXIST or ENOTDIR', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    for (const target of [file, join(file, 'below')]) {
      let thrown: unknown;
      try {
        ensureDataDir(target);
      } catch (err) {
        thrown = err;
      }
      expect(isKonnectError(thrown) && thrown.code).toBe('INVALID_ARGUMENT');
      expect((thrown as Error).message).toMatch(/is a file, not a directory/);
      expect((thrown as Error).message).not.toMatch(/EEXIST|ENOTDIR/);
    }
    expect(() => checkDataDirPath(join(dir, 'missing', 'deeper'))).not.toThrow();
  });
});
