import { z } from 'zod';

export const reconcileLocationParams = z.object({ locationId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) });
/** How many of the newest runs to return (coverage over time for the dashboard). */
export const reconcileRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(10) });

const entitySchema = z.object({
  name: z.string(),
  status: z.string(),
  attempts: z.number(),
  fetched: z.number(),
  listed: z.number(),
  repaired: z.number(),
  unapplied: z.number(),
  coverage: z.number(),
  requests: z.number(),
  previousCheckpointAt: z.string().nullable(),
  sinceAt: z.string().nullable(),
  checkpointAt: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const runSchema = z.object({
  id: z.string(),
  trigger: z.string(),
  status: z.string(),
  isFinished: z.boolean(),
  jobId: z.string().nullable(),
  listed: z.number(),
  repaired: z.number(),
  coverage: z.number(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  entities: z.array(entitySchema),
});

export const reconciliationSchema = z
  .object({
    locationId: z.string(),
    checkpoints: z.array(z.object({ entity: z.string(), checkpointAt: z.string().nullable() })),
    latest: runSchema.nullable(),
    runs: z.array(runSchema),
  })
  .meta({ id: 'Reconciliation' });

export const reconciliationRequestedSchema = z.object({ runId: z.string(), jobId: z.string(), isNew: z.boolean() });
