import { z } from 'zod';
import { SYNC_HEALTH_ENTITIES } from './sync-health-entities.js';

export const syncHealthParamsSchema = z.object({ locationId: z.string().min(1).max(100) });

export const entitySyncHealthSchema = z
  .object({
    entity: z.enum(SYNC_HEALTH_ENTITIES.map((entry) => entry.entity) as [string, ...string[]]),
    localCount: z.number().int().describe('Rows we hold, deleted ones excluded'),
    syncedCount: z.number().int().describe('Of those, rows that carry a GHL id'),
    pendingPushes: z.number().int().describe('Outbox jobs (crm.push-*) of this entity waiting or running'),
    failures: z.number().int().describe('Dead outbox jobs (crm.push-*) of this entity'),
    lastSourceUpdatedAt: z.string().nullable().describe('Newest GHL change time among the rows'),
    lastWrittenAt: z.string().nullable().describe('When a row of this entity was last written here'),
    unconfirmedRecords: z.number().int().describe('Records with edits made here that GHL has not confirmed yet (local deletes included)'),
    refusedRecords: z.number().int().describe('Records whose last push GHL refused (the reason is on the record’s sync.error)'),
  })
  .meta({ id: 'EntitySyncHealth' });

export const syncHealthSchema = z
  .object({
    locationId: z.string(),
    ghlLocationId: z.string().nullable(),
    entities: z.array(entitySyncHealthSchema),
    deadJobs: z.number().int().describe('Dead jobs of the location, any kind'),
    lastSetupSyncAt: z.string().nullable().describe('When the latest finished setup sync finished'),
    reconciliation: z
      .object({ status: z.string(), finishedAt: z.string().nullable(), listed: z.number().int(), repaired: z.number().int(), coverage: z.number().nullable() })
      .nullable()
      .describe('The newest finished reconciliation: changes GHL listed, how many webhooks had missed, and coverage = share that arrived by webhook'),
    setupSync: z
      .object({ runId: z.string(), trigger: z.string(), status: z.string(), grade: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable() })
      .nullable()
      .describe('The newest setup sync run'),
    token: z
      .object({
        status: z.enum(['active', 'needs_reauth', 'revoked']),
        reason: z.string().nullable(),
        accessExpiresAt: z.string().nullable(),
        refreshedAt: z.string().nullable(),
      })
      .nullable()
      .describe('The location token’s state; null when the app holds no token for it'),
    installation: z
      .object({ status: z.string(), installedAt: z.string().nullable(), uninstalledAt: z.string().nullable() })
      .nullable()
      .describe('The app installation on this location; null when none was recorded'),
    checkedAt: z.string(),
  })
  .meta({ id: 'SyncHealth' });

export type SyncHealthView = z.infer<typeof syncHealthSchema>;
export type EntitySyncHealthView = z.infer<typeof entitySyncHealthSchema>;
