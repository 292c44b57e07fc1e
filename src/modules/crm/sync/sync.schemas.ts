import { z } from 'zod';

export const syncLocationParams = z.object({ locationId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/) });

const stepSchema = z.object({
  name: z.string(),
  status: z.string(),
  isRequired: z.boolean(),
  records: z.number(),
  requests: z.number(),
  rateLimited: z.number(),
  seconds: z.number(),
  attempts: z.number(),
  error: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const runSchema = z.object({
  id: z.string(),
  trigger: z.string(),
  status: z.string(),
  isFinished: z.boolean(),
  isUsable: z.boolean(),
  grade: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  usableAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  elapsedSeconds: z.number().nullable(),
  stepsDone: z.number(),
  stepsTotal: z.number(),
  steps: z.array(stepSchema),
  report: z.record(z.string(), z.unknown()).nullable(),
});

export const syncProgressSchema = z
  .object({ locationId: z.string(), current: runSchema.nullable(), runs: z.array(runSchema) })
  .meta({ id: 'SyncProgress' });

export const syncRequestedSchema = z.object({ runId: z.string() });
