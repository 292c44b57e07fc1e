import { sql, type SQL } from 'drizzle-orm';
import { queryRows, readTimestamp, type Executor } from '../db/index.js';
import { isJobLeaseHeld, type JobLease } from '../jobs/index.js';

export type RunStatus = 'pending' | 'running' | 'done' | 'partial' | 'failed';
export type RunStepStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';
export type RunCursor = Record<string, unknown> | null;

export interface RunRow {
  id: string;
  kind: string;
  companyId: string;
  locationId: string;
  params: Record<string, unknown>;
  trigger: string;
  status: RunStatus;
  jobId: string | null;
  readyAt: Date | null;
  summary: Record<string, unknown> | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

export interface RunStepRow {
  runId: string;
  step: string;
  position: number;
  status: RunStepStatus;
  attempts: number;
  params: Record<string, unknown> | null;
  cursor: RunCursor;
  highWaterAt: Date | null;
  recordCount: number;
  requestCount: number;
  rateLimitedCount: number;
  counts: Record<string, number>;
  durationMs: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export const isRunFinished = (status: RunStatus) => status === 'done' || status === 'partial' || status === 'failed';

/** Writes of a run executed by a job are fenced by the job's lease; direct calls (tests, tools) pass none. */
const fenceOf = (lease: JobLease | undefined) => (lease ? sql`and ${isJobLeaseHeld(lease)}` : sql``);
const jsonOrNull = (value: Record<string, unknown> | null | undefined) => (value === null || value === undefined ? null : JSON.stringify(value));

const RUN_COLUMNS = sql`id, kind, company_id as "companyId", location_id as "locationId", params, trigger, status, job_id as "jobId", ready_at as "readyAt",
  summary, error, started_at as "startedAt", finished_at as "finishedAt", created_at as "createdAt"`;
const STEP_COLUMNS = sql`run_id as "runId", step, position, status, attempts, params, cursor, high_water_at as "highWaterAt", record_count as "recordCount",
  request_count as "requestCount", rate_limited_count as "rateLimitedCount", counts, duration_ms as "durationMs", error, started_at as "startedAt",
  finished_at as "finishedAt", updated_at as "updatedAt"`;

const objectOrNull = (value: unknown) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : null);

function readRun(row: Record<string, unknown>): RunRow {
  return {
    id: String(row['id']),
    kind: String(row['kind']),
    companyId: String(row['companyId']),
    locationId: String(row['locationId']),
    params: objectOrNull(row['params']) ?? {},
    trigger: String(row['trigger']),
    status: row['status'] as RunStatus,
    jobId: row['jobId'] === null || row['jobId'] === undefined ? null : String(row['jobId']),
    readyAt: readTimestamp(row['readyAt']),
    summary: objectOrNull(row['summary']),
    error: (row['error'] as string | null) ?? null,
    startedAt: readTimestamp(row['startedAt']),
    finishedAt: readTimestamp(row['finishedAt']),
    createdAt: readTimestamp(row['createdAt']) ?? new Date(0),
  };
}

function readStep(row: Record<string, unknown>): RunStepRow {
  const counts = objectOrNull(row['counts']) ?? {};
  return {
    runId: String(row['runId']),
    step: String(row['step']),
    position: Number(row['position']),
    status: row['status'] as RunStepStatus,
    attempts: Number(row['attempts']),
    params: objectOrNull(row['params']),
    cursor: objectOrNull(row['cursor']),
    highWaterAt: readTimestamp(row['highWaterAt']),
    recordCount: Number(row['recordCount']),
    requestCount: Number(row['requestCount']),
    rateLimitedCount: Number(row['rateLimitedCount']),
    counts: Object.fromEntries(Object.entries(counts).map(([key, value]) => [key, Number(value)])),
    durationMs: Number(row['durationMs']),
    error: (row['error'] as string | null) ?? null,
    startedAt: readTimestamp(row['startedAt']),
    finishedAt: readTimestamp(row['finishedAt']),
    updatedAt: readTimestamp(row['updatedAt']) ?? new Date(0),
  };
}

export async function insertRun(
  tx: Executor,
  input: { id: string; kind: string; companyId: string; locationId: string; params: Record<string, unknown>; trigger: string; steps: readonly string[] },
): Promise<void> {
  await tx.execute(
    sql`insert into runs (id, kind, company_id, location_id, params, trigger, status)
      values (${input.id}, ${input.kind}, ${input.companyId}, ${input.locationId}, ${JSON.stringify(input.params)}::jsonb, ${input.trigger}, 'pending')`,
  );
  await tx.execute(
    sql`insert into run_steps (run_id, step, kind, company_id, location_id, position)
      select ${input.id}, step, ${input.kind}, ${input.companyId}, ${input.locationId}, (ord - 1)::int
      from jsonb_array_elements_text(${JSON.stringify(input.steps)}::jsonb) with ordinality as t(step, ord)`,
  );
}

export async function setRunJob(tx: Executor, runId: string, jobId: string): Promise<void> {
  await tx.execute(sql`update runs set job_id = ${jobId}, updated_at = now() where id = ${runId}`);
}

/**
 * The location's unfinished run of a kind. A transaction-scoped advisory lock per (kind, location)
 * comes first: `for update` locks nothing when there is no open run, and two enqueuers must not both
 * create one.
 */
export async function findOpenRunForUpdate(tx: Executor, input: { kind: string; locationId: string }): Promise<RunRow | undefined> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`runs:${input.kind}:${input.locationId}`}))`);
  const [row] = await queryRows(
    tx,
    sql`select ${RUN_COLUMNS} from runs where location_id = ${input.locationId} and kind = ${input.kind} and status in ('pending', 'running')
      order by created_at desc limit 1 for update`,
  );
  return row ? readRun(row) : undefined;
}

export async function findRun(executor: Executor, runId: string): Promise<RunRow | undefined> {
  const [row] = await queryRows(executor, sql`select ${RUN_COLUMNS} from runs where id = ${runId}`);
  return row ? readRun(row) : undefined;
}

export async function listRunsOfLocation(executor: Executor, input: { kind: string; locationId: string; limit: number }): Promise<RunRow[]> {
  const rows = await queryRows(
    executor,
    sql`select ${RUN_COLUMNS} from runs where location_id = ${input.locationId} and kind = ${input.kind} order by created_at desc, id desc limit ${input.limit}`,
  );
  return rows.map(readRun);
}

/** The location's newest run of a kind, finished or not (`isFinished`: only finished ones, newest finish first). */
export async function findLatestRun(executor: Executor, input: { kind: string; locationId: string; isFinished?: boolean }): Promise<RunRow | undefined> {
  const query = input.isFinished
    ? sql`select ${RUN_COLUMNS} from runs where location_id = ${input.locationId} and kind = ${input.kind} and finished_at is not null order by finished_at desc limit 1`
    : sql`select ${RUN_COLUMNS} from runs where location_id = ${input.locationId} and kind = ${input.kind} order by created_at desc limit 1`;
  const [row] = await queryRows(executor, query);
  return row ? readRun(row) : undefined;
}

/** When the location's newest run of a kind that ended done or partial started. */
export async function findLatestCompletedRunStart(executor: Executor, input: { kind: string; locationId: string }): Promise<Date | undefined> {
  const [row] = await queryRows<{ startedAt: unknown }>(
    executor,
    sql`select started_at as "startedAt" from runs where location_id = ${input.locationId} and kind = ${input.kind} and status in ('done', 'partial')
      and started_at is not null order by started_at desc limit 1`,
  );
  return readTimestamp(row?.startedAt) ?? undefined;
}

export async function listRunSteps(executor: Executor, runIds: readonly string[]): Promise<RunStepRow[]> {
  if (runIds.length === 0) return [];
  const rows = await queryRows(executor, sql`select ${STEP_COLUMNS} from run_steps where run_id = any(${sql.param([...runIds])}::text[]) order by run_id, position`);
  return rows.map(readStep);
}

/** Per step name, the highest high-water mark a done step of the kind reached at the location. */
export async function findStepHighWaterMarks(executor: Executor, input: { kind: string; locationId: string }): Promise<Map<string, Date>> {
  const rows = await queryRows<{ step: string; highWaterAt: unknown }>(
    executor,
    sql`select step, max(high_water_at) as "highWaterAt" from run_steps
      where location_id = ${input.locationId} and kind = ${input.kind} and status = 'done' and high_water_at is not null group by step`,
  );
  return new Map(
    rows.flatMap((row) => {
      const at = readTimestamp(row.highWaterAt);
      return at ? [[row.step, at] as const] : [];
    }),
  );
}

/** Latest change of any run or step of a kind at a location: a progress stream's cheap "did anything move" probe. */
export async function findRunsVersion(executor: Executor, input: { kind: string; locationId: string }): Promise<string> {
  const [row] = await queryRows<{ version: string | null }>(
    executor,
    sql`select greatest(
        (select max(updated_at) from runs where location_id = ${input.locationId} and kind = ${input.kind}),
        (select max(updated_at) from run_steps where location_id = ${input.locationId} and kind = ${input.kind}))::text as "version"`,
  );
  return row?.version ?? '';
}

/** The run (re)starts; a finished run does not. */
export async function markRunStarted(executor: Executor, runId: string, lease?: JobLease): Promise<RunRow | undefined> {
  const [row] = await queryRows(
    executor,
    sql`update runs set status = 'running', started_at = coalesce(started_at, now()), finished_at = null, updated_at = now()
      where id = ${runId} and status in ('pending', 'running') ${fenceOf(lease)} returning ${RUN_COLUMNS}`,
  );
  return row ? readRun(row) : undefined;
}

export async function markRunReady(executor: Executor, runId: string, lease?: JobLease): Promise<RunRow | undefined> {
  const [row] = await queryRows(executor, sql`update runs set ready_at = coalesce(ready_at, now()), updated_at = now() where id = ${runId} ${fenceOf(lease)} returning ${RUN_COLUMNS}`);
  return row ? readRun(row) : undefined;
}

export async function finishRun(executor: Executor, input: { runId: string; status: 'done' | 'partial'; summary: Record<string, unknown>; lease?: JobLease | undefined }): Promise<RunRow | undefined> {
  const [row] = await queryRows(
    executor,
    sql`update runs set status = ${input.status}, summary = ${JSON.stringify(input.summary)}::jsonb, finished_at = now(), updated_at = now()
      where id = ${input.runId} and status = 'running' ${fenceOf(input.lease)} returning ${RUN_COLUMNS}`,
  );
  return row ? readRun(row) : undefined;
}

/** The job gave up: an unfinished run ends with what the definition makes of it. */
export async function abandonRun(executor: Executor, input: { runId: string; status: 'partial' | 'failed'; summary: Record<string, unknown> | null; error: string | null }): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update runs set status = ${input.status}, summary = ${jsonOrNull(input.summary)}::jsonb, error = ${input.error}, finished_at = now(), updated_at = now()
      where id = ${input.runId} and status in ('pending', 'running') returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/**
 * A step (re)starts: failed and skipped steps of an earlier attempt run again from their cursor.
 * `params` and `highWaterAt` are kept from the first start, so a resumed attempt works on the same range.
 */
export async function markStepStarted(
  executor: Executor,
  input: { runId: string; step: string; params?: Record<string, unknown> | undefined; highWaterAt?: Date | undefined; lease?: JobLease | undefined },
): Promise<RunStepRow | undefined> {
  const [row] = await queryRows(
    executor,
    sql`update run_steps set status = 'running', attempts = attempts + 1, error = null, started_at = coalesce(started_at, now()), finished_at = null,
        params = coalesce(params, ${jsonOrNull(input.params)}::jsonb),
        high_water_at = coalesce(high_water_at, ${input.highWaterAt?.toISOString() ?? null}::timestamptz), updated_at = now()
      where run_id = ${input.runId} and step = ${input.step} ${fenceOf(input.lease)} returning ${STEP_COLUMNS}`,
  );
  return row ? readStep(row) : undefined;
}

/** Adds a page's counters to the step's ({ listed: 3 } + { listed: 2, repaired: 1 } = { listed: 5, repaired: 1 }). */
function addCounts(add: Readonly<Record<string, number>> | undefined): SQL {
  if (!add || Object.keys(add).length === 0) return sql`counts`;
  const added = sql`${JSON.stringify(add)}::jsonb`;
  return sql`(select coalesce(jsonb_object_agg(k.key, coalesce((run_steps.counts ->> k.key)::bigint, 0) + coalesce((${added} ->> k.key)::bigint, 0)), '{}'::jsonb)
    from jsonb_object_keys(run_steps.counts || ${added}) as k(key))`;
}

export interface StepCheckpoint {
  runId: string;
  step: string;
  cursor: RunCursor;
  addRecords: number;
  addRequests: number;
  addRateLimited: number;
  addDurationMs: number;
  addCounts?: Readonly<Record<string, number>> | undefined;
  /** Moves the high-water mark forward (never back). */
  highWaterAt?: Date | null | undefined;
  lease?: JobLease | undefined;
}

/**
 * The checkpoint, written in the transaction that applied the page: the cursor and the counts move
 * together with the rows, so a crash resumes exactly after the last committed page.
 */
export async function checkpointStep(executor: Executor, input: StepCheckpoint): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update run_steps set cursor = ${jsonOrNull(input.cursor)}::jsonb,
        high_water_at = greatest(high_water_at, ${input.highWaterAt?.toISOString() ?? null}::timestamptz),
        record_count = record_count + ${input.addRecords}, request_count = request_count + ${input.addRequests},
        rate_limited_count = rate_limited_count + ${input.addRateLimited}, duration_ms = duration_ms + ${Math.round(input.addDurationMs)},
        counts = ${addCounts(input.addCounts)}, updated_at = now()
      where run_id = ${input.runId} and step = ${input.step} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

export async function finishStep(
  executor: Executor,
  input: { runId: string; step: string; status: 'done' | 'failed' | 'skipped'; error: string | null; addRequests: number; addRateLimited: number; addDurationMs: number; lease?: JobLease | undefined },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update run_steps set status = ${input.status}, error = ${input.error}, finished_at = now(),
        request_count = request_count + ${input.addRequests}, rate_limited_count = rate_limited_count + ${input.addRateLimited},
        duration_ms = duration_ms + ${Math.round(input.addDurationMs)}, updated_at = now()
      where run_id = ${input.runId} and step = ${input.step} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}
