import { sql } from 'drizzle-orm';
import { queryRows, readTimestamp, type Executor } from '../../../platform/db/index.js';
import { isJobLeaseHeld, type JobLease } from '../../../platform/jobs/index.js';

export type SyncRunStatus = 'pending' | 'running' | 'done' | 'partial';
export type SyncStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

export interface SyncRunRow {
  id: string;
  companyId: string;
  locationId: string;
  ghlLocationId: string;
  trigger: string;
  status: SyncRunStatus;
  grade: string | null;
  startedAt: Date | null;
  usableAt: Date | null;
  finishedAt: Date | null;
  report: Record<string, unknown> | null;
  createdAt: Date;
}

export interface SyncStepRow {
  runId: string;
  step: string;
  position: number;
  status: SyncStepStatus;
  attempts: number;
  cursor: Record<string, unknown> | null;
  recordCount: number;
  requestCount: number;
  rateLimitedCount: number;
  durationMs: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  updatedAt: Date;
}

/** Writes of a run executed by a job are fenced by the job's lease; direct calls (tests, tools) pass none. */
const fenceOf = (lease: JobLease | undefined) => (lease ? sql`and ${isJobLeaseHeld(lease)}` : sql``);


function readRun(row: Record<string, unknown>): SyncRunRow {
  return {
    id: String(row['id']),
    companyId: String(row['companyId']),
    locationId: String(row['locationId']),
    ghlLocationId: String(row['ghlLocationId']),
    trigger: String(row['trigger']),
    status: row['status'] as SyncRunStatus,
    grade: (row['grade'] as string | null) ?? null,
    startedAt: readTimestamp(row['startedAt']),
    usableAt: readTimestamp(row['usableAt']),
    finishedAt: readTimestamp(row['finishedAt']),
    report: (row['report'] as Record<string, unknown> | null) ?? null,
    createdAt: readTimestamp(row['createdAt']) ?? new Date(0),
  };
}

function readStep(row: Record<string, unknown>): SyncStepRow {
  return {
    runId: String(row['runId']),
    step: String(row['step']),
    position: Number(row['position']),
    status: row['status'] as SyncStepStatus,
    attempts: Number(row['attempts']),
    cursor: (row['cursor'] as Record<string, unknown> | null) ?? null,
    recordCount: Number(row['recordCount']),
    requestCount: Number(row['requestCount']),
    rateLimitedCount: Number(row['rateLimitedCount']),
    durationMs: Number(row['durationMs']),
    startedAt: readTimestamp(row['startedAt']),
    finishedAt: readTimestamp(row['finishedAt']),
    error: (row['error'] as string | null) ?? null,
    updatedAt: readTimestamp(row['updatedAt']) ?? new Date(0),
  };
}

const RUN_COLUMNS = sql`id, company_id as "companyId", location_id as "locationId", ghl_location_id as "ghlLocationId", trigger, status, grade,
  started_at as "startedAt", usable_at as "usableAt", finished_at as "finishedAt", report, created_at as "createdAt"`;
const STEP_COLUMNS = sql`run_id as "runId", step, position, status, attempts, cursor, record_count as "recordCount", request_count as "requestCount",
  rate_limited_count as "rateLimitedCount", duration_ms as "durationMs", started_at as "startedAt", finished_at as "finishedAt", error, updated_at as "updatedAt"`;

export async function insertSyncRun(
  tx: Executor,
  input: { id: string; companyId: string; locationId: string; ghlLocationId: string; trigger: string; steps: readonly string[] },
): Promise<void> {
  await tx.execute(
    sql`insert into sync_runs (id, company_id, location_id, ghl_location_id, trigger, status) values (${input.id}, ${input.companyId}, ${input.locationId}, ${input.ghlLocationId}, ${input.trigger}, 'pending')`,
  );
  await tx.execute(
    sql`insert into sync_steps (run_id, step, company_id, location_id, position)
      select ${input.id}, step, ${input.companyId}, ${input.locationId}, (ord - 1)::int
      from jsonb_array_elements_text(${JSON.stringify(input.steps)}::jsonb) with ordinality as t(step, ord)`,
  );
}

