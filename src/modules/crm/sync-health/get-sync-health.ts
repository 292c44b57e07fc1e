import type { Clock } from '../../../platform/clock/clock.js';
import { timestampToIso, type Database } from '../../../platform/db/index.js';
import { canAccessLocation, tenantScopeOf, type Principal } from '../../../platform/http/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { countLocationJobs, type JobCount } from '../../../platform/jobs/index.js';
import {
  findLastFinishedSyncAt,
  findLatestFinishedReconciliation,
  findLatestSyncRun,
  selectEntityCounts,
} from './sync-health.repo.js';
import { SYNC_HEALTH_ENTITIES } from './sync-health-entities.js';
import type { GhlInstallDirectory } from '../ghl-installs.js';
import { findLocationGhlLink } from '../../tenants/index.js';
import type { EntitySyncHealthView, SyncHealthView } from './sync-health.schemas.js';

export interface SyncHealthDeps {
  database: Database;
  clock: Clock;
  installs: GhlInstallDirectory;
}

const PENDING_JOB_STATUSES = new Set(['pending', 'running', 'retry']);
const TOKEN_STATUSES = ['active', 'needs_reauth', 'revoked'] as const;
type TokenStatus = (typeof TOKEN_STATUSES)[number];


function isTokenStatus(value: string): value is TokenStatus {
  return (TOKEN_STATUSES as readonly string[]).includes(value);
}

function sumJobs(jobs: readonly JobCount[], kind: string | undefined, isCounted: (status: string) => boolean): number {
  return jobs.filter((job) => (kind === undefined || job.kind === kind) && isCounted(job.status)).reduce((sum, job) => sum + job.total, 0);
}

/**
 * How well one location is in sync with GHL: what we hold per entity, what waits to be pushed or died
 * trying, when data last arrived, and whether the app can still talk to GHL for it (token, install).
 */
export async function getSyncHealth(deps: SyncHealthDeps, principal: Principal, locationId: string): Promise<Result<SyncHealthView, 'not_found'>> {
  if (!canAccessLocation(principal, locationId)) return fail('not_found', 'Location not found');
  return deps.database.tenant(tenantScopeOf(principal), async (tx): Promise<Result<SyncHealthView, 'not_found'>> => {
    const location = await findLocationGhlLink(tx, locationId);
    if (!location) return fail('not_found', 'Location not found');
    const counts = await selectEntityCounts(tx, locationId);
    const jobs = await countLocationJobs(tx, { locationId, kinds: SYNC_HEALTH_ENTITIES.map((entry) => entry.pushJobKind) });
    const { token, installation } = await deps.installs.findLocationAccess(tx, locationId);
    const run = await findLatestSyncRun(tx, locationId);
    const lastSetupSyncAt = await findLastFinishedSyncAt(tx, locationId);
    const reconciliation = await findLatestFinishedReconciliation(tx, locationId);
    const entities: EntitySyncHealthView[] = SYNC_HEALTH_ENTITIES.map(({ entity, pushJobKind }) => {
      const row = counts.find((candidate) => candidate.entity === entity);
      return {
        entity,
        localCount: Number(row?.localCount ?? 0),
        syncedCount: Number(row?.syncedCount ?? 0),
        pendingPushes: sumJobs(jobs, pushJobKind, (status) => PENDING_JOB_STATUSES.has(status)),
        failures: sumJobs(jobs, pushJobKind, (status) => status === 'dead'),
        lastSourceUpdatedAt: timestampToIso(row?.lastSourceUpdatedAt),
        lastWrittenAt: timestampToIso(row?.lastWrittenAt),
        unconfirmedRecords: Number(row?.unconfirmedRecords ?? 0),
        refusedRecords: Number(row?.refusedRecords ?? 0),
      };
    });
    return succeed({
      locationId,
      ghlLocationId: location.ghlLocationId,
      entities,
      deadJobs: sumJobs(jobs, undefined, (status) => status === 'dead'),
      lastSetupSyncAt: timestampToIso(lastSetupSyncAt),
      reconciliation: reconciliation
        ? {
            status: reconciliation.status,
            finishedAt: timestampToIso(reconciliation.finishedAt),
            listed: Number(reconciliation.listedCount),
            repaired: Number(reconciliation.repairedCount),
            coverage: reconciliation.coverage === null ? null : Number(reconciliation.coverage),
          }
        : null,
      setupSync: run
        ? { runId: run.id, trigger: run.trigger, status: run.status, grade: run.grade, startedAt: timestampToIso(run.startedAt), finishedAt: timestampToIso(run.finishedAt) }
        : null,
      // An unknown status (a newer writer) reads as needs_reauth: the app cannot rely on that token.
      token: token
        ? { status: isTokenStatus(token.status) ? token.status : 'needs_reauth', reason: token.statusReason, accessExpiresAt: timestampToIso(token.accessExpiresAt), refreshedAt: timestampToIso(token.refreshedAt) }
        : null,
      installation: installation ? { status: installation.status, installedAt: timestampToIso(installation.installedAt), uninstalledAt: timestampToIso(installation.uninstalledAt) } : null,
      checkedAt: deps.clock.now().toISOString(),
    });
  });
}
