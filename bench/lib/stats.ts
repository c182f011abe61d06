// Small statistics for benchmark samples: medians, percentiles, sliding-window counts.

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100); NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

/** For each event time t, how many events fall in [t, t + windowMs): the largest and the mean of those
 *  counts over windows that end inside the run (so the tail's partial windows do not drag the mean down). */
export function slidingWindowCounts(times: readonly number[], windowMs = 1000): { max: number; mean: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const last = sorted[sorted.length - 1] ?? 0;
  let max = 0;
  let sum = 0;
  let full = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    const from = sorted[start] ?? 0;
    while (end < sorted.length && (sorted[end] ?? 0) - from < windowMs) end += 1;
    const count = end - start;
    max = Math.max(max, count);
    if (from + windowMs <= last) {
      sum += count;
      full += 1;
    }
  }
  return { max, mean: full === 0 ? sorted.length : sum / full };
}

export const round = (value: number, digits = 0): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

/** "1.23 s" / "456 ms" */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatMiB(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes >= 100 * 1048576 ? 0 : 1)} MiB`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}
