/**
 * Smoke test of the benchmark instrument: `node dist/bench/run.js --quick --json FILE` (built by the
 * `tsc` that `npm test` runs first) must run every scenario and report finite figures. It never checks a
 * figure against a time or a target: those depend on the machine and are for BENCHMARKS.md.
 *
 * Its bound is a safety net against a hung run, not a measure of speed. The quick run is mostly CPU
 * work: about 2 minutes on an idle 2-core machine (70 s of CPU), several times that when the machine
 * is shared (`npm test` runs other files beside it), so the bound is 20 minutes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runJs = join(root, 'dist', 'bench', 'run.js');
/** A hung run is killed after this; a slow one on a 2-core machine at load 15 still fits, with room. */
const BOUND_MS = 20 * 60_000;

interface Report {
  machine: { cores: number; node: string };
  command: string;
  quick: boolean;
  scenarios: {
    id: string;
    skipped?: string;
    error?: string;
    figures: { key: string; value: unknown; unit: string }[];
  }[];
}

describe('npm run bench -- --quick', () => {
  const dir = mkdtempSync(join(tmpdir(), 'konnect-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'runs every scenario and reports finite figures, as a table and as JSON',
    async () => {
      expect(existsSync(runJs), `${runJs} is missing: build first with \`npx tsc -p .\``).toBe(true);
      // The scenarios the instrument declares, in order: every one of them must run.
      const { SCENARIOS } = (await import(pathToFileURL(runJs).href)) as { SCENARIOS: { id: string }[] };
      expect(SCENARIOS.length).toBeGreaterThan(0);
      const json = join(dir, 'bench.json');
      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [runJs, '--quick', '--json', json],
          { cwd: root, timeout: BOUND_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) =>
            resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
        );
      });
      expect(result.code, `bench exited ${result.code}; stderr:\n${result.stderr.slice(-3000)}`).toBe(0);
      expect(result.stdout).toContain('machine:');
      expect(result.stdout).toContain('command: node');

      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      expect(report.quick).toBe(true);
      expect(report.machine.cores).toBeGreaterThan(0);
      expect(report.scenarios.map((s) => s.id)).toEqual(SCENARIOS.map((s) => s.id));
      for (const s of report.scenarios) {
        expect(s.error, `scenario ${s.id} failed: ${s.error}`).toBeUndefined();
        if (s.skipped !== undefined) {
          // Only discovery may be skipped (it needs root and `ip netns`), and it must say why.
          expect(s.id).toBe('discovery');
          expect(s.skipped.length).toBeGreaterThan(0);
          continue;
        }
        expect(s.figures.length, `scenario ${s.id} reported no figures`).toBeGreaterThan(0);
        for (const f of s.figures) {
          expect(
            typeof f.value === 'number' && Number.isFinite(f.value),
            `${s.id}/${f.key} = ${String(f.value)}`,
          ).toBe(true);
        }
        // Every figure printed in the table too.
        for (const f of s.figures.slice(0, 3)) expect(result.stdout).toContain(f.unit);
      }
    },
    BOUND_MS + 30_000,
  );
});
