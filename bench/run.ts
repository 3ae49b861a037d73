/**
 * `npm run bench`: runs every benchmark scenario of issue 7 and prints one table of figures, each beside
 * its target, with the machine and the command that produced it. A program that prints figures: no test
 * asserts on a time (tests/bench/bench-smoke.test.ts checks only that every scenario yields numbers).
 *
 *   node dist/bench/run.js [--quick] [--json FILE] [--only ID[,ID...]]
 *
 * --quick runs reduced sizes in under a minute (the smoke test); --json writes the same figures as JSON.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { BenchReport, ScenarioResult } from './lib/figures.js';
import { machineFacts, machineLine } from './lib/machine.js';
import { BenchContext, type Scenario } from './lib/scenario.js';
import { renderReport } from './lib/table.js';
import { catchUpScenario } from './scenarios/catch-up.js';
import { copiesScenario } from './scenarios/copies.js';
import { discoveryScenario } from './scenarios/discovery-netns.js';
import { hostileFloodScenario } from './scenarios/hostile-flood.js';
import { latencyScenario } from './scenarios/latency.js';
import { maxRateScenario } from './scenarios/max-rate.js';
import { memoryScenario } from './scenarios/memory.js';
import { filesScenario } from './scenarios/files.js';
import { microScenario } from './scenarios/micro.js';
import { seenMarkersScenario } from './scenarios/seen-markers.js';
import { webScenario } from './scenarios/web.js';

/** In the order they run. Scenarios 1-3 measure each mesh in a process of its own (bench/lib/isolated.ts). */
export const SCENARIOS: readonly Scenario[] = [
  latencyScenario,
  maxRateScenario,
  copiesScenario,
  memoryScenario,
  catchUpScenario,
  hostileFloodScenario,
  discoveryScenario,
  microScenario,
  filesScenario,
  seenMarkersScenario,
  webScenario,
];

interface Args {
  quick: boolean;
  json: string | null;
  only: string[] | null;
}

const USAGE = `usage: node dist/bench/run.js [--quick] [--json FILE] [--only ID[,ID...]]
scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}`;

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, json: null, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--json' && argv[i + 1]) args.json = argv[++i];
    else if (a.startsWith('--json=')) args.json = a.slice(7);
    else if (a === '--only' && argv[i + 1]) args.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',');
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  const unknown = args.only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
  if (unknown.length) {
    console.error(`bench: unknown scenario ${unknown.join(', ')}\n${USAGE}`);
    process.exit(2);
  }
  return args;
}

export async function runBench(args: Args, log: (line: string) => void): Promise<BenchReport> {
  const started = performance.now();
  const machine = machineFacts();
  const script = relative(process.cwd(), process.argv[1] ?? 'dist/bench/run.js') || 'dist/bench/run.js';
  const report: BenchReport = {
    machine,
    command: ['node', script, ...process.argv.slice(2)].join(' '),
    quick: args.quick,
    startedAt: new Date().toISOString(),
    seconds: 0,
    scenarios: [],
  };
  log(`konnect bench${args.quick ? ' (quick)' : ''} on ${machineLine(machine)}`);
  const ctx = new BenchContext(args.quick, log);
  try {
    for (const scenario of SCENARIOS) {
      if (args.only && !args.only.includes(scenario.id)) continue;
      log(`${scenario.title} ...`);
      const t0 = performance.now();
      const result: ScenarioResult = {
        id: scenario.id,
        title: scenario.title,
        figures: [],
        notes: [],
        seconds: 0,
      };
      try {
        const out = await scenario.run(ctx);
        result.figures = out.figures;
        result.notes = out.notes ?? [];
        if (out.skipped) result.skipped = out.skipped;
        if (out.failed?.length) result.error = `FAILED: ${out.failed.join('; ')}`;
      } catch (err) {
        result.error = (err as Error)?.stack ?? String(err);
      }
      result.seconds = (performance.now() - t0) / 1000;
      log(
        `  done in ${result.seconds.toFixed(1)} s${result.error ? ' (ERROR)' : result.skipped ? ' (skipped)' : ''}`,
      );
      report.scenarios.push(result);
    }
  } finally {
    await ctx.releaseMeshes();
  }
  report.seconds = (performance.now() - started) / 1000;
  report.loadAtEnd = machineFacts().loadAverage;
  return report;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const report = await runBench(args, (line) =>
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`),
  );
  console.log(renderReport(report));
  if (args.json) {
    writeFileSync(args.json, JSON.stringify(report, null, 2) + '\n');
    process.stderr.write(`figures written to ${args.json}\n`);
  }
  // Exit explicitly: a stray socket or timer of a stopped node must not keep the run alive.
  process.exit(report.scenarios.some((s) => s.error) ? 1 : 0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
