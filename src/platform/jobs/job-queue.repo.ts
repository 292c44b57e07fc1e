import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../db/index.js';
import { failLeasedRow, releaseExpiredRowLeases } from '../queue/leased-rows.repo.js';

/** The NOTIFY channel job workers LISTEN on (PostgreSQL delivers it on commit); the payload is the kind. */
export const JOBS_NOTIFY_CHANNEL = 'switchboard_jobs';

export interface EnqueueJobInput {
  /** `module.verb-noun`. */
  kind: string;
  payload?: Record<string, unknown>;
  companyId?: string | null;
  locationId?: string | null;
  idempotencyKey?: string | null;
  runAt?: Date;
  /** Higher runs first. */
  priority?: number;
  orderingKey?: string | null;
  maxAttempts?: number;
}

export interface EnqueuedJob {
  id: string;
  /** False when a job with the same (kind, idempotencyKey) already existed: `id` is that job. */
  isNew: boolean;
}

/**
 * The outbox write: call it inside the transaction that makes the change wanting the job, so the job
 * exists exactly when the change committed. The NOTIFY in the same statement reaches listeners only
 * on commit (a rolled-back enqueue wakes nobody).
 */
export async function enqueueJob(tx: Executor, input: EnqueueJobInput): Promise<EnqueuedJob> {
  const [inserted] = await queryRows<{ id: string }>(
    tx,
    sql`insert into jobs (kind, payload, company_id, location_id, idempotency_key, ordering_key, priority, max_attempts, run_at)
      values (${input.kind}, ${JSON.stringify(input.payload ?? {})}::jsonb, ${input.companyId ?? null}, ${input.locationId ?? null},
        ${input.idempotencyKey ?? null}, ${input.orderingKey ?? null}, ${input.priority ?? 0}, ${input.maxAttempts ?? 8},
        coalesce(${input.runAt?.toISOString() ?? null}::timestamptz, now()))
      on conflict (kind, idempotency_key) do nothing
      returning id::text as "id", (select pg_notify(${JOBS_NOTIFY_CHANNEL}, ${input.kind})) is null as "notified"`,
  );
  if (inserted) return { id: inserted.id, isNew: true };
  const [existing] = await queryRows<{ id: string }>(tx, sql`select id::text as "id" from jobs where kind = ${input.kind} and idempotency_key = ${input.idempotencyKey ?? null}`);
  if (!existing) throw new Error(`job ${input.kind} conflicted on its idempotency key but cannot be read (another company's job?)`);
  return { id: existing.id, isNew: false };
}

/**
 * Many outbox writes in one statement (a notify() fanning out to many recipients). Same semantics
 * as enqueueJob for each input; rows whose (kind, idempotencyKey) exists are left out. Answers how
 * many were inserted.
 */
export async function enqueueJobs(tx: Executor, inputs: readonly EnqueueJobInput[]): Promise<number> {
  if (inputs.length === 0) return 0;
  const rows = inputs.map(
    (input) =>
      sql`(${input.kind}, ${JSON.stringify(input.payload ?? {})}::jsonb, ${input.companyId ?? null}, ${input.locationId ?? null}, ${input.idempotencyKey ?? null},
        ${input.orderingKey ?? null}, ${input.priority ?? 0}::smallint, ${input.maxAttempts ?? 8}::int, coalesce(${input.runAt?.toISOString() ?? null}::timestamptz, now()))`,
  );
  // The NOTIFY (one per kind inserted) rides in the same statement: one round trip for the whole outbox write.
  const notified = await queryRows<{ total: number }>(
    tx,
    sql`with inserted as (
        insert into jobs (kind, payload, company_id, location_id, idempotency_key, ordering_key, priority, max_attempts, run_at)
        values ${sql.join(rows, sql`, `)}
        on conflict (kind, idempotency_key) do nothing
        returning kind
      )
      select (select count(*) from inserted)::int as "total", pg_notify(${JOBS_NOTIFY_CHANNEL}, k.kind) is null as "notified"
      from (select distinct kind from inserted) k`,
  );
  return Number(notified[0]?.total ?? 0);
}

