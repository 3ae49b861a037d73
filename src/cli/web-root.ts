/**
 * Where the CLI finds the chat page it serves: the package's dist/web, found from the CLI's own file
 * (compiled to dist/src/cli/main.js; run from source, src/cli/main.ts), so it works from any working
 * directory and from a global install.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebOptions } from '../daemon/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The page's directory for a CLI living in `cliDir`: dist/src/cli → dist/web; src/cli → dist/web of
 * the same checkout. When neither holds an index.html the first is returned: the node still runs and
 * its page says it is not built.
 */
export function defaultWebRoot(cliDir = HERE): string {
  const candidates = [resolve(cliDir, '..', '..', 'web'), resolve(cliDir, '..', '..', 'dist', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

/** The node's `web` option from the flags: off with --no-web, else --web-root or the default root. */
export function webOption(values: Record<string, unknown>, cliDir = HERE): WebOptions | undefined {
  if (values['no-web']) return undefined;
  const root = values['web-root'];
  return { root: typeof root === 'string' ? resolve(root) : defaultWebRoot(cliDir) };
}
