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

/**
 * Counts of events in sliding windows [t, t + windowMs). `max`: the largest count over windows starting at
 * an event (where the largest always starts). `mean`: the average count over windows at every millisecond
 * inside the run, which is the achieved rate per window even for bursty arrivals (averaging only windows
 * that start at events would undercount bursts: most of a burst's windows start mid-burst).
 */
export function slidingWindowCounts(times: readonly number[], windowMs = 1000): { max: number; mean: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const first = sorted[0] ?? 0;
  const last = sorted[sorted.length - 1] ?? 0;
  let max = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    const from = sorted[start] ?? 0;
    while (end < sorted.length && (sorted[end] ?? 0) - from < windowMs) end += 1;
    max = Math.max(max, end - start);
  }
  if (last - first < windowMs) return { max, mean: sorted.length };
  let sum = 0;
  let windows = 0;
  let lo = 0;
  let hi = 0;
  for (let t = first; t + windowMs <= last; t += 1) {
    while (lo < sorted.length && (sorted[lo] ?? 0) < t) lo += 1;
    while (hi < sorted.length && (sorted[hi] ?? 0) < t + windowMs) hi += 1;
    sum += hi - lo;
    windows += 1;
  }
  return { max, mean: sum / windows };
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
