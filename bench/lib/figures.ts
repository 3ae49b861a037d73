/**
 * What a benchmark run produces: figures with their unit and, where issue 7 sets one, their target.
 * The table and the JSON file are two views of the same ScenarioResult list.
 */

export interface Target {
  op: '<=' | '>=';
  value: number;
}

export interface Figure {
  /** Stable key for the JSON file and the smoke test (kebab-case, unique within the scenario). */
  key: string;
  label: string;
  value: number;
  unit: string;
  target?: Target;
  /** How the figure was obtained, or what limits it (printed under the table). */
  note?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  figures: Figure[];
  /** Why the scenario did not run (no root, no `ip netns`, a building block missing). */
  skipped?: string;
  /** The scenario threw: the instrument is broken, not the figure. */
  error?: string;
  notes: string[];
  seconds: number;
}

export interface BenchReport {
  machine: MachineFacts;
  command: string;
  quick: boolean;
  startedAt: string;
  seconds: number;
  /** 1-minute load average when the run ended: with the one at start, how busy the machine was. */
  loadAtEnd?: number;
  scenarios: ScenarioResult[];
}

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverage: number;
}

export function figure(
  key: string,
  label: string,
  value: number,
  unit: string,
  extra: { target?: Target; note?: string } = {},
): Figure {
  return { key, label, value, unit, ...extra };
}

export const atMost = (value: number): Target => ({ op: '<=', value });
export const atLeast = (value: number): Target => ({ op: '>=', value });

/** 'met', 'missed', or '' when the figure has no target (or is not a number). */
export function verdict(f: Figure): 'met' | 'missed' | '' {
  if (!f.target || !Number.isFinite(f.value)) return '';
  const ok = f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value;
  return ok ? 'met' : 'missed';
}
