/**
 * workerScript: where a worker thread's script is, for built code (beside it) and for code run from
 * source (the same script in dist, with a clear error when it is not built), also when the checkout
 * itself sits under a folder named src.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workerScript } from '../../src/node-worker/index.js';

const root = mkdtempSync(join(tmpdir(), 'konnect-worker-script-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('workerScript', () => {
  it('is beside a built module', () => {
    const module = join(root, 'app/dist/src/daemon/history/write-thread.js');
    expect(workerScript(pathToFileURL(module).href, 'write-worker-main.js', 'write worker')).toBe(
      join(root, 'app/dist/src/daemon/history/write-worker-main.js'),
    );
  });

  it('is in dist for a module run from source, under the last folder named src', () => {
    const project = join(root, 'src/konnect');
    const built = join(project, 'dist/src/crypto-node/verify-worker-main.js');
    mkdirSync(join(project, 'dist/src/crypto-node'), { recursive: true });
    writeFileSync(built, '');
    const module = join(project, 'src/crypto-node/verify-pool.ts');
    expect(workerScript(pathToFileURL(module).href, 'verify-worker-main.js', 'verify worker')).toBe(built);
  });

  it('says to build when the script is not built', () => {
    const module = join(root, 'unbuilt/src/daemon/history/write-thread.ts');
    expect(() => workerScript(pathToFileURL(module).href, 'write-worker-main.js', 'write worker')).toThrow(
      /the write worker is not built .*unbuilt\/dist\/src\/daemon\/history\/write-worker-main\.js.*npm run build/,
    );
  });
});
