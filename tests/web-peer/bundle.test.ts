/**
 * The browser peer bundles for a browser: esbuild with platform 'browser' from src/web/peer, and no
 * Node built-in (node:*, or a bare fs, net, crypto...) and no native module anywhere it reaches.
 */
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

describe('browser peer bundle', () => {
  it('builds for the browser without a Node built-in', async () => {
    const reached: string[] = [];
    const result = await build({
      entryPoints: [resolve(root, 'src/web/peer/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [
        {
          name: 'no-node-builtins',
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              if (builtins.has(args.path) || args.path.startsWith('node:')) {
                reached.push(`${args.path} from ${args.importer.replace(root + '/', '')}`);
              }
              return undefined;
            });
          },
        },
      ],
    });
    expect(reached, 'Node built-ins the browser peer reaches').toEqual([]);
    const inputs = Object.keys(result.metafile!.inputs);
    expect(
      inputs.filter((p) => /better-sqlite3|sodium-native|bonjour|src\/daemon\/(node|create-node)/.test(p)),
    ).toEqual([]);
    expect(inputs.some((p) => p.includes('@noble/curves'))).toBe(true);
    expect(result.outputFiles[0].text).not.toMatch(/from\s*["']node:/);
  });
});
