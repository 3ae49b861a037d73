/**
 * The script a worker thread runs, beside the module that starts it. Built code (dist) starts the
 * built script next to it; code run from source (vitest over src) starts the same script from dist,
 * since Node cannot run TypeScript in a worker: `npm run build` must have built it, and an error says so
 * when it has not.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `moduleUrl`: the starting module's import.meta.url; `script`: the worker's file name as built
 * (`write-worker-main.js`); `what`: how an error names the worker.
 */
export function workerScript(moduleUrl: string, script: string, what: string): string {
  const here = fileURLToPath(moduleUrl);
  const name = basename(here);
  const beside = here.slice(0, here.length - name.length);
  if (!name.endsWith('.ts')) return beside + script;
  // The last src folder of the path is the project's (a checkout may itself sit under a folder src).
  const built = beside.replace(/^(.*[/\\])src([/\\])/, '$1dist$2src$2') + script;
  if (!existsSync(built)) throw new Error(`the ${what} is not built (${built}): run npm run build`);
  return built;
}
