import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import { tenantTables } from '../tenants/index.js';
import type { OpsScope } from './webhook-ops.repo.js';

/** The tenant key of the rows that sum every tenant (platform-wide charts read only these). */
export const ALL_TENANTS_KEY = '*';

/** What one process adds to one (minute, queue, tenant key) row in one flush. */
export interface RollupDelta {
  bucketAt: Date;
  queue: string;
  tenantKey: string;
  received: number;
  done: number;
  skipped: number;
  failed: number;
  dead: number;
  latencyCount: number;
  latencySumMs: number;
  withinSla: number;
  latencyBuckets: readonly number[];
}

/**
 * Adds a batch of deltas in one statement (arrays in, unnest, upsert). Keys must be unique within
 * the batch (the recorder aggregates before flushing). Histograms add element-wise.
 */
export async function addRollupDeltas(executor: Executor, deltas: readonly RollupDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const column = <T>(pick: (delta: RollupDelta) => T) => sql.param(deltas.map(pick));
  await executor.execute(sql`insert into webhook_rollups as r
      (bucket_at, queue, tenant_key, received, done, skipped, failed, dead, latency_count, latency_sum_ms, within_sla, latency_buckets)
    select bucket_at::timestamptz, queue, tenant_key, received, done, skipped, failed, dead, latency_count, latency_sum_ms, within_sla, latency_buckets::int[]
    from unnest(
      ${column((delta) => delta.bucketAt.toISOString())}::text[], ${column((delta) => delta.queue)}::text[], ${column((delta) => delta.tenantKey)}::text[],
      ${column((delta) => delta.received)}::int[], ${column((delta) => delta.done)}::int[], ${column((delta) => delta.skipped)}::int[],
      ${column((delta) => delta.failed)}::int[], ${column((delta) => delta.dead)}::int[], ${column((delta) => delta.latencyCount)}::int[],
      ${column((delta) => delta.latencySumMs)}::float8[], ${column((delta) => delta.withinSla)}::int[], ${column((delta) => `{${delta.latencyBuckets.join(',')}}`)}::text[]
    ) as t(bucket_at, queue, tenant_key, received, done, skipped, failed, dead, latency_count, latency_sum_ms, within_sla, latency_buckets)
    on conflict (bucket_at, queue, tenant_key) do update set
      received = r.received + excluded.received,
      done = r.done + excluded.done,
      skipped = r.skipped + excluded.skipped,
      failed = r.failed + excluded.failed,
      dead = r.dead + excluded.dead,
      latency_count = r.latency_count + excluded.latency_count,
      latency_sum_ms = r.latency_sum_ms + excluded.latency_sum_ms,
      within_sla = r.within_sla + excluded.within_sla,
      latency_buckets = (
        select array_agg(coalesce(a, 0) + coalesce(b, 0) order by n)
        from unnest(r.latency_buckets, excluded.latency_buckets) with ordinality as u(a, b, n)
      )`);
}

function tenantFilter(scope: OpsScope): SQL {
  if (scope.kind === 'all') return sql`w.tenant_key = ${ALL_TENANTS_KEY}`;
  const { locations, companies } = tenantTables;
  return sql`w.tenant_key in (
      select ${locations.ghlLocationId} from ${locations} where ${locations.companyId} = ${scope.companyId} and ${locations.ghlLocationId} is not null
      union all
      select ${companies.ghlCompanyId} from ${companies} where ${companies.id} = ${scope.companyId} and ${companies.ghlCompanyId} is not null)`;
}

export interface RollupAggregate {
  /** Start of the group's time bucket (grouped by time), or the window start (grouped by queue). */
  at: Date;
  /** The queue (grouped by queue), or null (grouped by time). */
  queue: string | null;
  received: number;
  done: number;
  skipped: number;
  failed: number;
  dead: number;
  latencyCount: number;
  latencySumMs: number;
  withinSla: number;
  latencyBuckets: number[];
}

