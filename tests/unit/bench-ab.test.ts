/**
 * `npm run bench:ab` (bench/ab.ts): its command line, the order it alternates the two builds in, and
 * the comparison it prints: ratios of medians, and failed runs counted, never dropped.
 */
import { describe, expect, it } from 'vitest';
import { parseAbArgs, runOrder } from '../../bench/ab.js';
import { compare, renderComparison, type SideRuns } from '../../bench/lib/ab-compare.js';
import { atMost, type BenchReport, type Figure } from '../../bench/lib/figures.js';

function report(load: number, figures: Figure[], error?: string): BenchReport {
  return {
    machine: { cores: 2, cpuModel: 'test', node: 'v20', platform: 'linux', memoryGiB: 24, loadAverage: load },
    command: 'node dist/bench/run.js --only latency',
    quick: false,
    startedAt: '2026-12-06T00:00:00.000Z',
    seconds: 1,
    scenarios: [
      { id: 'latency', title: 'latency', figures, notes: [], seconds: 1, ...(error ? { error } : {}) },
    ],
  };
}

const cpu = (value: number): Figure => ({
  key: 'n10-cpu-per-delivery',
  label: 'CPU per delivery',
  value,
  unit: 'µs',
  target: atMost(100),
});

describe('bench:ab command line', () => {
  it('needs a base, and takes the scenarios, runs, --quick and --json', () => {
    expect(parseAbArgs(['--base', 'HEAD~3'])).toEqual({
      base: 'HEAD~3',
      only: ['latency'],
      runs: 2,
      quick: false,
      json: null,
    });
    expect(
      parseAbArgs([
        '--base',
        'abc',
        '--only',
        'latency,max-rate',
        '--runs',
        '3',
        '--quick',
        '--json',
        'x.json',
      ]),
    ).toEqual({
      base: 'abc',
      only: ['latency', 'max-rate'],
      runs: 3,
      quick: true,
      json: 'x.json',
    });
  });

  it('refuses a bad command line with a message that names the problem', () => {
    expect(() => parseAbArgs([])).toThrow(/--base REV is required/);
    expect(() => parseAbArgs(['--base'])).toThrow(/--base needs a value/);
    expect(() => parseAbArgs(['--base', 'x', '--runs', '0'])).toThrow(/--runs must be/);
    expect(() => parseAbArgs(['--base', 'x', '--runs', '2.5'])).toThrow(/--runs must be/);
    expect(() => parseAbArgs(['--base', 'x', '--frobnicate'])).toThrow(/unknown argument --frobnicate/);
  });
});

describe('bench:ab run order', () => {
  it('alternates base, head, head, base so that drift falls on both alike', () => {
    expect(runOrder(1)).toEqual(['base', 'head']);
    expect(runOrder(3)).toEqual(['base', 'head', 'head', 'base', 'base', 'head']);
    const order = runOrder(4);
    expect(order.filter((s) => s === 'base')).toHaveLength(4);
    expect(order.filter((s) => s === 'head')).toHaveLength(4);
  });
});

describe('bench:ab comparison', () => {
  it('is the ratio of the medians, head over base, with every run value shown', () => {
    const base: SideRuns = {
      name: 'old',
      reports: [report(1, [cpu(200)]), report(2, [cpu(260)]), report(1.5, [cpu(240)])],
    };
    const head: SideRuns = {
      name: 'new',
      reports: [report(1, [cpu(120)]), report(2, [cpu(180)]), report(1, [cpu(150)])],
    };
    const c = compare(base, head);
    expect(c.figures).toHaveLength(1);
    expect(c.figures[0]).toMatchObject({ base: [200, 260, 240], head: [120, 180, 150], ratio: 0.625 });
    expect(c.loads).toEqual({ base: [1, 2, 1.5], head: [1, 2, 1] });
    const text = renderComparison(base, head, c);
    expect(text).toMatch(/CPU per delivery\s+200, 260, 240 → 120, 180, 150 µs\s+0\.625×\s+better/);
    expect(text).toContain('no run failed');
  });

  it('counts a failed run as failed and keeps the other runs’ figures', () => {
    const base: SideRuns = { name: 'old', reports: [report(1, [cpu(200)]), report(1, [cpu(220)])] };
    const head: SideRuns = {
      name: 'new',
      reports: [report(1, [cpu(300)]), report(1, [], 'FAILED: N=10: the mesh did not start')],
    };
    const c = compare(base, head);
    expect(c.failures.head).toEqual(['latency: 1 of 2 runs failed']);
    expect(c.failures.base).toEqual([]);
    expect(c.figures[0]).toMatchObject({ base: [200, 220], head: [300], ratio: 1.429 });
    const text = renderComparison(base, head, c);
    expect(text).toMatch(/FAILED: head latency: 1 of 2 runs failed/);
    expect(text).toMatch(/1\.429×\s+worse/);
  });

  it('shows a figure only one build has on its side, with no ratio', () => {
    const extra: Figure = { key: 'n10-reached-p50', label: 'reached everyone p50', value: 1.1, unit: 'ms' };
    const c = compare(
      { name: 'old', reports: [report(1, [cpu(200)])] },
      { name: 'new', reports: [report(1, [cpu(200), extra])] },
    );
    const shown = c.figures.find((f) => f.key === 'n10-reached-p50')!;
    expect(shown.base).toEqual([]);
    expect(shown.head).toEqual([1.1]);
    expect(shown.ratio).toBeNaN();
    expect(c.figures.find((f) => f.key === 'n10-cpu-per-delivery')!.ratio).toBe(1);
  });
});
