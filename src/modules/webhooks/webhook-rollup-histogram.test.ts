import { describe, expect, it } from 'vitest';
import { addLatencyBuckets, emptyLatencyBuckets, gradeSlaCompliance, latencyBucketIndex, quantileFromBuckets, ROLLUP_BUCKET_COUNT, ROLLUP_LATENCY_BOUNDS_MS } from './webhook-rollup-histogram.js';
import { WEBHOOK_QUEUES } from './webhook-routing.js';

describe('rollup latency histogram', () => {
  it('puts a latency in the bucket of the first bound it does not exceed, above the last bound in the overflow bucket', () => {
    expect(latencyBucketIndex(0)).toBe(0);
    expect(latencyBucketIndex(10)).toBe(0);
    expect(latencyBucketIndex(10.5)).toBe(1);
    expect(latencyBucketIndex(2000)).toBe(ROLLUP_LATENCY_BOUNDS_MS.indexOf(2000));
    expect(latencyBucketIndex(10_000_000)).toBe(ROLLUP_BUCKET_COUNT - 1);
  });

  it('has every queue SLA as a bound, so SLA compliance read from buckets is exact', () => {
    for (const queue of WEBHOOK_QUEUES) expect(ROLLUP_LATENCY_BOUNDS_MS).toContain(queue.slaSeconds * 1000);
  });

  it('interpolates quantiles inside the bucket and answers null for an empty histogram', () => {
    expect(quantileFromBuckets(emptyLatencyBuckets(), 0.5)).toBeNull();
    const buckets = emptyLatencyBuckets();
    // 100 events between 100 and 250 ms: the median sits halfway through that bucket.
    buckets[ROLLUP_LATENCY_BOUNDS_MS.indexOf(250)] = 100;
    expect(quantileFromBuckets(buckets, 0.5)).toBe(175);
    expect(quantileFromBuckets(buckets, 1)).toBe(250);
    // One slow outlier above every bound: p99 of 101 events stays in the 250 ms bucket, the max is the last bound.
    buckets[ROLLUP_BUCKET_COUNT - 1] = 1;
    expect(quantileFromBuckets(buckets, 0.99)).toBeLessThanOrEqual(250);
    expect(quantileFromBuckets(buckets, 1)).toBe(300_000);
  });

  it('adds histograms element-wise, a shorter one counting as zeros', () => {
    expect(addLatencyBuckets([1, 2, 3], [1, 1])).toEqual([2, 3, 3]);
  });

  it('grades SLA compliance A to F', () => {
    expect(gradeSlaCompliance(null)).toBeNull();
    expect(gradeSlaCompliance(100)).toBe('A');
    expect(gradeSlaCompliance(99)).toBe('A');
    expect(gradeSlaCompliance(98.99)).toBe('B');
    expect(gradeSlaCompliance(90)).toBe('C');
    expect(gradeSlaCompliance(85)).toBe('D');
    expect(gradeSlaCompliance(50)).toBe('E');
    expect(gradeSlaCompliance(49.9)).toBe('F');
  });
});
