import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import type { JobLease } from '../../../platform/jobs/index.js';
import { describeError, type Logger } from '../../../platform/log/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import type { CrmApplier } from '../sync/crm-applier.js';
import { countPage, judgeRecord, type PageCounts } from './count-repairs.js';
import { RECONCILE_ENTITY_DEFINITIONS, type ChangedRecord, type ReconcileEntityContext, type ReconcileEntityDefinition, type ReconcileEntityName, type ReconcileSettings } from './reconcile-entities.js';
import {
  checkpointReconcileEntity,
  findFinishedSetupSyncStart,
  findReconcileCheckpoints,
  findReconcileRun,
  finishReconcileEntity,
  finishReconcileRun,
  listReconcileEntities,
  markReconcileEntityStarted,
  markReconcileRunStarted,
  readStoredVersions,
  selectUnlistedRows,
} from './reconcile-runs.repo.js';

export interface ReconciliationDeps {
  database: Database;
  client: GhlGateway;
  crm: CrmApplier;
  settings: ReconcileSettings;
  clock: Clock;
  logger: Logger;
  /** Called after each committed page (metrics). */
  onPage?: (entity: ReconcileEntityName, counts: PageCounts) => void;
}

export class ReconciliationInterruptedError extends Error {
  constructor(runId: string) {
    super(`reconciliation ${runId} was interrupted; it resumes from its checkpoints`);
    this.name = 'ReconciliationInterruptedError';
  }
}

export class ReconciliationRunNotFoundError extends Error {
  constructor(runId: string) {
    super(`reconciliation run ${runId} does not exist`);
    this.name = 'ReconciliationRunNotFoundError';
  }
}

class GhlRequestFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GhlRequestFailedError';
  }
}

/** GHL's messages are about records, never credentials; cap them anyway and drop bearer-looking strings. */
function describeFailure(error: unknown): string {
  const text = error instanceof GhlRequestFailedError ? error.message : describeError(error);
  return text.replace(/bearer\s+\S+/gi, 'Bearer [redacted]').slice(0, 500);
}

/**
 * Runs (or resumes) one reconciliation: the entities one after another (they share the location's
 * rate budget, so running them in parallel would only queue in the governor). Each entity lists
 * GHL's changes since its checkpoint minus the overlap and applies them through the CRM processors;
 * a page, its counts, high-water mark and cursor commit together. An entity whose GHL calls fail is
 * marked failed and the others still run; its checkpoint does not move, so the next run covers it.
 */
export async function runReconciliation(deps: ReconciliationDeps, runId: string, signal: AbortSignal, lease?: JobLease): Promise<void> {
  const { database } = deps;
  const run = await findReconcileRun(database.db, runId);
  if (!run) throw new ReconciliationRunNotFoundError(runId);
  if (run.status !== 'pending' && run.status !== 'running') return;
  if (!(await markReconcileRunStarted(database.db, runId, lease))) throw new ReconciliationInterruptedError(runId);
  const startedAt = (await findReconcileRun(database.db, runId))?.startedAt ?? deps.clock.now();
  const target = { id: run.id, companyId: run.companyId, locationId: run.locationId, ghlLocationId: run.ghlLocationId, startedAt };

  const rows = new Map((await listReconcileEntities(database.db, [runId])).map((row) => [row.entity, row]));
  const checkpoints = await findReconcileCheckpoints(database.db, run.locationId);
  const setupSyncStart = await findFinishedSetupSyncStart(database.db, run.locationId);
  const throwIfStopped = () => {
    if (signal.aborted) throw new ReconciliationInterruptedError(runId);
  };

  for (const definition of RECONCILE_ENTITY_DEFINITIONS) {
    const row = rows.get(definition.name);
    if (!row || row.status === 'done') continue;
    throwIfStopped();
    const previousCheckpointAt = row.previousCheckpointAt ?? checkpoints.get(definition.name) ?? setupSyncStart;
    if (!previousCheckpointAt) {
      const error = 'no finished setup sync to start from';
      if (!(await finishReconcileEntity(database.db, { runId, entity: definition.name, status: 'failed', error, addRequests: 0, lease }))) throw new ReconciliationInterruptedError(runId);
      continue;
    }
    const sinceAt = row.sinceAt ?? new Date(previousCheckpointAt.getTime() - deps.settings.overlapSeconds * 1000);
    const started = await markReconcileEntityStarted(database.db, { runId, entity: definition.name, previousCheckpointAt, sinceAt, lease });
    if (!started) throw new ReconciliationInterruptedError(runId);
    await reconcileEntity(deps, definition, { target, started, signal, lease, throwIfStopped });
  }

  throwIfStopped();
  const entities = await listReconcileEntities(database.db, [runId]);
  const status = entities.every((entity) => entity.status === 'done') ? 'done' : 'partial';
  if (!(await finishReconcileRun(database.db, { runId, status, lease }))) throw new ReconciliationInterruptedError(runId);
  const finished = await findReconcileRun(database.db, runId);
  deps.logger.info(
    { runId, locationId: run.locationId, status, listed: finished?.listedCount, repaired: finished?.repairedCount, coverage: finished?.coverage, failed: entities.filter((entity) => entity.status === 'failed').map((entity) => entity.entity) },
    'reconciliation finished',
  );
}

