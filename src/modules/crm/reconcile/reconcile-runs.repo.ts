import { sql } from 'drizzle-orm';
import { queryRows, readTimestamp, type Executor } from '../../../platform/db/index.js';
import { isJobLeaseHeld, type JobLease } from '../../../platform/jobs/index.js';

export type ReconcileRunStatus = 'pending' | 'running' | 'done' | 'partial' | 'failed';
export type ReconcileEntityStatus = 'pending' | 'running' | 'done' | 'failed';

export interface ReconcileRunRow {
  id: string;
  companyId: string;
  locationId: string;
  ghlLocationId: string;
  trigger: string;
  status: ReconcileRunStatus;
  jobId: string | null;
  listedCount: number;
  repairedCount: number;
  coverage: number | null;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

export interface ReconcileEntityRow {
  runId: string;
  entity: string;
  position: number;
  status: ReconcileEntityStatus;
  attempts: number;
  previousCheckpointAt: Date | null;
  sinceAt: Date | null;
  checkpointAt: Date | null;
  cursor: Record<string, unknown> | null;
  fetchedCount: number;
  listedCount: number;
  repairedCount: number;
  unappliedCount: number;
  requestCount: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Writes of a run executed by a job are fenced by its lease: a stalled worker whose job moved on stops at its next write. */
const fenceOf = (lease: JobLease | undefined) => (lease ? sql`and ${isJobLeaseHeld(lease)}` : sql``);


const RUN_COLUMNS = sql`id, company_id as "companyId", location_id as "locationId", ghl_location_id as "ghlLocationId", trigger, status, job_id as "jobId",
  listed_count as "listedCount", repaired_count as "repairedCount", coverage, error, started_at as "startedAt", finished_at as "finishedAt", created_at as "createdAt"`;
const ENTITY_COLUMNS = sql`run_id as "runId", entity, position, status, attempts, previous_checkpoint_at as "previousCheckpointAt", since_at as "sinceAt",
  checkpoint_at as "checkpointAt", cursor, fetched_count as "fetchedCount", listed_count as "listedCount", repaired_count as "repairedCount",
  unapplied_count as "unappliedCount", request_count as "requestCount", error, started_at as "startedAt", finished_at as "finishedAt"`;

function readRun(row: Record<string, unknown>): ReconcileRunRow {
  return {
    id: String(row['id']),
    companyId: String(row['companyId']),
    locationId: String(row['locationId']),
    ghlLocationId: String(row['ghlLocationId']),
    trigger: String(row['trigger']),
    status: row['status'] as ReconcileRunStatus,
    jobId: row['jobId'] === null || row['jobId'] === undefined ? null : String(row['jobId']),
    listedCount: Number(row['listedCount']),
    repairedCount: Number(row['repairedCount']),
    coverage: row['coverage'] === null || row['coverage'] === undefined ? null : Number(row['coverage']),
    error: (row['error'] as string | null) ?? null,
    startedAt: readTimestamp(row['startedAt']),
    finishedAt: readTimestamp(row['finishedAt']),
    createdAt: readTimestamp(row['createdAt']) ?? new Date(0),
  };
}

function readEntity(row: Record<string, unknown>): ReconcileEntityRow {
  return {
    runId: String(row['runId']),
    entity: String(row['entity']),
    position: Number(row['position']),
    status: row['status'] as ReconcileEntityStatus,
    attempts: Number(row['attempts']),
    previousCheckpointAt: readTimestamp(row['previousCheckpointAt']),
    sinceAt: readTimestamp(row['sinceAt']),
    checkpointAt: readTimestamp(row['checkpointAt']),
    cursor: (row['cursor'] as Record<string, unknown> | null) ?? null,
    fetchedCount: Number(row['fetchedCount']),
    listedCount: Number(row['listedCount']),
    repairedCount: Number(row['repairedCount']),
    unappliedCount: Number(row['unappliedCount']),
    requestCount: Number(row['requestCount']),
    error: (row['error'] as string | null) ?? null,
    startedAt: readTimestamp(row['startedAt']),
    finishedAt: readTimestamp(row['finishedAt']),
  };
}

export async function insertReconcileRun(
  tx: Executor,
  input: { id: string; companyId: string; locationId: string; ghlLocationId: string; trigger: string; entities: readonly string[] },
): Promise<void> {
  await tx.execute(
    sql`insert into reconcile_runs (id, company_id, location_id, ghl_location_id, trigger, status)
      values (${input.id}, ${input.companyId}, ${input.locationId}, ${input.ghlLocationId}, ${input.trigger}, 'pending')`,
  );
  await tx.execute(
    sql`insert into reconcile_run_entities (run_id, entity, company_id, location_id, position)
      select ${input.id}, entity, ${input.companyId}, ${input.locationId}, (ord - 1)::int
      from jsonb_array_elements_text(${JSON.stringify(input.entities)}::jsonb) with ordinality as t(entity, ord)`,
  );
}

export async function setReconcileRunJob(tx: Executor, runId: string, jobId: string): Promise<void> {
  await tx.execute(sql`update reconcile_runs set job_id = ${jobId}, updated_at = now() where id = ${runId}`);
}

/**
 * The location's unfinished run. A transaction-scoped advisory lock per location comes first: `for
 * update` locks nothing when there is no open run, and two enqueuers must not both create one.
 */
export async function findOpenReconcileRunForUpdate(tx: Executor, locationId: string): Promise<ReconcileRunRow | undefined> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`ghl.reconcile:${locationId}`}))`);
  const [row] = await queryRows(tx, sql`select ${RUN_COLUMNS} from reconcile_runs where location_id = ${locationId} and status in ('pending', 'running') order by created_at desc limit 1 for update`);
  return row ? readRun(row) : undefined;
}

export async function findReconcileRun(executor: Executor, runId: string): Promise<ReconcileRunRow | undefined> {
  const [row] = await queryRows(executor, sql`select ${RUN_COLUMNS} from reconcile_runs where id = ${runId}`);
  return row ? readRun(row) : undefined;
}

export async function listReconcileRunsOfLocation(executor: Executor, locationId: string, limit: number): Promise<ReconcileRunRow[]> {
  const rows = await queryRows(executor, sql`select ${RUN_COLUMNS} from reconcile_runs where location_id = ${locationId} order by created_at desc, id desc limit ${limit}`);
  return rows.map(readRun);
}

export async function listReconcileEntities(executor: Executor, runIds: readonly string[]): Promise<ReconcileEntityRow[]> {
  if (runIds.length === 0) return [];
  const rows = await queryRows(executor, sql`select ${ENTITY_COLUMNS} from reconcile_run_entities where run_id = any(${sql.param([...runIds])}::text[]) order by run_id, position`);
  return rows.map(readEntity);
}

/** Per entity, the checkpoint the next run starts from: the highest one any finished entity row reached. */
export async function findReconcileCheckpoints(executor: Executor, locationId: string): Promise<Map<string, Date>> {
  const rows = await queryRows<{ entity: string; checkpointAt: unknown }>(
    executor,
    sql`select entity, max(checkpoint_at) as "checkpointAt" from reconcile_run_entities
      where location_id = ${locationId} and status = 'done' and checkpoint_at is not null group by entity`,
  );
  return new Map(rows.flatMap((row) => {
    const at = readTimestamp(row.checkpointAt);
    return at ? [[row.entity, at] as const] : [];
  }));
}

/** When the location's newest finished setup sync started: the first reconciliation starts there. */
export async function findFinishedSetupSyncStart(executor: Executor, locationId: string): Promise<Date | undefined> {
  const [row] = await queryRows<{ startedAt: unknown }>(
    executor,
    sql`select started_at as "startedAt" from sync_runs where location_id = ${locationId} and status in ('done', 'partial') and started_at is not null
      order by started_at desc limit 1`,
  );
  return readTimestamp(row?.startedAt) ?? undefined;
}

/** Of these locations, the ones with a finished setup sync to reconcile from. */
export async function filterLocationsWithFinishedSetupSync(executor: Executor, locationIds: readonly string[]): Promise<Set<string>> {
  if (locationIds.length === 0) return new Set();
  const rows = await queryRows<{ locationId: string }>(
    executor,
    sql`select distinct location_id as "locationId" from sync_runs where location_id = any(${sql.param([...locationIds])}::text[]) and status in ('done', 'partial')`,
  );
  return new Set(rows.map((row) => row.locationId));
}

export async function markReconcileRunStarted(executor: Executor, runId: string, lease?: JobLease): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update reconcile_runs set status = 'running', started_at = coalesce(started_at, now()), updated_at = now()
      where id = ${runId} and status in ('pending', 'running') ${fenceOf(lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** An entity (re)starts; its checkpoints are fixed on the first attempt so a resumed one asks GHL for the same range. */
export async function markReconcileEntityStarted(
  executor: Executor,
  input: { runId: string; entity: string; previousCheckpointAt: Date; sinceAt: Date; lease?: JobLease | undefined },
): Promise<ReconcileEntityRow | undefined> {
  const previous = input.previousCheckpointAt.toISOString();
  const [row] = await queryRows(
    executor,
    sql`update reconcile_run_entities set status = 'running', attempts = attempts + 1, error = null, finished_at = null,
        started_at = coalesce(started_at, now()),
        previous_checkpoint_at = coalesce(previous_checkpoint_at, ${previous}::timestamptz),
        since_at = coalesce(since_at, ${input.sinceAt.toISOString()}::timestamptz),
        checkpoint_at = coalesce(checkpoint_at, ${previous}::timestamptz), updated_at = now()
      where run_id = ${input.runId} and entity = ${input.entity} ${fenceOf(input.lease)} returning ${ENTITY_COLUMNS}`,
  );
  return row ? readEntity(row) : undefined;
}

/** A page's counts, high-water mark and cursor, written in the transaction that applied the page. */
export async function checkpointReconcileEntity(
  executor: Executor,
  input: {
    runId: string;
    entity: string;
    cursor: Record<string, unknown> | null;
    highWaterAt: Date | null;
    addFetched: number;
    addListed: number;
    addRepaired: number;
    addUnapplied: number;
    addRequests: number;
    lease?: JobLease | undefined;
  },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update reconcile_run_entities set cursor = ${input.cursor === null ? null : JSON.stringify(input.cursor)}::jsonb,
        checkpoint_at = greatest(checkpoint_at, ${input.highWaterAt?.toISOString() ?? null}::timestamptz),
        fetched_count = fetched_count + ${input.addFetched}, listed_count = listed_count + ${input.addListed},
        repaired_count = repaired_count + ${input.addRepaired}, unapplied_count = unapplied_count + ${input.addUnapplied},
        request_count = request_count + ${input.addRequests}, updated_at = now()
      where run_id = ${input.runId} and entity = ${input.entity} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

export async function finishReconcileEntity(
  executor: Executor,
  input: { runId: string; entity: string; status: 'done' | 'failed'; error: string | null; addRequests: number; lease?: JobLease | undefined },
): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update reconcile_run_entities set status = ${input.status}, error = ${input.error}, request_count = request_count + ${input.addRequests},
        finished_at = now(), updated_at = now()
      where run_id = ${input.runId} and entity = ${input.entity} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** Totals and coverage from the entity rows: (listed − repaired) / listed, 1 when nothing changed. */
export async function finishReconcileRun(executor: Executor, input: { runId: string; status: 'done' | 'partial'; lease?: JobLease | undefined }): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`with totals as (
        select coalesce(sum(listed_count), 0)::int as listed, coalesce(sum(repaired_count), 0)::int as repaired
        from reconcile_run_entities where run_id = ${input.runId}
      )
      update reconcile_runs r set status = ${input.status}, listed_count = t.listed, repaired_count = t.repaired,
        coverage = case when t.listed = 0 then 1 else (t.listed - t.repaired)::double precision / t.listed end,
        finished_at = now(), updated_at = now()
      from totals t
      where r.id = ${input.runId} ${fenceOf(input.lease)} returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** The job gave up: the run ends failed with what it counted so far. */
