/** Prints a BenchReport as a plain-text table: each figure beside its target and whether it is met. */
import { type BenchReport, type Figure, verdict } from './figures.js';
import { machineLine } from './machine.js';

function formatValue(f: Figure): string {
  if (!Number.isFinite(f.value)) return String(f.value);
  const abs = Math.abs(f.value);
  const digits = abs >= 1000 || Number.isInteger(f.value) ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return f.value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatTarget(f: Figure): string {
  if (!f.target) return '';
  return `${f.target.op === '<=' ? '≤' : '≥'} ${f.target.value.toLocaleString('en-US')} ${f.unit}`;
}

export function renderReport(report: BenchReport): string {
  const lines: string[] = [];
  lines.push(`konnect benchmarks${report.quick ? ' (quick)' : ''}`);
  lines.push(`machine: ${machineLine(report.machine)}`);
  if (report.loadAtEnd !== undefined) lines.push(`load average at the end: ${report.loadAtEnd}`);
  lines.push(`command: ${report.command}`);
  lines.push(`run:     ${report.startedAt}, ${Math.round(report.seconds)} s`);
  const labelWidth = Math.max(44, ...report.scenarios.flatMap((s) => s.figures.map((f) => f.label.length)));
  for (const s of report.scenarios) {
    lines.push('');
    lines.push(`${s.title}  [${s.id}, ${Math.round(s.seconds)} s]`);
    if (s.skipped) lines.push(`  skipped: ${s.skipped}`);
    if (s.error) lines.push(`  ERROR: ${s.error}`);
    for (const f of s.figures) {
      const value = `${formatValue(f)} ${f.unit}`;
      const v = verdict(f);
      lines.push(
        `  ${f.label.padEnd(labelWidth)}  ${value.padStart(16)}  ${formatTarget(f).padEnd(14)}  ${v === 'missed' ? 'MISSED' : v}`.trimEnd(),
      );
      if (f.note) lines.push(`      ${f.note}`);
    }
    for (const note of s.notes) lines.push(`  · ${note}`);
  }
  const all = report.scenarios.flatMap((s) => s.figures);
  const met = all.filter((f) => verdict(f) === 'met').length;
  const missed = all.filter((f) => verdict(f) === 'missed');
  const failed = report.scenarios.filter((s) => s.error);
  lines.push('');
  if (failed.length)
    lines.push(`FAILED: ${failed.length} scenario(s) (${failed.map((s) => s.id).join(', ')})`);
  lines.push(
    `targets: ${met} met, ${missed.length} missed${missed.length ? ` (${missed.map((f) => f.label).join('; ')})` : ''}`,
  );
  return lines.join('\n');
}
