import { gradeSlaCompliance, quantileFromBuckets } from './webhook-rollup-histogram.js';
import type { RollupAggregate } from './webhook-rollups.repo.js';
import type { WebhookStats } from './webhook-rollups.schemas.js';

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const roundOrNull = (value: number | null, digits: number) => (value === null ? null : round(value, digits));

/** No events: the figures of a queue or minute the rollups have no row for. */
export const EMPTY_ROLLUP_AGGREGATE: Omit<RollupAggregate, 'at' | 'queue'> = { received: 0, done: 0, skipped: 0, failed: 0, dead: 0, latencyCount: 0, latencySumMs: 0, withinSla: 0, latencyBuckets: [] };

/** Figures of one aggregate over `seconds` of wall time (rates divide by it). */
export function toWebhookStats(aggregate: Omit<RollupAggregate, 'at' | 'queue'>, seconds: number): WebhookStats {
  const processed = aggregate.done + aggregate.skipped;
  const attempts = processed + aggregate.failed + aggregate.dead;
  const compliance = aggregate.latencyCount > 0 ? (aggregate.withinSla / aggregate.latencyCount) * 100 : null;
  const span = Math.max(1, seconds);
  return {
    received: aggregate.received,
    done: aggregate.done,
    skipped: aggregate.skipped,
    failed: aggregate.failed,
    dead: aggregate.dead,
    receivedPerSecond: round(aggregate.received / span, 3),
    processedPerSecond: round(processed / span, 3),
    errorRatePercent: attempts > 0 ? round(((aggregate.failed + aggregate.dead) / attempts) * 100, 2) : null,
    latencyMs: {
      p50: roundOrNull(quantileFromBuckets(aggregate.latencyBuckets, 0.5), 1),
      p95: roundOrNull(quantileFromBuckets(aggregate.latencyBuckets, 0.95), 1),
      p99: roundOrNull(quantileFromBuckets(aggregate.latencyBuckets, 0.99), 1),
      mean: aggregate.latencyCount > 0 ? round(aggregate.latencySumMs / aggregate.latencyCount, 1) : null,
    },
    slaCompliancePercent: roundOrNull(compliance, 2),
    slaGrade: gradeSlaCompliance(compliance === null ? null : round(compliance, 2)),
  };
}