export async function failReconcileRun(executor: Executor, runId: string, error: string): Promise<void> {
  await executor.execute(
    sql`update reconcile_runs r set status = 'failed', error = ${error},
        listed_count = (select coalesce(sum(listed_count), 0)::int from reconcile_run_entities where run_id = r.id),
        repaired_count = (select coalesce(sum(repaired_count), 0)::int from reconcile_run_entities where run_id = r.id),
        finished_at = now(), updated_at = now()
      where r.id = ${runId} and r.status in ('pending', 'running')`,
  );
}

export interface StoredVersion {
  sourceUpdatedAt: Date;
  isDeleted: boolean;
}

/** The version our rows hold for these GHL ids, read before a page is applied (CRM tables share the mirror columns). */
export async function readStoredVersions(executor: Executor, table: string, locationId: string, ghlIds: readonly string[]): Promise<Map<string, StoredVersion>> {
  if (ghlIds.length === 0) return new Map();
  const rows = await queryRows<{ ghlId: string; sourceUpdatedAt: unknown; isDeleted: boolean }>(
    executor,
    sql`select ghl_id as "ghlId", source_updated_at as "sourceUpdatedAt", deleted_at is not null as "isDeleted"
      from ${sql.identifier(table)} where location_id = ${locationId} and ghl_id = any(${sql.param([...ghlIds])}::text[])`,
  );
  return new Map(rows.map((row) => [row.ghlId, { sourceUpdatedAt: readTimestamp(row.sourceUpdatedAt) ?? new Date(0), isDeleted: row.isDeleted === true }]));
}

/**
 * Rows GHL's complete listing did not return: live rows with a GHL id that existed before the run
 * started (a record created meanwhile may simply be newer than the listing), optionally only those
 * starting in the listed time window. At most `limit`.
 */
export async function selectUnlistedRows(
  executor: Executor,
  input: { table: string; locationId: string; listedGhlIds: readonly string[]; createdBefore: Date; startWindow?: { from: Date; to: Date }; limit: number },
): Promise<string[]> {
  const rows = await queryRows<{ ghlId: string }>(
    executor,
    sql`select ghl_id as "ghlId" from ${sql.identifier(input.table)}
      where location_id = ${input.locationId} and deleted_at is null and ghl_id is not null
        and created_at < ${input.createdBefore.toISOString()}::timestamptz
        and not (ghl_id = any(${sql.param([...input.listedGhlIds])}::text[]))
        ${input.startWindow ? sql`and start_time >= ${input.startWindow.from.toISOString()}::timestamptz and start_time < ${input.startWindow.to.toISOString()}::timestamptz` : sql``}
      order by ghl_id limit ${input.limit}`,
  );
  return rows.map((row) => row.ghlId);
}