/** Jobs of these kinds waiting for a retry become due now (the cause of their failures was fixed). Answers how many. */
export async function retryJobsNow(executor: Executor, input: { kinds: readonly string[]; locationId: string }): Promise<number> {
  const rows = await queryRows(
    executor,
    sql`update jobs set run_at = now() where status = 'retry' and location_id = ${input.locationId} and kind = any(${sql.param([...input.kinds])}::text[]) returning 1 as "ok"`,
  );
  return rows.length;
}

export interface JobCount {
  kind: string;
  status: string;
  total: number;
}

/** A location's jobs by kind and status: jobs of the given kinds in any status, and dead jobs of every kind. */
export async function countLocationJobs(executor: Executor, input: { locationId: string; kinds: readonly string[] }): Promise<JobCount[]> {
  const rows = await queryRows<JobCount & Record<string, unknown>>(
    executor,
    sql`select kind, status, count(*)::int as "total" from jobs
      where location_id = ${input.locationId} and (kind = any(${sql.param([...input.kinds])}::text[]) or status = 'dead')
      group by kind, status`,
  );
  return rows.map((row) => ({ ...row, total: Number(row.total) }));
}

export interface ClaimedJob {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  companyId: string | null;
  locationId: string | null;
  orderingKey: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: Date;
}

interface ClaimedJobRow extends Record<string, unknown> {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  companyId: string | null;
  locationId: string | null;
  orderingKey: string | null;
  attempts: number;
  maxAttempts: number;
  createdAt: string | Date;
}

/**
 * Claims ready jobs of the given kinds: highest priority, then oldest run_at. A job whose ordering key
 * has an older unfinished job (pending, retry or running) waits, so jobs sharing a key run one at a
 * time in enqueue order. Locked with SKIP LOCKED and leased.
 */
export async function claimJobs(executor: Executor, input: { kinds: readonly string[]; workerId: string; limit: number; leaseSeconds: number }): Promise<ClaimedJob[]> {
  if (input.kinds.length === 0 || input.limit <= 0) return [];
  const rows = await queryRows<ClaimedJobRow>(
    executor,
    sql`with candidates as (
        select j.id from jobs j
        where j.status in ('pending', 'retry') and j.run_at <= now() and j.kind = any(${sql.param([...input.kinds])}::text[])
          and (j.ordering_key is null or not exists (
            select 1 from jobs o where o.ordering_key = j.ordering_key and o.id < j.id and o.status in ('pending', 'retry', 'running')))
        order by j.priority desc, j.run_at, j.id
        limit ${input.limit * 4}
      ),
      locked as (
        select j.id from jobs j join candidates c on c.id = j.id
        where j.status in ('pending', 'retry')
        order by j.priority desc, j.run_at, j.id
        limit ${input.limit}
        for update of j skip locked
      )
      update jobs j set status = 'running', attempts = j.attempts + 1, locked_by = ${input.workerId},
        lease_until = now() + make_interval(secs => ${input.leaseSeconds}), started_at = coalesce(j.started_at, now())
      from locked l where j.id = l.id
      returning j.id::text as "id", j.kind, j.payload, j.company_id as "companyId", j.location_id as "locationId", j.ordering_key as "orderingKey",
        j.attempts, j.max_attempts as "maxAttempts", j.created_at as "createdAt"`,
  );
  // Two jobs of one key can be candidates together only if the older one was not; keep the oldest per key.
  const seenKeys = new Set<string>();
  const claimed: ClaimedJob[] = [];
  for (const row of [...rows].sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)))) {
    if (row.orderingKey !== null) {
      if (seenKeys.has(row.orderingKey)) {
        await releaseJob(executor, row.id, input.workerId);
        continue;
      }
      seenKeys.add(row.orderingKey);
    }
    claimed.push({ ...row, createdAt: row.createdAt instanceof Date ? row.createdAt : new Date(row.createdAt) });
  }
  return claimed;
}

/** Hands a claimed job back untouched (its attempt does not count). */
async function releaseJob(executor: Executor, id: string, workerId: string): Promise<void> {
  await executor.execute(
    sql`update jobs set status = case when attempts > 1 then 'retry' else 'pending' end, attempts = attempts - 1, lease_until = null, locked_by = null
      where id = ${id}::bigint and locked_by = ${workerId} and status = 'running'`,
  );
}

export interface JobLease {
  jobId: string;
  workerId: string;
}

