/**
 * The comparison `npm run bench:ab` prints (bench/ab.ts): runs of two builds, alternated on one
 * machine, figure by figure, as a ratio of their medians. The machine's speed moves from day to day
 * and within a run (this one is shared): a figure is only worth its ratio to the other build's,
 * measured beside it.
 *
 * A run whose scenario failed is counted as failed for that side, never dropped: its figures are
 * left out of the medians, and the table says how many runs each median is over.
 */
import type { BenchReport, Figure } from './figures.js';
import { round } from './stats.js';

export interface SideRuns {
  /** What the side is: a git revision and its short hash. */
  name: string;
  reports: BenchReport[];
}

export interface ComparedFigure {
  scenario: string;
  key: string;
  label: string;
  unit: string;
  /** One value per run that produced it, in run order. */
  base: number[];
  head: number[];
  /** head's median ÷ base's median; NaN when either side has no value. */
  ratio: number;
  /** Whether a higher value is the better one, when the figure's target says so. */
  higherIsBetter: boolean | null;
}

export interface Comparison {
  figures: ComparedFigure[];
  /** Scenario runs that failed, per side: "latency: 1 of 2". */
  failures: { base: string[]; head: string[] };
  loads: { base: number[]; head: number[] };
}

/** The middle value, or the mean of the two middle ones (two runs a side is the usual case). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Figures of every run, by scenario and key, in the order they first appear. */
function collect(
  reports: readonly BenchReport[],
): Map<string, { figure: Figure; scenario: string; values: number[] }> {
  const byKey = new Map<string, { figure: Figure; scenario: string; values: number[] }>();
  for (const report of reports) {
    for (const s of report.scenarios) {
      for (const f of s.figures) {
        if (!Number.isFinite(f.value)) continue;
        const k = `${s.id}/${f.key}`;
        let entry = byKey.get(k);
        if (!entry) byKey.set(k, (entry = { figure: f, scenario: s.id, values: [] }));
        entry.values.push(f.value);
      }
    }
  }
  return byKey;
}

function failures(reports: readonly BenchReport[]): string[] {
  const count = new Map<string, number>();
  for (const report of reports) {
    for (const s of report.scenarios) if (s.error) count.set(s.id, (count.get(s.id) ?? 0) + 1);
  }
  return [...count].map(([id, n]) => `${id}: ${n} of ${reports.length} runs failed`);
}

export function compare(base: SideRuns, head: SideRuns): Comparison {
  const a = collect(base.reports);
  const b = collect(head.reports);
  const figures: ComparedFigure[] = [];
  for (const [k, entry] of new Map([...b, ...a])) {
    const f = b.get(k)?.figure ?? entry.figure;
    const baseValues = a.get(k)?.values ?? [];
    const headValues = b.get(k)?.values ?? [];
    const ratio = median(headValues) / median(baseValues);
    figures.push({
      scenario: entry.scenario,
      key: f.key,
      label: f.label,
      unit: f.unit,
      base: baseValues,
      head: headValues,
      ratio: Number.isFinite(ratio) ? round(ratio, 3) : Number.NaN,
      higherIsBetter: f.target ? f.target.op === '>=' : null,
    });
  }
  return {
    figures,
    failures: { base: failures(base.reports), head: failures(head.reports) },
    loads: {
      base: base.reports.map((r) => r.machine.loadAverage),
      head: head.reports.map((r) => r.machine.loadAverage),
    },
  };
}

function show(values: readonly number[]): string {
  if (values.length === 0) return '—';
  return values.map((v) => String(round(v, Math.abs(v) >= 100 ? 1 : 3))).join(', ');
}

/** The comparison as a plain-text table, figures in their run order. */
export function renderComparison(base: SideRuns, head: SideRuns, c: Comparison): string {
  const lines: string[] = [];
  lines.push(
    `base: ${base.name} (${base.reports.length} runs, load at start ${c.loads.base.join(', ') || '—'})`,
  );
  lines.push(
    `head: ${head.name} (${head.reports.length} runs, load at start ${c.loads.head.join(', ') || '—'})`,
  );
  lines.push('ratio = median(head) ÷ median(base); values are each run in order');
  const width = Math.max(40, ...c.figures.map((f) => f.label.length));
  let scenario = '';
  for (const f of c.figures) {
    if (f.scenario !== scenario) {
      scenario = f.scenario;
      lines.push('', `[${scenario}]`);
    }
    const ratio = Number.isNaN(f.ratio) ? 'n/a' : `${f.ratio}×`;
    const better =
      f.higherIsBetter === null || Number.isNaN(f.ratio) || f.ratio === 1
        ? ''
        : f.ratio > 1 === f.higherIsBetter
          ? 'better'
          : 'worse';
    lines.push(
      `  ${f.label.padEnd(width)}  ${`${show(f.base)} → ${show(f.head)} ${f.unit}`.padEnd(44)}  ${ratio.padStart(8)}  ${better}`.trimEnd(),
    );
  }
  const failed = [...c.failures.base.map((s) => `base ${s}`), ...c.failures.head.map((s) => `head ${s}`)];
  lines.push('', failed.length ? `FAILED: ${failed.join('; ')}` : 'no run failed');
  return lines.join('\n');
}
