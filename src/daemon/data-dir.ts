/** Where a node keeps its identity, history and control socket. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../wire/index.js';

/** `--data-dir`, else `$KONNECT_HOME`, else `$XDG_DATA_HOME/konnect`, else `~/.local/share/konnect`. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.KONNECT_HOME) return resolve(env.KONNECT_HOME);
  const xdg = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(xdg, 'konnect');
}

/**
 * Creates the data directory with mode 0700, or tightens an existing one to 0700: it holds the private
 * key and the history. A path that cannot be a directory is reported as a sentence, not an errno.
 */
export function ensureDataDir(dir: string): void {
  checkDataDirPath(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  } catch (err) {
    throw dataDirError(dir, err);
  }
}

/**
 * Throws a sentence when `dir`, or a folder above it, exists and is not a directory: checked before a
 * client looks for the control socket inside it, so the answer is not "no daemon (ENOTDIR)".
 */
export function checkDataDirPath(dir: string): void {
  for (let at = dir; ; at = dirname(at)) {
    let isDirectory: boolean | null = null;
    try {
      isDirectory = statSync(at).isDirectory();
    } catch {
      // missing (created later), or not ours to look at: mkdir or the socket then says why
    }
    if (isDirectory === false) {
      throw new UsageError(
        'INVALID_ARGUMENT',
        at === dir
          ? `the data directory ${dir} is a file, not a directory; name another with --data-dir`
          : `the data directory ${dir} cannot be used: ${at} is a file, not a directory`,
      );
    }
    if (isDirectory || dirname(at) === at) return;
  }
}

function dataDirError(dir: string, err: unknown): Error {
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const why =
    errno === 'EACCES' || errno === 'EPERM'
      ? 'permission denied (is it, or a folder above it, owned by another user?)'
      : errno === 'EROFS'
        ? 'the file system is read-only'
        : errno === 'ENOSPC'
          ? 'the disk is full'
          : null;
  if (why === null) return err as Error;
  const sentence = `cannot use the data directory ${dir}: ${why}`;
  return why.startsWith('permission')
    ? new UsageError('ACCESS_DENIED', sentence, { cause: err })
    : new Error(sentence, { cause: err });
}

export const dataFiles = (dir: string) => ({
  identity: join(dir, 'identity.json'),
  history: join(dir, 'history.db'),
  socket: join(dir, 'konnect.sock'),
  profile: join(dir, 'profile.json'),
  topics: join(dir, 'topics.json'),
  /** The peer table, so a restarted node redials whom it knew (peer-store.ts). */
  peers: join(dir, 'peers.json'),
  /** Keys of the private rooms joined (never their passphrases), mode 0600 (private-rooms/). */
  roomKeys: join(dir, 'room-keys.json'),
  /** Pinned keys and how far peers read our direct messages (trust/, PROTOCOL.md §20). */
  pins: join(dir, 'pins.json'),
  reads: join(dir, 'reads.json'),
});

/**
 * Makes sure a file holding private data exists with mode 0600 before a library opens it: SQLite
 * creates its -wal and -shm files with the mode of the database, so this covers them too.
 */
export function ensurePrivateFile(file: string): void {
  if (existsSync(file)) chmodSync(file, 0o600);
  else closeSync(openSync(file, 'a', 0o600));
}
