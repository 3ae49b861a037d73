/**
 * Opening the history database: the schema and its migrations (versioned by `PRAGMA user_version`),
 * the WAL and durability settings, and recovery from a corrupt file, which is moved aside (never
 * deleted) so the node keeps running with a fresh database and the old bytes stay available.
 */
import { chmodSync, closeSync, existsSync, fstatSync, openSync, readSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StorageError } from '../../wire/index.js';
import { ensurePrivateFile } from '../data-dir.js';

export type Db = Database.Database;

/**
 * Migration `i` takes a database from `user_version` i to i + 1. Append only: a released migration is
 * never edited, because nodes in the field have already run it.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 → 1. `seq` is an explicit INTEGER PRIMARY KEY so the FTS index can point at a rowid that VACUUM
  // never renumbers. h0..h3 are four 32-bit lanes of SHA-256(id bytes), kept per row so a range digest
  // (reconcile.ts) is a native SUM over the covering index instead of a hash per row in JavaScript.
  `
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    room TEXT,
    peer TEXT,
    origin TEXT NOT NULL,
    nick TEXT NOT NULL,
    ts INTEGER NOT NULL,
    text TEXT NOT NULL,
    action INTEGER NOT NULL CHECK (action IN (0, 1)),
    own INTEGER NOT NULL CHECK (own IN (0, 1)),
    status TEXT CHECK (status IS NULL OR status IN ('sent', 'delivered')),
    via TEXT NOT NULL CHECK (via IN ('local', 'live', 'sync')),
    future INTEGER NOT NULL CHECK (future IN (0, 1)),
    received_at INTEGER NOT NULL,
    payload BLOB NOT NULL,
    sig BLOB NOT NULL,
    h0 INTEGER NOT NULL,
    h1 INTEGER NOT NULL,
    h2 INTEGER NOT NULL,
    h3 INTEGER NOT NULL
  );
  -- One index serves history pages, (ts, id) cursors, id lists and digests of a time range: it covers
  -- every column those queries read, so none of them touches the table rows.
  CREATE INDEX messages_scope_ts_id ON messages (scope, ts, id, h0, h1, h2, h3);
  CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text,
    content = 'messages',
    content_rowid = 'seq',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
  END;
  `,
  // 1 → 2. Clocks disagree: a message stamped far in the future (flagged `future` on arrival) is shown
  // at the time it arrived, so it cannot sit below everything written after it. History pages order
  // by shown_ts; sync digests keep using the origin's ts, on which every node agrees.
  `
  ALTER TABLE messages ADD COLUMN shown_ts INTEGER NOT NULL DEFAULT 0;
  UPDATE messages SET shown_ts = CASE WHEN future = 1 THEN MIN(ts, received_at) ELSE ts END;
  CREATE INDEX messages_scope_shown ON messages (scope, shown_ts, id);
  `,
  // 2 → 3. The full-text index is brought up to date in bulk (HistoryStore.indexPending), not row by
  // row: FTS5 writes a new segment at every commit, which made a row cost 33 µs instead of 20 at chat
  // rates (5 rows a commit; BENCHMARKS.md). A new row's seq waits in fts_pending until then. A row
  // deleted or edited before it was indexed must not be 'delete'd from FTS5 (an external-content
  // index would be corrupted by removing what it never held), hence the NOT EXISTS. A pending table,
  // not a high-water mark: seq is a plain rowid, reused after the greatest row is deleted.
  `
  CREATE TABLE fts_pending (seq INTEGER PRIMARY KEY);
  DROP TRIGGER messages_fts_insert;
  DROP TRIGGER messages_fts_delete;
  DROP TRIGGER messages_fts_update;
  CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO fts_pending (seq) VALUES (new.seq);
  END;
  CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
      SELECT 'delete', old.seq, old.text WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE seq = old.seq);
    DELETE FROM fts_pending WHERE seq = old.seq;
  END;
  CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
  WHEN NOT EXISTS (SELECT 1 FROM fts_pending WHERE seq = old.seq) BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    INSERT INTO messages_fts (rowid, text) VALUES (new.seq, new.text);
  END;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export interface OpenedDatabase {
  db: Db;
  /** Where a corrupt database was moved, or null. */
  recoveredFrom: string | null;
}

