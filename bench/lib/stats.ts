/** Small statistics over samples: percentiles by nearest rank, mean, max. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function mean(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let sum = 0;
  for (const s of samples) sum += s;
  return sum / samples.length;
}

export function max(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  let m = -Infinity;
  for (const s of samples) if (s > m) m = s;
  return m;
}

/** Rounds to `digits` significant decimals for printing and JSON (keeps integers whole). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