export async function findSyncRun(executor: Executor, runId: string): Promise<SyncRunRow | undefined> {
  const [row] = await queryRows(executor, sql`select ${RUN_COLUMNS} from sync_runs where id = ${runId}`);
  return row ? readRun(row) : undefined;
}

export async function listSyncSteps(executor: Executor, runIds: readonly string[]): Promise<SyncStepRow[]> {
  if (runIds.length === 0) return [];
  const rows = await queryRows(executor, sql`select ${STEP_COLUMNS} from sync_steps where run_id = any(${sql.param([...runIds])}::text[]) order by run_id, position`);
  return rows.map(readStep);
}

export async function listSyncRunsOfLocation(executor: Executor, locationId: string, limit: number): Promise<SyncRunRow[]> {
  const rows = await queryRows(executor, sql`select ${RUN_COLUMNS} from sync_runs where location_id = ${locationId} order by created_at desc, id desc limit ${limit}`);
  return rows.map(readRun);
}

export async function markSyncRunStarted(executor: Executor, runId: string): Promise<void> {
  await executor.execute(sql`update sync_runs set status = 'running', started_at = coalesce(started_at, now()), finished_at = null, updated_at = now() where id = ${runId}`);
}

export async function markSyncRunUsable(executor: Executor, runId: string): Promise<void> {
  await executor.execute(sql`update sync_runs set usable_at = coalesce(usable_at, now()), updated_at = now() where id = ${runId}`);
}

export async function finishSyncRun(
  executor: Executor,
  input: { runId: string; status: 'done' | 'partial'; grade: string; report: Record<string, unknown>; lease?: JobLease | undefined },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update sync_runs set status = ${input.status}, grade = ${input.grade}, report = ${JSON.stringify(input.report)}::jsonb, finished_at = now(), updated_at = now()
      where id = ${input.runId} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** A step (re)starts: failed and skipped steps of an earlier attempt run again from their cursor. */
export async function markSyncStepStarted(executor: Executor, runId: string, step: string, lease?: JobLease): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update sync_steps set status = 'running', attempts = attempts + 1, error = null, started_at = coalesce(started_at, now()), finished_at = null, updated_at = now()
      where run_id = ${runId} and step = ${step} ${fenceOf(lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/**
 * The checkpoint, written in the transaction that applied the page: the cursor and the counts move
 * together with the rows, so a crash resumes exactly after the last committed page.
 */
export async function checkpointSyncStep(
  executor: Executor,
  input: { runId: string; step: string; cursor: Record<string, unknown> | null; addRecords: number; addRequests: number; addRateLimited: number; addDurationMs: number; lease?: JobLease | undefined },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update sync_steps set cursor = ${input.cursor === null ? null : JSON.stringify(input.cursor)}::jsonb,
        record_count = record_count + ${input.addRecords}, request_count = request_count + ${input.addRequests},
        rate_limited_count = rate_limited_count + ${input.addRateLimited}, duration_ms = duration_ms + ${Math.round(input.addDurationMs)}, updated_at = now()
      where run_id = ${input.runId} and step = ${input.step} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

export async function finishSyncStep(
  executor: Executor,
  input: { runId: string; step: string; status: 'done' | 'failed' | 'skipped'; error: string | null; addRequests: number; addRateLimited: number; addDurationMs: number; lease?: JobLease | undefined },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update sync_steps set status = ${input.status}, error = ${input.error}, finished_at = now(),
        request_count = request_count + ${input.addRequests}, rate_limited_count = rate_limited_count + ${input.addRateLimited},
        duration_ms = duration_ms + ${Math.round(input.addDurationMs)}, updated_at = now()
      where run_id = ${input.runId} and step = ${input.step} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** Latest change of any run or step of a location: the SSE stream's cheap "did anything move" probe. */
export async function findSyncVersion(executor: Executor, locationId: string): Promise<string> {
  const [row] = await queryRows<{ version: string | null }>(
    executor,
    sql`select greatest((select max(updated_at) from sync_runs where location_id = ${locationId}), (select max(updated_at) from sync_steps where location_id = ${locationId}))::text as "version"`,
  );
  return row?.version ?? '';
}
