/**
 * Upper bounds (ms) of the receipt-to-done latency buckets in webhook_rollups.latency_buckets; one
 * more bucket counts everything above the last bound. The SLA targets (2 s, 30 s, 60 s, 120 s) are
 * bounds, so compliance read from a histogram is exact. Only append bounds: stored rows keep the
 * positions they were written with.
 */
export const ROLLUP_LATENCY_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000, 300_000] as const;

export const ROLLUP_BUCKET_COUNT = ROLLUP_LATENCY_BOUNDS_MS.length + 1;

export function emptyLatencyBuckets(): number[] {
  return new Array<number>(ROLLUP_BUCKET_COUNT).fill(0);
}

/** Index of the bucket a latency falls in (a value on a bound belongs to that bound's bucket). */
export function latencyBucketIndex(latencyMs: number): number {
  const index = ROLLUP_LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? ROLLUP_LATENCY_BOUNDS_MS.length : index;
}

/** Element-wise sum; a shorter array counts as zeros. */
export function addLatencyBuckets(into: number[], add: readonly number[]): number[] {
  for (let index = 0; index < add.length; index += 1) into[index] = (into[index] ?? 0) + (add[index] ?? 0);
  return into;
}

/**
 * The q-quantile (0..1) of a bucketed latency distribution, interpolated linearly inside its bucket
 * (as Prometheus' histogram_quantile does). Above the last bound it answers that bound: the true
 * value is only known to be larger. Null when the histogram is empty.
 */
export function quantileFromBuckets(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let index = 0; index < buckets.length; index += 1) {
    const count = buckets[index] ?? 0;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const upper = ROLLUP_LATENCY_BOUNDS_MS[index];
      if (upper === undefined) return ROLLUP_LATENCY_BOUNDS_MS[ROLLUP_LATENCY_BOUNDS_MS.length - 1] ?? null;
      const lower = index === 0 ? 0 : (ROLLUP_LATENCY_BOUNDS_MS[index - 1] ?? 0);
      return lower + ((upper - lower) * Math.max(0, rank - seen)) / count;
    }
    seen += count;
  }
  return ROLLUP_LATENCY_BOUNDS_MS[ROLLUP_LATENCY_BOUNDS_MS.length - 1] ?? null;
}

export type SlaGrade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** SLA grade thresholds (share of first deliveries done within their queue's SLA), documented in the README. */
export const SLA_GRADE_THRESHOLDS: readonly { grade: SlaGrade; minPercent: number }[] = [
  { grade: 'A', minPercent: 99 },
  { grade: 'B', minPercent: 95 },
  { grade: 'C', minPercent: 90 },
  { grade: 'D', minPercent: 80 },
  { grade: 'E', minPercent: 50 },
];

export function gradeSlaCompliance(percent: number | null): SlaGrade | null {
  if (percent === null) return null;
  return SLA_GRADE_THRESHOLDS.find((threshold) => percent >= threshold.minPercent)?.grade ?? 'F';
}
