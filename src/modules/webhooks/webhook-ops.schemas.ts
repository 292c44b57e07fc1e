import { z } from 'zod';
import { bigintIdSchema, isoDateTimeSchema } from '../../platform/http/index.js';
import { WEBHOOK_QUEUE_NAMES } from './webhook-routing.js';

export const webhookStatusValues = ['pending', 'running', 'done', 'retry', 'dead', 'skipped'] as const;

const latencySchema = z.object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() });

export const webhookStatusSchema = z
  .object({
    windowMinutes: z.number().int(),
    queues: z.array(
      z.object({
        queue: z.enum(WEBHOOK_QUEUE_NAMES),
        slaSeconds: z.number(),
        pending: z.number().int(),
        running: z.number().int(),
        retrying: z.number().int(),
        dead: z.number().int(),
        oldestPendingAgeSeconds: z.number().nullable(),
        throughputPerSecond: z.object({ last1m: z.number(), last5m: z.number(), last60m: z.number() }),
        receiptToDoneMs: latencySchema,
        slaCompliancePercent: z.number().nullable(),
        completedLastHour: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'WebhookQueueStatus' });

export const eventFilterSchema = z.object({
  ghlLocationId: z.string().min(1).max(200).optional(),
  eventType: z.string().min(1).max(100).optional(),
  queue: z.enum(WEBHOOK_QUEUE_NAMES).optional(),
  receivedFrom: isoDateTimeSchema.optional(),
  receivedTo: isoDateTimeSchema.optional(),
});

export const listEventsQuerySchema = eventFilterSchema.extend({
  status: z.enum(webhookStatusValues).optional(),
  cursor: bigintIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const replayFilterBodySchema = eventFilterSchema
  .extend({
    status: z.enum(['dead', 'skipped', 'done']).default('dead'),
    dryRun: z.boolean().default(false),
  })
  .strict();

export const replayLocationBodySchema = z.object({ dryRun: z.boolean().default(false) }).strict();

export const eventIdParams = z.object({ id: bigintIdSchema });
export const ghlLocationParams = z.object({ ghlLocationId: z.string().min(1).max(200) });

export const eventSummarySchema = z
  .object({
    id: z.string(),
    provider: z.string(),
    eventType: z.string(),
    deliveryId: z.string(),
    queue: z.string(),
    status: z.enum(webhookStatusValues),
    ghlLocationId: z.string().nullable(),
    ghlCompanyId: z.string().nullable(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    receivedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookEventSummary' });

export const eventPageSchema = z.object({ items: z.array(eventSummarySchema), nextCursor: z.string().nullable() }).meta({ id: 'WebhookEventPage' });

export const eventDetailSchema = eventSummarySchema
  .extend({
    priority: z.number().int(),
    orderingKey: z.string().nullable(),
    occurredAt: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    bodySha256: z.string(),
    errors: z.array(z.object({ attempt: z.number().int(), at: z.string(), error: z.string() })),
    runAt: z.string(),
    leaseUntil: z.string().nullable(),
    lockedBy: z.string().nullable(),
    startedAt: z.string().nullable(),
    replayCount: z.number().int(),
  })
  .meta({ id: 'WebhookEventDetail' });

export const replayResultSchema = z.object({ matched: z.number().int(), replayed: z.number().int(), dryRun: z.boolean() }).meta({ id: 'WebhookReplayResult' });
