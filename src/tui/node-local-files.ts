/** LocalFiles on this machine's file system (the terminal UI's; see local-files.ts). */
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { LocalFiles } from './local-files.js';

/** Most completions offered for one Tab: a directory of thousands would only be cycled through. */
const MAX_COMPLETIONS = 200;

export function nodeLocalFiles(cwd: () => string = () => process.cwd(), home = homedir()): LocalFiles {
  const expand = (typed: string): string =>
    typed === '~' || typed.startsWith('~/') ? home + typed.slice(1) : typed;
  return {
    resolve: (typed) => resolve(cwd(), expand(typed.trim())),
    complete: (typed) => {
      const slash = typed.lastIndexOf('/');
      const dirPart = slash >= 0 ? typed.slice(0, slash + 1) : '';
      const base = slash >= 0 ? typed.slice(slash + 1) : typed;
      let entries;
      try {
        entries = readdirSync(resolve(cwd(), expand(dirPart || '.')), { withFileTypes: true });
      } catch {
        return [];
      }
      return entries
        .filter((e) => e.name.startsWith(base) && (base.startsWith('.') || !e.name.startsWith('.')))
        .map((e) => dirPart + e.name + (e.isDirectory() ? '/' : ''))
        .sort()
        .slice(0, MAX_COMPLETIONS);
    },
  };
}