export interface RollupQuery {
  from: Date;
  to: Date;
  /** time: one group per `bucketSeconds` bucket (summed over queues); queue: one group per queue over the whole window. */
  groupBy: 'time' | 'queue';
  bucketSeconds: number;
  queue?: string | undefined;
}

/** Sums of the rows in [from, to) visible to the scope, summed in SQL (histograms per position too). */
export async function readRollupAggregates(executor: Executor, scope: OpsScope, query: RollupQuery): Promise<RollupAggregate[]> {
  const groupKey =
    query.groupBy === 'time'
      ? sql`to_timestamp(floor(extract(epoch from w.bucket_at) / ${query.bucketSeconds}) * ${query.bucketSeconds})`
      : sql`w.queue`;
  const groupOut = query.groupBy === 'time' ? sql`(extract(epoch from t.g) * 1000)::float8` : sql`t.g::text`;
  const queueFilter = query.queue === undefined ? sql`true` : sql`w.queue = ${query.queue}`;
  const rows = await queryRows<Record<string, unknown>>(
    executor,
    sql`with r as (
        select ${groupKey} as g, w.received, w.done, w.skipped, w.failed, w.dead, w.latency_count, w.latency_sum_ms, w.within_sla, w.latency_buckets
        from webhook_rollups w
        where ${tenantFilter(scope)} and w.bucket_at >= ${query.from.toISOString()}::timestamptz and w.bucket_at < ${query.to.toISOString()}::timestamptz and ${queueFilter}
      ),
      totals as (
        select g, sum(received)::int as received, sum(done)::int as done, sum(skipped)::int as skipped, sum(failed)::int as failed, sum(dead)::int as dead,
          sum(latency_count)::int as latency_count, sum(latency_sum_ms)::float8 as latency_sum_ms, sum(within_sla)::int as within_sla
        from r group by g
      ),
      positions as (
        select r.g, u.n, sum(u.c)::int as c from r cross join lateral unnest(r.latency_buckets) with ordinality as u(c, n) group by r.g, u.n
      ),
      histograms as (select g, array_agg(c order by n) as buckets from positions group by g)
      select ${groupOut} as "g", t.received, t.done, t.skipped, t.failed, t.dead, t.latency_count as "latencyCount", t.latency_sum_ms as "latencySumMs",
        t.within_sla as "withinSla", h.buckets as "latencyBuckets"
      from totals t left join histograms h on h.g = t.g
      order by t.g`,
  );
  return rows.map((row) => ({
    at: query.groupBy === 'time' ? new Date(Number(row.g)) : query.from,
    queue: query.groupBy === 'queue' ? String(row.g) : null,
    received: Number(row.received ?? 0),
    done: Number(row.done ?? 0),
    skipped: Number(row.skipped ?? 0),
    failed: Number(row.failed ?? 0),
    dead: Number(row.dead ?? 0),
    latencyCount: Number(row.latencyCount ?? 0),
    latencySumMs: Number(row.latencySumMs ?? 0),
    withinSla: Number(row.withinSla ?? 0),
    latencyBuckets: parseIntArray(row.latencyBuckets),
  }));
}

/** int[] arrives as an array (pg) or as '{1,2,3}' text (PGlite through execute). */
function parseIntArray(value: unknown): number[] {
  if (Array.isArray(value)) return value.map((item) => Number(item));
  if (typeof value === 'string') {
    const inner = value.replace(/^\{|\}$/g, '');
    return inner.length === 0 ? [] : inner.split(',').map((item) => Number(item));
  }
  return [];
}

/** Retention: rows of minutes before the cutoff, in batches. */
export async function deleteRollupsBefore(executor: Executor, olderThan: Date, limit: number): Promise<number> {
  const rows = await queryRows(
    executor,
    sql`delete from webhook_rollups where (bucket_at, queue, tenant_key) in (
        select bucket_at, queue, tenant_key from webhook_rollups where bucket_at < ${olderThan.toISOString()}::timestamptz limit ${limit})
      returning 1 as "ok"`,
  );
  return rows.length;
}
