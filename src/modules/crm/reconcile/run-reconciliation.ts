import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import type { JobLease } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { executeRun, findLatestCompletedRunStart, findStepHighWaterMarks, type RunDefinition, type RunStepRow, type StepRun } from '../../../platform/runs/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { createGhlStepFetch } from '../ghl-step-fetch.js';
import type { CrmApplier } from '../sync/crm-applier.js';
import { SETUP_SYNC_KIND } from '../sync/setup-sync-steps.js';
import { computeCoverage, countPage, judgeRecord, type PageCounts } from './count-repairs.js';
import { RECONCILE_ENTITY_DEFINITIONS, RECONCILE_KIND, type ChangedRecord, type ReconcileEntityContext, type ReconcileEntityName, type ReconcileSettings } from './reconcile-entities.js';
import { readStoredVersions, selectUnlistedRows } from './reconcile.repo.js';

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

interface Prepared {
  /** Per entity, the highest checkpoint a finished run reached. */
  checkpoints: Map<string, Date>;
  /** Where an entity no run has finished starts: the newest finished setup sync's start. */
  setupSyncStart: Date | undefined;
}

const DEFINITIONS = new Map(RECONCILE_ENTITY_DEFINITIONS.map((definition) => [definition.name as string, definition]));

const readDate = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value) : undefined);

function totalsOf(steps: readonly RunStepRow[]): { listed: number; repaired: number } {
  return {
    listed: steps.reduce((sum, step) => sum + (step.counts['listed'] ?? 0), 0),
    repaired: steps.reduce((sum, step) => sum + (step.counts['repaired'] ?? 0), 0),
  };
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

function createEntityContext(deps: ReconciliationDeps, step: StepRun): ReconcileEntityContext {
  const { database } = deps;
  const definition = DEFINITIONS.get(step.step.step);
  if (!definition) throw new Error(`unknown reconciliation entity ${step.step.step}`);
  const run = step.run;
  const target = { id: run.id, companyId: run.companyId, locationId: run.locationId, ghlLocationId: String(run.params['ghlLocationId'] ?? ''), startedAt: run.startedAt };
  const previousCheckpointAt = readDate(step.step.params?.['previousCheckpointAt']) ?? new Date(0);
  const sinceAt = readDate(step.step.params?.['sinceAt']) ?? previousCheckpointAt;
  const context: ReconcileEntityContext = {
    run: target,
    client: deps.client,
    crm: deps.crm,
    settings: deps.settings,
    sinceAt,
    cursor: step.step.cursor,
    fetch: createGhlStepFetch(step),
    async commitPage(page) {
      step.throwIfStopped();
      const changed = newestPerRecord(page.changed);
      const committed = await step.commit(async (tx) => {
        const stored = await readStoredVersions(tx, definition.table, target.locationId, changed.map((record) => record.ghlId));
        const applied = await page.apply(tx);
        const changedIds = new Set(applied.changedGhlIds);
        const verdicts = changed.map((record) => ({ changedAt: record.changedAt, verdict: judgeRecord({ changedAt: record.changedAt, stored: stored.get(record.ghlId), isChanged: changedIds.has(record.ghlId) }) }));
        const pageCounts = countPage(verdicts, previousCheckpointAt);
        return {
          cursor: page.cursor,
          records: page.fetched,
          counts: { listed: pageCounts.listed, repaired: pageCounts.repaired, unapplied: pageCounts.unapplied },
          highWaterAt: page.checkpointAt ?? pageCounts.highWaterAt,
          pageCounts,
        };
      });
      context.cursor = page.cursor;
      deps.onPage?.(definition.name, committed.pageCounts);
    },
    async sweepDeleted(input) {
      if (definition.table !== 'contacts' && definition.table !== 'opportunities' && definition.table !== 'appointments' && definition.table !== 'invoices') return;
      const entity = definition.table;
      step.throwIfStopped();
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
        step.throwIfStopped();
        step.countRequest();
        if (await input.isGone(ghlId)) gone.push(ghlId);
      }
      if (gone.length === 0) return;
      // Known gone now: the tombstones count as repaired changes (a delete webhook was missed).
      const confirmedAt = deps.clock.now();
      await context.commitPage({ fetched: 0, changed: gone.map((ghlId) => ({ ghlId, changedAt: confirmedAt })), cursor: context.cursor, apply: (tx) => deps.crm.applyDeleted(tx, target, entity, gone) });
    },
  };
  return context;
}

/**
 * Reconciliation on the run engine (platform/runs): the entities one after another (they share the
 * location's rate budget, so running them in parallel would only queue in the governor). Each entity
 * lists GHL's changes since its checkpoint minus the overlap and applies them through the CRM
 * processors; a page, its counts, high-water mark and cursor commit together. An entity whose GHL
 * calls fail is marked failed and the others still run; its checkpoint does not move, so the next run
 * covers it.
 */
export function createReconciliationDefinition(deps: ReconciliationDeps): RunDefinition<ReconcileEntityContext, Prepared> {
  return {
    kind: RECONCILE_KIND,
    label: 'reconciliation',
    steps: RECONCILE_ENTITY_DEFINITIONS,
    maxParallelSteps: 1,
    async prepare(run) {
      const checkpoints = await findStepHighWaterMarks(deps.database.db, { kind: RECONCILE_KIND, locationId: run.locationId });
      const setupSyncStart = await findLatestCompletedRunStart(deps.database.db, { kind: SETUP_SYNC_KIND, locationId: run.locationId });
      return { checkpoints, setupSyncStart };
    },
    // The checkpoints are fixed on the first attempt so a resumed one asks GHL for the same range.
    startStep(step, row, prepared) {
      const previousCheckpointAt = readDate(row.params?.['previousCheckpointAt']) ?? prepared.checkpoints.get(step.name) ?? prepared.setupSyncStart;
      if (!previousCheckpointAt) return { error: 'no finished setup sync to start from' };
      const sinceAt = readDate(row.params?.['sinceAt']) ?? new Date(previousCheckpointAt.getTime() - deps.settings.overlapSeconds * 1000);
      return { params: { previousCheckpointAt: previousCheckpointAt.toISOString(), sinceAt: sinceAt.toISOString() }, highWaterAt: previousCheckpointAt };
    },
    createContext: (step) => createEntityContext(deps, step),
    summarize(_run, steps) {
      const { listed, repaired } = totalsOf(steps);
      return { status: steps.every((step) => step.status === 'done') ? 'done' : 'partial', summary: { listed, repaired, coverage: computeCoverage(listed, repaired) } };
    },
    // The job will not run again: the run ends failed with what it counted so far and blocks the next one no longer.
    abandon: (_run, steps) => ({ status: 'failed', summary: { ...totalsOf(steps), coverage: null } }),
    onFinished(run, steps) {
      deps.logger.info(
        { runId: run.id, locationId: run.locationId, status: run.status, ...run.summary, failed: steps.filter((step) => step.status === 'failed').map((step) => step.step) },
        'reconciliation finished',
      );
    },
  };
}

/** Runs (or resumes) one reconciliation; a finished run is left as it is. */
export async function runReconciliation(deps: ReconciliationDeps, runId: string, signal: AbortSignal, lease?: JobLease): Promise<void> {
  await executeRun(deps, createReconciliationDefinition(deps), runId, signal, lease);
}
