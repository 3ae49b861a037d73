/**
 * A corrupt history database is moved aside byte for byte (with its WAL and SHM), a fresh one is
 * opened, and `recoveredFrom` says where the old one went; other failures to open are errors, and
 * nothing is moved for them.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryStore, type StoredMessage } from '../../src/daemon/history/store.js';
import { isKonnectError, messageIdToString, newMessageId } from '../../src/wire/index.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const STAMP = '20250102T030405Z';

function message(i: number): StoredMessage {
  const ts = NOW - 1000 + i;
  return {
    id: messageIdToString(newMessageId(ts)),
    scope: 'room:lobby',
    room: 'lobby',
    peer: null,
    from: 'a'.repeat(64),
    nick: 'alice',
    ts,
    text: `message number ${i} `.repeat(5),
    action: false,
    own: false,
    status: null,
    via: 'live',
    future: false,
    receivedAt: ts,
    payload: new Uint8Array(200).fill(i & 0xff),
    sig: new Uint8Array(64),
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'konnect-recovery-'));
  file = join(dir, 'history.db');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function openRecovered(expectedPath: string): HistoryStore {
  const store = HistoryStore.open(file, { now: () => NOW });
  expect(store.recoveredFrom).toBe(expectedPath);
  // The fresh database works.
  expect(store.count()).toBe(0);
  expect(store.insert(message(1))).toBe(true);
  return store;
}

describe('corrupt database recovery', () => {
  it('moves a file that is not a database aside, keeping its bytes, and starts fresh', () => {
    const garbage = Buffer.alloc(10_000, 'not a database, just garbage. ');
    writeFileSync(file, garbage);
    const store = openRecovered(`${file}.corrupt-${STAMP}`);
    try {
      expect(readFileSync(`${file}.corrupt-${STAMP}`).equals(garbage)).toBe(true);
    } finally {
      store.close();
    }
    // The fresh database is a normal one: reopening recovers nothing and keeps the new row.
    const again = HistoryStore.open(file, { now: () => NOW });
    try {
      expect(again.recoveredFrom).toBeNull();
      expect(again.count()).toBe(1);
    } finally {
      again.close();
    }
  });

  it('moves a truncated real database aside and starts fresh', () => {
    const before = HistoryStore.open(file);
    before.insertMany(Array.from({ length: 3000 }, (_, i) => message(i)));
    before.close();
    const whole = readFileSync(file);
    const truncated = whole.subarray(0, Math.floor(whole.length / 2));
    writeFileSync(file, truncated);
    const store = openRecovered(`${file}.corrupt-${STAMP}`);
    try {
      expect(readFileSync(`${file}.corrupt-${STAMP}`).equals(truncated)).toBe(true);
    } finally {
      store.close();
    }
  });

  it.each([
    ['no SQLite header', Buffer.from('garbage main file '.repeat(300))],
    // Passes the header check, so SQLite itself finds the damage; closing that connection would delete
    // the WAL, which is why the files are moved before it is closed.
    [
      'a SQLite header over garbage',
      Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(8000, 7)]),
    ],
  ])('moves the WAL and SHM along, named after the moved file (%s)', (_, main) => {
    const wal = Buffer.from('garbage wal '.repeat(100));
    writeFileSync(file, main);
    writeFileSync(`${file}-wal`, wal);
    const store = openRecovered(`${file}.corrupt-${STAMP}`);
    store.close();
    expect(readFileSync(`${file}.corrupt-${STAMP}-wal`).equals(wal)).toBe(true);
    expect(readFileSync(`${file}.corrupt-${STAMP}`).equals(main)).toBe(true);
  });

  it('keeps the WAL of a crashed, then damaged, database intact beside it', () => {
    // A copy taken while the writer is still open is what a crash leaves: main file plus live WAL.
    const live = HistoryStore.open(join(dir, 'live.db'));
    try {
      live.insertMany(Array.from({ length: 3000 }, (_, i) => message(i)));
      // Move the bulk into the main file, so the WAL holds only the last writes.
      (live as unknown as { db: { pragma(s: string): unknown } }).db.pragma('wal_checkpoint(TRUNCATE)');
      live.insertMany(Array.from({ length: 50 }, (_, i) => message(5000 + i)));
      const main = readFileSync(join(dir, 'live.db'));
      const wal = readFileSync(join(dir, 'live.db-wal'));
      expect(wal.length).toBeGreaterThan(0);
      writeFileSync(file, main.subarray(0, Math.floor(main.length / 3)));
      writeFileSync(`${file}-wal`, wal);
      const store = openRecovered(`${file}.corrupt-${STAMP}`);
      store.close();
      expect(readFileSync(`${file}.corrupt-${STAMP}-wal`).equals(wal)).toBe(true);
    } finally {
      live.close();
    }
  });

  it('never overwrites an earlier recovery from the same second', () => {
    writeFileSync(file, 'first garbage '.repeat(100));
    HistoryStore.open(file, { now: () => NOW }).close();
    rmSync(file);
    writeFileSync(file, 'second garbage '.repeat(100));
    const store = openRecovered(`${file}.corrupt-${STAMP}-1`);
    store.close();
    expect(readFileSync(`${file}.corrupt-${STAMP}`, 'utf8')).toMatch(/^first/);
    expect(readFileSync(`${file}.corrupt-${STAMP}-1`, 'utf8')).toMatch(/^second/);
  });
});

describe('other failures to open', () => {
  it('throws a clear error for a path it cannot open, and moves nothing', () => {
    const sub = join(dir, 'a-directory');
    mkdirSync(sub);
    let error: unknown;
    try {
      HistoryStore.open(sub);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/cannot open the history database .*a-directory/);
    expect(isKonnectError(error)).toBe(false);
    expect(readdirSync(dir)).toEqual(['a-directory']);
  });

  it.skipIf(process.getuid?.() === 0)('throws for a file it may not read, and leaves it in place', () => {
    const good = HistoryStore.open(file);
    good.insert(message(1));
    good.close();
    chmodSync(file, 0o000);
    try {
      expect(() => HistoryStore.open(file)).toThrow(/cannot open the history database/);
      expect(existsSync(file)).toBe(true);
      expect(readdirSync(dir).some((name) => name.includes('corrupt'))).toBe(false);
    } finally {
      chmodSync(file, 0o600);
    }
  });
});