/** Opens (creating if needed) and migrates the database; a corrupt file is moved aside first. */
export function openDatabase(file: string, now: () => number): OpenedDatabase {
  const onDisk = file !== ':memory:' && file !== '';
  if (onDisk && isForeignFile(file)) {
    // Checked before SQLite touches it: a failed open followed by close() would delete its -wal/-shm.
    return fresh(file, moveAside(file, now()));
  }
  let db: Db | undefined;
  try {
    if (onDisk) makePrivate(file);
    db = new Database(file);
    configureAndMigrate(db);
    return { db, recoveredFrom: null };
  } catch (err) {
    if (!onDisk || !isCorruption(err)) {
      closeQuietly(db);
      const reason = err instanceof Error ? err.message : String(err);
      throw new Error(`cannot open the history database ${file}: ${reason}`, { cause: err });
    }
    // Move first, close after: closing the last connection deletes the WAL and SHM, which belong
    // with the corrupt file. (Renaming an open file is fine on Linux and macOS.)
    const movedTo = moveAside(file, now());
    closeQuietly(db);
    return fresh(file, movedTo);
  }
}

function fresh(file: string, movedTo: string): OpenedDatabase {
  try {
    makePrivate(file);
    const db = new Database(file);
    try {
      configureAndMigrate(db);
    } catch (err) {
      closeQuietly(db);
      throw err;
    }
    return { db, recoveredFrom: movedTo };
  } catch (err) {
    throw new StorageError(
      'DATABASE_CORRUPT',
      `the history database ${file} was corrupt and moved to ${movedTo}, but a fresh one cannot be created`,
      { cause: err },
    );
  }
}

function configureAndMigrate(db: Db): void {
  // The first statement is what reads the header: a file that is not a database throws here.
  db.pragma('journal_mode = WAL');
  // A commit does not wait for the disk (SQLite still syncs when it checkpoints, every ~1000 pages);
  // HistoryStore.sync() flushes the WAL on the thread pool for what must survive power loss (wal-sync.ts).
  db.pragma('synchronous = NORMAL');
  // better-sqlite3's default page cache is 16 MiB, which quick_check below fills at open; 4 MB holds
  // the hot index pages of a large history and keeps a daemon's RSS under 70 MB (BENCHMARKS.md).
  db.pragma('cache_size = -4000');
  // quick_check reads every page (O(size)) but skips the index-versus-table cross checks of
  // integrity_check; it catches truncation and torn pages, which is what power loss produces.
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') throw new StorageError('DATABASE_CORRUPT', `quick_check: ${String(check)}`);
  migrate(db);
}

/**
 * The history is private: the database file is made (or tightened to) 0600 before SQLite opens it,
 * since SQLite creates its -wal and -shm with the database's mode; existing companions are tightened
 * too (a version that left them 0644, or a copy restored by hand).
 */
function makePrivate(file: string): void {
  ensurePrivateFile(file);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
  }
}

function closeQuietly(db: Db | undefined): void {
  try {
    db?.close();
  } catch {
    // Closing a connection to a damaged file may fail too; the file has already been dealt with.
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** A non-empty file that does not start with SQLite's magic header. (An empty file is a new database.) */
function isForeignFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false; // missing, or unreadable: SQLite then reports the reason
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const n = readSync(fd, head, 0, head.length, 0);
    return n > 0 && (n < head.length || !head.equals(SQLITE_HEADER));
  } finally {
    closeSync(fd);
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    // A newer konnect wrote this file: refusing beats reading columns we do not know about.
    throw new Error(`schema version ${version} is newer than this konnect understands (${SCHEMA_VERSION})`);
  }
  for (let v = version; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

function isCorruption(err: unknown): boolean {
  if (err instanceof StorageError && err.code === 'DATABASE_CORRUPT') return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Renames the file and its WAL/SHM companions to `<file>.corrupt-<UTC time>[-n]`; returns the new path. */
function moveAside(file: string, at: number): string {
  const stamp = new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let target = `${file}.corrupt-${stamp}`;
  for (let n = 1; existsSync(target); n++) target = `${file}.corrupt-${stamp}-${n}`;
  renameSync(file, target);
  // The companions keep SQLite's naming relative to the moved file, so opening it for forensics
  // replays its WAL exactly as the original would have.
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}
