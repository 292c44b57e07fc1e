import { z } from 'zod';
import { WEBHOOK_QUEUE_NAMES } from './webhook-routing.js';

export const SERIES_WINDOWS = {
  '1h': { seconds: 3600, bucketSeconds: 60 },
  '24h': { seconds: 86_400, bucketSeconds: 600 },
} as const;
export type SeriesWindow = keyof typeof SERIES_WINDOWS;

export const seriesQuerySchema = z
  .object({
    window: z.enum(['1h', '24h']).default('1h').describe('1h: 60 one-minute points; 24h: 144 ten-minute points'),
    queue: z.enum(WEBHOOK_QUEUE_NAMES).optional().describe('One queue; all queues when omitted'),
  })
  .strict();

const gradeSchema = z.enum(['A', 'B', 'C', 'D', 'E', 'F']);

const latencySchema = z
  .object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable(), mean: z.number().nullable() })
  .describe('Receipt-to-done in milliseconds from the rollup histogram (first deliveries only); null without any');

/** Figures of a span of time (one chart point, or a whole window). */
export const webhookStatsSchema = z.object({
  received: z.number().int().describe('Events stored by ingest'),
  done: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int().describe('Failed attempts that will be retried'),
  dead: z.number().int().describe('Failed last attempts (now dead letters)'),
  receivedPerSecond: z.number(),
  processedPerSecond: z.number().describe('done + skipped per second'),
  errorRatePercent: z.number().nullable().describe('(failed + dead) / every finished attempt; null without attempts'),
  latencyMs: latencySchema,
  slaCompliancePercent: z.number().nullable().describe('Share of first deliveries done within their queue’s SLA'),
  slaGrade: gradeSchema.nullable().describe('A ≥ 99 %, B ≥ 95 %, C ≥ 90 %, D ≥ 80 %, E ≥ 50 %, else F'),
});

export const webhookSeriesSchema = z
  .object({
    window: z.enum(['1h', '24h']),
    bucketSeconds: z.number().int(),
    queue: z.enum(WEBHOOK_QUEUE_NAMES).nullable(),
    from: z.string(),
    to: z.string(),
    points: z.array(webhookStatsSchema.extend({ at: z.string().describe('Start of the bucket') })),
    total: webhookStatsSchema,
    queues: z.array(webhookStatsSchema.extend({ queue: z.enum(WEBHOOK_QUEUE_NAMES), slaSeconds: z.number() })),
  })
  .meta({ id: 'WebhookSeries' });

export const webhookOverviewSchema = z
  .object({
    checkedAt: z.string(),
    queues: z.array(
      z.object({
        queue: z.enum(WEBHOOK_QUEUE_NAMES),
        slaSeconds: z.number(),
        pending: z.number().int(),
        running: z.number().int(),
        retrying: z.number().int(),
        dead: z.number().int(),
        oldestPendingAgeSeconds: z.number().nullable(),
        last5Minutes: webhookStatsSchema,
        lastHour: webhookStatsSchema,
      }),
    ),
    total: z.object({
      pending: z.number().int(),
      running: z.number().int(),
      retrying: z.number().int(),
      dead: z.number().int(),
      oldestPendingAgeSeconds: z.number().nullable(),
      last5Minutes: webhookStatsSchema,
      lastHour: webhookStatsSchema,
    }),
  })
  .meta({ id: 'WebhookOverview' });

export type WebhookStats = z.infer<typeof webhookStatsSchema>;
export type WebhookSeriesView = z.infer<typeof webhookSeriesSchema>;
export type WebhookOverviewView = z.infer<typeof webhookOverviewSchema>;
