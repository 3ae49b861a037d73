/** Where a node keeps its identity, history and control socket. */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `--data-dir`, else `$KONNECT_HOME`, else `$XDG_DATA_HOME/konnect`, else `~/.local/share/konnect`. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return resolve(flag);
  if (env.KONNECT_HOME) return resolve(env.KONNECT_HOME);
  const xdg = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(xdg, 'konnect');
}

export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export const dataFiles = (dir: string) => ({
  identity: join(dir, 'identity.json'),
  history: join(dir, 'history.db'),
  socket: join(dir, 'konnect.sock'),
  /** The peer table, so a restarted node redials whom it knew (peer-store.ts). */
  peers: join(dir, 'peers.json'),
});

/**
 * Makes sure a file holding private data exists with mode 0600 before a library opens it: SQLite
 * creates its -wal and -shm files with the mode of the database, so this covers them too.
 */
export function ensurePrivateFile(file: string): void {
  if (existsSync(file)) chmodSync(file, 0o600);
  else closeSync(openSync(file, 'a', 0o600));
}
