import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Tx } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { JobLease } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { executeRun, type RunDefinition, type StepRun } from '../../../platform/runs/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { createGhlStepFetch } from '../ghl-step-fetch.js';
import type { CrmApplier } from './crm-applier.js';
import { gradeInstall, type InstallReport, type StepFigures } from './grade-setup-sync.js';
import { SETUP_SYNC_KIND, SETUP_SYNC_STEP_DEFINITIONS, type SetupSyncSettings, type StepContext } from './setup-sync-steps.js';
import type { SyncProgressHub } from './sync-progress-hub.js';

export interface SetupSyncDeps {
  database: Database;
  client: GhlGateway;
  crm: CrmApplier;
  settings: SetupSyncSettings;
  generateId: IdGenerator;
  clock: Clock;
  logger: Logger;
  hub: SyncProgressHub;
}

const MIN_CHUNK = 50;
const REQUIRED = new Set<string>(SETUP_SYNC_STEP_DEFINITIONS.filter((step) => step.isRequired).map((step) => step.name));

/** Up to `parts` chunks of at least MIN_CHUNK items; items of one group stay together. */
function splitIntoChunks<T>(items: readonly T[], parts: number, groupOf?: (item: T) => string): T[][] {
  if (parts <= 1 || items.length < MIN_CHUNK * 2) return [[...items]];
  const count = Math.min(parts, Math.floor(items.length / MIN_CHUNK));
  const chunks: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, index) => {
    const slot = groupOf ? hashOf(groupOf(item)) % count : index % count;
    (chunks[slot] as T[]).push(item);
  });
  return chunks.filter((chunk) => chunk.length > 0);
}

function hashOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) hash = (hash * 31 + text.charCodeAt(index)) >>> 0;
  return hash;
}

function createStepContext(deps: SetupSyncDeps, step: StepRun): StepContext {
  const { database } = deps;
  const run = step.run;
  const commit = async (work: (tx: Tx) => Promise<{ records: number; cursor: StepContext['cursor'] }>) => {
    await step.commit(work);
  };
  return {
    run: { id: run.id, companyId: run.companyId, locationId: run.locationId, ghlLocationId: String(run.params['ghlLocationId'] ?? ''), startedAt: run.startedAt },
    client: deps.client,
    database,
    crm: deps.crm,
    settings: deps.settings,
    generateId: deps.generateId,
    now: () => deps.clock.now(),
    signal: step.signal,
    cursor: step.step.cursor,
    fetch: createGhlStepFetch(step),
    commit,
    async commitInChunks(items, apply, cursor, groupOf) {
      const chunks = splitIntoChunks(items, database.engine === 'postgres' ? deps.settings.applyConcurrency : 1, groupOf);
      if (chunks.length > 1) {
        step.throwIfStopped();
        await Promise.all(chunks.map((chunk) => database.system((tx) => apply(tx, chunk))));
        await commit(async () => ({ records: items.length, cursor }));
        return;
      }
      await commit(async (tx) => {
        await apply(tx, items);
        return { records: items.length, cursor };
      });
    },
  };
}

/**
 * Setup sync on the run engine (platform/runs): its steps (setup-sync-steps.ts), their context, and
 * the install report with its grade. Steps start as soon as their dependencies are done, the steps that
 * make the location usable first and everything else in parallel after them.
 */
export function createSetupSyncDefinition(deps: SetupSyncDeps): RunDefinition<StepContext> {
  return {
    kind: SETUP_SYNC_KIND,
    label: 'setup sync',
    steps: SETUP_SYNC_STEP_DEFINITIONS,
    createContext: (step) => createStepContext(deps, step),
    summarize(run, steps) {
      const finishedAt = deps.clock.now();
      const figures: StepFigures[] = steps.map((row) => ({
        name: row.step,
        status: row.status,
        isRequired: REQUIRED.has(row.step),
        records: row.recordCount,
        requests: row.requestCount,
        rateLimited: row.rateLimitedCount,
        seconds: row.durationMs / 1000,
        error: row.error,
      }));
      const report = gradeInstall({
        steps: figures,
        totalSeconds: (finishedAt.getTime() - run.startedAt.getTime()) / 1000,
        usableSeconds: run.readyAt ? (run.readyAt.getTime() - run.startedAt.getTime()) / 1000 : null,
      });
      return { status: figures.every((step) => step.status === 'done') ? 'done' : 'partial', summary: report as unknown as Record<string, unknown> };
    },
    // The job will not run again: progress streams end and the install shows F.
    abandon: (_run, _steps, reason) => ({ status: 'partial', summary: { grade: 'F', reasons: [reason] } }),
    onChange: (run) => deps.hub.notify(run.locationId),
    onFinished(run) {
      const report = run.summary as unknown as InstallReport;
      deps.logger.info({ runId: run.id, locationId: run.locationId, grade: report.grade, totalSeconds: report.totalSeconds, slowestStep: report.slowestStep }, 'setup sync finished');
    },
  };
}

/**
 * Runs (or resumes) one setup sync. Finished steps of an earlier attempt are kept; unfinished ones
 * continue from their checkpoint; failed and skipped ones are tried again. With a job lease every
 * write is fenced by it.
 */
export async function runSetupSync(deps: SetupSyncDeps, runId: string, signal: AbortSignal, lease?: JobLease): Promise<InstallReport> {
  const finished = await executeRun(deps, createSetupSyncDefinition(deps), runId, signal, lease);
  return finished.summary as unknown as InstallReport;
}
