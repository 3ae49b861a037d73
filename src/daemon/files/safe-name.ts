/**
 * Where a received file lands: the downloads folder (XDG's, else DATA_DIR/downloads) under a name made
 * safe from whatever the sender wrote. A peer's name is never used as a path: only its last component
 * is kept, separators and control characters go, a leading dot goes (no dotfiles), and a name taken
 * already gets ` (1)`, ` (2)`… before its extension.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Longest safe name, in UTF-16 units (file systems allow 255 bytes; this keeps room for a suffix). */
const MAX_SAFE_NAME = 200;

/** A file name that is one plain component: never empty, never `.`/`..`, never hidden. */
export function safeFileName(name: string): string {
  // The last component, whichever separator the sender's system used.
  const base =
    name
      .split(/[/\\]/)
      .filter((part) => part.length > 0)
      .pop() ?? '';
  let safe = base
    .normalize('NFC')
    // Control characters (C0, DEL, C1), bidi overrides and isolates, and what Windows forbids.
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"|?*]/g, '')
    .trim();
  safe = safe.replace(/^[.\s]+/, ''); // no dotfile, and `..` becomes nothing
  safe = safe.replace(/[.\s]+$/, '');
  if (safe.length > MAX_SAFE_NAME) {
    const dot = safe.lastIndexOf('.');
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    safe = safe.slice(0, MAX_SAFE_NAME - ext.length) + ext;
  }
  return safe.length > 0 ? safe : 'file';
}

/** `name` in `dir`, or `name (1)`, `name (2)`… for the first one not taken. */
export function freeNameIn(dir: string, name: string, taken: (path: string) => boolean = existsSync): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 0; ; n++) {
    const candidate = join(dir, n === 0 ? name : `${stem} (${n})${ext}`);
    if (!taken(candidate)) return candidate;
  }
}

/**
 * The downloads folder: `$XDG_DOWNLOAD_DIR`, else XDG_DOWNLOAD_DIR in ~/.config/user-dirs.dirs, else
 * DATA_DIR/downloads.
 */
export function downloadsDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || homedir();
  const expand = (value: string) => value.replace(/^\$HOME(?=\/|$)/, home);
  if (env.XDG_DOWNLOAD_DIR && isAbsolute(expand(env.XDG_DOWNLOAD_DIR))) return expand(env.XDG_DOWNLOAD_DIR);
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  try {
    const dirs = readFileSync(join(configHome, 'user-dirs.dirs'), 'utf8');
    const match = /^XDG_DOWNLOAD_DIR="([^"]*)"/m.exec(dirs);
    if (match && isAbsolute(expand(match[1]))) return expand(match[1]);
  } catch {
    // no user-dirs file: the data directory's own folder
  }
  return join(dataDir, 'downloads');
}