async function reconcileEntity(
  deps: ReconciliationDeps,
  definition: ReconcileEntityDefinition,
  input: {
    target: ReconcileEntityContext['run'];
    started: { previousCheckpointAt: Date | null; sinceAt: Date | null; cursor: Record<string, unknown> | null };
    signal: AbortSignal;
    lease: JobLease | undefined;
    throwIfStopped: () => void;
  },
): Promise<void> {
  const { database } = deps;
  const { target, lease, throwIfStopped } = input;
  const runId = target.id;
  const previousCheckpointAt = input.started.previousCheckpointAt ?? new Date(0);
  const sinceAt = input.started.sinceAt ?? previousCheckpointAt;
  let requests = 0;
  const context: ReconcileEntityContext = {
    run: target,
    client: deps.client,
    crm: deps.crm,
    settings: deps.settings,
    sinceAt,
    cursor: input.started.cursor,
    async fetch(label, call) {
      throwIfStopped();
      requests += 1;
      const result = await call();
      if (!result.ok) throw new GhlRequestFailedError(`${label} answered ${result.error.status} ${result.error.code}: ${result.error.message}`);
      return result.data;
    },
    async commitPage(page) {
      throwIfStopped();
      const changed = newestPerRecord(page.changed);
      const counts = await database.system(async (tx) => {
        const stored = await readStoredVersions(tx, definition.table, target.locationId, changed.map((record) => record.ghlId));
        const applied = await page.apply(tx);
        const changedIds = new Set(applied.changedGhlIds);
        const verdicts = changed.map((record) => ({ changedAt: record.changedAt, verdict: judgeRecord({ changedAt: record.changedAt, stored: stored.get(record.ghlId), isChanged: changedIds.has(record.ghlId) }) }));
        const pageCounts = countPage(verdicts, previousCheckpointAt);
        const isHeld = await checkpointReconcileEntity(tx, {
          runId,
          entity: definition.name,
          cursor: page.cursor,
          highWaterAt: page.checkpointAt ?? pageCounts.highWaterAt,
          addFetched: page.fetched,
          addListed: pageCounts.listed,
          addRepaired: pageCounts.repaired,
          addUnapplied: pageCounts.unapplied,
          addRequests: requests,
          lease,
        });
        // Throwing rolls the page back with its counts: the worker that holds the job now redoes it.
        if (!isHeld) throw new ReconciliationInterruptedError(runId);
        return pageCounts;
      });
      requests = 0;
      context.cursor = page.cursor;
      deps.onPage?.(definition.name, counts);
    },
    async sweepDeleted(input) {
      if (definition.table !== 'contacts' && definition.table !== 'opportunities' && definition.table !== 'appointments' && definition.table !== 'invoices') return;
      const entity = definition.table;
      throwIfStopped();
      const candidates = await selectUnlistedRows(database.db, {
        table: entity,
        locationId: target.locationId,
        listedGhlIds: [...input.listedGhlIds],
        createdBefore: target.startedAt,
        ...(input.startWindow ? { startWindow: input.startWindow } : {}),
        limit: deps.settings.deletionChecksPerRun,
      });
      const gone: string[] = [];
      for (const ghlId of candidates) {
        throwIfStopped();
        requests += 1;
        if (await input.isGone(ghlId)) gone.push(ghlId);
      }
      if (gone.length === 0) return;
      // Known gone now: the tombstones count as repaired changes (a delete webhook was missed).
      const confirmedAt = deps.clock.now();
      await context.commitPage({ fetched: 0, changed: gone.map((ghlId) => ({ ghlId, changedAt: confirmedAt })), cursor: context.cursor, apply: (tx) => deps.crm.applyDeleted(tx, target, entity, gone) });
    },
  };
  let status: 'done' | 'failed' = 'done';
  let error: string | null = null;
  try {
    await definition.run(context);
  } catch (cause) {
    if (input.signal.aborted || cause instanceof ReconciliationInterruptedError) throw new ReconciliationInterruptedError(runId);
    status = 'failed';
    error = describeFailure(cause);
    deps.logger.warn({ runId, entity: definition.name, err: cause }, 'reconciliation entity failed');
  }
  if (!(await finishReconcileEntity(database.db, { runId, entity: definition.name, status, error, addRequests: requests, lease }))) throw new ReconciliationInterruptedError(runId);
}

/** A page may list a record twice (one statement cannot upsert a row twice anyway): its newest change counts. */
function newestPerRecord(records: readonly ChangedRecord[]): ChangedRecord[] {
  const byId = new Map<string, ChangedRecord>();
  for (const record of records) {
    const current = byId.get(record.ghlId);
    if (!current || record.changedAt.getTime() > current.changedAt.getTime()) byId.set(record.ghlId, record);
  }
  return [...byId.values()];
}