/**
 * A fencing condition for writes a job handler makes: true only while this worker still holds the
 * job's lease. A stalled worker whose job was reaped and re-claimed elsewhere writes nothing.
 */
export function isJobLeaseHeld(lease: JobLease): SQL {
  return sql`exists (select 1 from jobs where id = ${lease.jobId}::bigint and locked_by = ${lease.workerId} and status = 'running')`;
}

const JOBS_TABLE = 'jobs';


/** A claimed run of a job: the job and the attempt its claim counted (a later claim of the same job has another). */
export interface JobAttempt {
  id: string;
  attempts: number;
}

/** `id:attempts`: how the batch statements name the attempts they touched. */
export function jobAttemptKey(job: JobAttempt): string {
  return `${job.id}:${job.attempts}`;
}

/** The same rows in the same order for every batch statement (a finish and a renewal overlapping lock alike, so they cannot deadlock). */
function inIdOrder(jobs: readonly JobAttempt[]): JobAttempt[] {
  return [...jobs].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0));
}

/**
 * Marks many jobs done in one statement, each only while this worker still leases that very attempt
 * (status running, locked_by, attempts): a job whose lease was lost (reaped, maybe claimed again,
 * even by this worker) is not finished by the old run. Answers the attempts it finished (`jobAttemptKey`).
 */
export async function finishJobs(executor: Executor, input: { workerId: string; jobs: readonly JobAttempt[] }): Promise<Set<string>> {
  if (input.jobs.length === 0) return new Set();
  const jobs = inIdOrder(input.jobs);
  const rows = await queryRows<{ id: string; attempts: number }>(
    executor,
    sql`update jobs j set status = 'done', finished_at = now(), lease_until = null, last_error = null
      from unnest(${sql.param(jobs.map((job) => job.id))}::bigint[], ${sql.param(jobs.map((job) => job.attempts))}::int[]) as v(id, attempts)
      where j.id = v.id and j.attempts = v.attempts and j.locked_by = ${input.workerId} and j.status = 'running'
      returning j.id::text as "id", j.attempts`,
  );
  return new Set(rows.map((row) => jobAttemptKey({ id: row.id, attempts: Number(row.attempts) })));
}

/** Renews the leases of many running jobs in one statement; answers the attempts this worker still holds (`jobAttemptKey`). */
export async function extendJobLeases(executor: Executor, input: { workerId: string; jobs: readonly JobAttempt[]; leaseSeconds: number }): Promise<Set<string>> {
  if (input.jobs.length === 0) return new Set();
  const jobs = inIdOrder(input.jobs);
  const rows = await queryRows<{ id: string; attempts: number }>(
    executor,
    sql`update jobs j set lease_until = now() + make_interval(secs => ${input.leaseSeconds})
      from unnest(${sql.param(jobs.map((job) => job.id))}::bigint[], ${sql.param(jobs.map((job) => job.attempts))}::int[]) as v(id, attempts)
      where j.id = v.id and j.attempts = v.attempts and j.locked_by = ${input.workerId} and j.status = 'running'
      returning j.id::text as "id", j.attempts`,
  );
  return new Set(rows.map((row) => jobAttemptKey({ id: row.id, attempts: Number(row.attempts) })));
}

export async function failJob(executor: Executor, input: { id: string; workerId: string; isDead: boolean; retryInSeconds: number; error: string }): Promise<boolean> {
  return failLeasedRow(executor, JOBS_TABLE, input);
}

/** Jobs whose worker died (lease expired) run again, or are dead when their attempts are used up. */
export async function releaseExpiredJobLeases(executor: Executor, limit = 500): Promise<number> {
  return releaseExpiredRowLeases(executor, JOBS_TABLE, { maxAttempts: 'per-row', limit });
}

export interface JobView {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  errors: { attempt: number; at: string; error: string }[];
  runAt: Date;
  finishedAt: Date | null;
}

export async function findJob(executor: Executor, id: string): Promise<JobView | undefined> {
  const [row] = await queryRows<JobView & Record<string, unknown>>(
    executor,
    sql`select id::text as "id", kind, status, attempts, max_attempts as "maxAttempts", last_error as "lastError", errors, run_at as "runAt", finished_at as "finishedAt"
      from jobs where id = ${id}::bigint`,
  );
  return row;
}
