/**
 * `npm run bench:ab -- --base REV`: the same benchmark scenarios on an older build and on this one,
 * alternated (base, head, head, base, …), and their figures side by side as ratios (issue 20: "the
 * gain is a ratio, not a claim"). The base is checked out in a temporary git worktree, built there
 * with its own build script and benchmarked with its own bench, so it is measured as it was shipped;
 * figures whose key exists in only one of the two builds are shown on one side.
 *
 *   node dist/bench/ab.js --base REV [--only ID[,ID...]] [--runs K] [--quick] [--json FILE]
 *
 * The head is this checkout's build (dist/, which `npm run bench:ab` builds first). The worktree is
 * removed at the end, also after a failure or Ctrl-C. Exits 1 when any run of either side failed.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compare, renderComparison, type SideRuns } from './lib/ab-compare.js';
import type { BenchReport } from './lib/figures.js';
import { machineFacts } from './lib/machine.js';

export interface AbArgs {
  base: string;
  only: string[];
  runs: number;
  quick: boolean;
  json: string | null;
}

export const AB_USAGE = `usage: node dist/bench/ab.js --base REV [--only ID[,ID...]] [--runs K] [--quick] [--json FILE]
  --base REV   the git revision to compare this checkout's build against (required)
  --only IDS   scenarios to run (default: latency)
  --runs K     runs of each side, alternated base, head, head, base, ... (default 2, at most 10)
  --quick      the scenarios' reduced sizes
  --json FILE  the comparison and every run's figures as JSON`;

/** Parses the command line; throws an Error with a message for the user on a bad one. */
export function parseAbArgs(argv: readonly string[]): AbArgs {
  const args: AbArgs = { base: '', only: ['latency'], runs: 2, quick: false, json: null };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--base') args.base = value(i++, a);
    else if (a === '--only') args.only = value(i++, a).split(',').filter(Boolean);
    else if (a === '--runs') {
      const n = Number(value(i++, a));
      if (!Number.isInteger(n) || n < 1 || n > 10)
        throw new Error('--runs must be a whole number from 1 to 10');
      args.runs = n;
    } else if (a === '--quick') args.quick = true;
    else if (a === '--json') args.json = value(i++, a);
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.base) throw new Error('--base REV is required');
  if (args.only.length === 0) throw new Error('--only names no scenario');
  return args;
}

/** Which side runs at each step: base, head, head, base, base, head, … (drift hits both alike). */
export function runOrder(runs: number): ('base' | 'head')[] {
  const order: ('base' | 'head')[] = [];
  for (let i = 0; i < runs; i++)
    order.push(...(i % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const)));
  return order;
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`git ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

/** Runs a command to its end with its output shown; rejects if it fails. */
function run(
  cmd: string,
  args: string[],
  cwd: string,
  track: (c: ChildProcess | null) => void,
): Promise<number> {
  return new Promise((res, rej) => {
    // The runs' own tables go to stderr with their progress: stdout holds the comparison alone.
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 2, 2] });
    track(child);
    child.on('error', rej);
    child.on('close', (code, signal) => {
      track(null);
      res(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(): Promise<void> {
  let args: AbArgs;
  try {
    args = parseAbArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`bench:ab: ${(err as Error).message}\n${AB_USAGE}`);
    process.exit(2);
  }
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const headRun = join(root, 'dist/bench/run.js');
  let baseHash: string;
  let headName: string;
  try {
    baseHash = git(root, 'rev-parse', '--short', `${args.base}^{commit}`);
    headName = `${git(root, 'rev-parse', '--short', 'HEAD')}${git(root, 'status', '--porcelain', '--untracked-files=no') ? ' + uncommitted changes' : ''}`;
  } catch (err) {
    console.error(`bench:ab: ${(err as Error).message}`);
    process.exit(2);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'konnect-ab-'));
  const tree = join(scratch, 'base');
  let child: ChildProcess | null = null;
  let cleaned = false;
  const cleanUp = (): void => {
    if (cleaned) return;
    cleaned = true;
    child?.kill('SIGTERM');
    spawnSync('git', ['worktree', 'remove', '--force', tree], { cwd: root });
    rmSync(scratch, { recursive: true, force: true });
    spawnSync('git', ['worktree', 'prune'], { cwd: root });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`bench:ab: ${signal}, removing the base worktree`);
      cleanUp();
      process.exit(130);
    });
  }
  const track = (c: ChildProcess | null): void => {
    child = c;
  };
  try {
    console.error(`bench:ab: checking out ${args.base} (${baseHash}) in ${tree}`);
    git(root, 'worktree', 'add', '--detach', tree, baseHash);
    const lock = (dir: string): string => readFileSync(join(dir, 'package-lock.json'), 'utf8');
    if (lock(root) === lock(tree) && existsSync(join(root, 'node_modules'))) {
      symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
    } else {
      console.error('bench:ab: the base has other dependencies: npm ci in its worktree');
      if ((await run('npm', ['ci', '--no-audit', '--no-fund'], tree, track)) !== 0)
        throw new Error('npm ci failed in the base worktree');
    }
    if ((await run('npm', ['run', 'build'], tree, track)) !== 0)
      throw new Error(`the base (${baseHash}) does not build`);
    const sides: Record<'base' | 'head', SideRuns> = {
      base: { name: `${args.base} (${baseHash})`, reports: [] },
      head: { name: headName, reports: [] },
    };
    const order = runOrder(args.runs);
    for (const [i, side] of order.entries()) {
      const out = join(scratch, `${i}-${side}.json`);
      const bench = side === 'base' ? join(tree, 'dist/bench/run.js') : headRun;
      const flags = ['--only', args.only.join(','), '--json', out, ...(args.quick ? ['--quick'] : [])];
      console.error(`bench:ab: run ${i + 1} of ${order.length}: ${side}`);
      const code = await run(process.execPath, [bench, ...flags], side === 'base' ? tree : root, track);
      sides[side].reports.push(readReport(out, code, args.only));
    }
    const comparison = compare(sides.base, sides.head);
    console.log(renderComparison(sides.base, sides.head, comparison));
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ comparison, runs: sides }, null, 2)}\n`);
    const failed = comparison.failures.base.length + comparison.failures.head.length > 0;
    cleanUp();
    process.exit(failed ? 1 : 0);
  } catch (err) {
    console.error(`bench:ab: ${(err as Error).message}`);
    cleanUp();
    process.exit(1);
  }
}

/** A run's figures; a run that wrote none is a run whose every scenario failed (counted, not dropped). */
function readReport(file: string, code: number, only: readonly string[]): BenchReport {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  } catch {
    const error = `the bench exited with ${code} and wrote no figures`;
    return {
      machine: machineFacts(),
      command: '',
      quick: false,
      startedAt: new Date().toISOString(),
      seconds: 0,
      scenarios: only.map((id) => ({ id, title: id, figures: [], notes: [], seconds: 0, error })),
    };
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
