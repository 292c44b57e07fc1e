import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';

export type ColumnType = 'text' | 'timestamptz' | 'bigint' | 'integer' | 'boolean' | 'jsonb' | 'text[]' | 'date';

export interface ColumnSpec {
  type: ColumnType;
  /**
   * overwrite (default): GHL sends whole snapshots, so a newer version replaces the value.
   * keep-when-null: the field is known to be missing from some events (TaskCreate without contactId,
   * dndSettings only on ContactDndUpdate); a null keeps what we have.
   * union (text[] only): grow the list, e.g. a GHL user's locations seen across several events.
   */
  merge?: 'overwrite' | 'keep-when-null' | 'union';
  /** For NOT NULL columns: the value used when the version has none. */
  /** A SQL literal for a missing value (a constant of the column spec, never input), e.g. `'{}'::text[]`. */
  fallback?: string;
}

/** A synced table: `columns` are the entity's own fields, keyed by SQL column name. */
export interface EntityTable<C extends string> {
  name: string;
  idPrefix: string;
  /** location: unique (location_id, ghl_id); company: unique (company_id, ghl_id), no location_id column. */
  scope: 'location' | 'company';
  columns: Record<C, ColumnSpec>;
  /**
   * The table can be edited here (write-through.ts): rows with unconfirmed local edits are left to
   * the merge in entity-processor.ts, and a version equal to what we pushed is our own echo.
   */
  writeThrough?: boolean;
}

/** One version of one GHL entity as a payload (or an API read) describes it. */
export interface EntityVersion<C extends string> {
  companyId: string;
  /** Our location id; ignored for company-scoped tables. */
  locationId: string | null;
  ghlId: string;
  values: Record<C, unknown>;
  sourceUpdatedAt: Date;
  sourceEventAt: Date | null;
  raw: Record<string, unknown>;
}

export interface ApplyOptions {
  /** upsert: apply unless stale or tombstoned. delete: set the tombstone (always wins, whatever its age). */
  mode: 'upsert' | 'delete';
  now: Date;
  generateId: IdGenerator;
  /** Write-through tables: the caller has merged the version with the row's local edits (apply regardless). */
  isMergedWithLocalChanges?: boolean;
}

/**
 * Applies versions in one statement, so the staleness and tombstone rules live in SQL and hold under
 * concurrency. Upsert: a row changes only when it is not deleted, the version is not older than the
 * stored one (GHL change time, then delivery time) and the payload differs (an exact replay changes
 * nothing, not even updated_at). Delete: the row (or a tombstone, when the delete arrives first) gets
 * deleted_at; a tombstone is final because GHL never reuses ids and sends an OpportunityUpdate
 * alongside OpportunityDelete (highlevel-api-docs issue #27) that must not resurrect it.
 * Returns how many rows changed.
 */
export async function applyEntityVersions<C extends string>(
  tx: Executor,
  table: EntityTable<C>,
  versions: readonly EntityVersion<C>[],
  options: ApplyOptions,
): Promise<number> {
  return (await applyEntityVersionsReturningGhlIds(tx, table, versions, options)).length;
}

/** As applyEntityVersions, answering the GHL ids of the rows that changed. */
export async function applyEntityVersionsReturningGhlIds<C extends string>(
  tx: Executor,
  table: EntityTable<C>,
  versions: readonly EntityVersion<C>[],
  options: ApplyOptions,
): Promise<string[]> {
  const newest = keepNewestPerEntity(table, versions);
  if (newest.length === 0) return [];
  const columnNames = Object.keys(table.columns) as C[];
  const target = sql.identifier(table.name);
  const isLocationScoped = table.scope === 'location';
  const keyColumns = isLocationScoped ? ['id', 'company_id', 'location_id', 'ghl_id'] : ['id', 'company_id', 'ghl_id'];
  const allColumns = [...keyColumns, ...columnNames, 'source_updated_at', 'source_event_at', 'raw', 'deleted_at', 'created_at', 'updated_at'];
  const now = options.now.toISOString();

  // One JSON document for all rows (one parameter, read by jsonb_array_elements): drizzle and the
  // driver no longer build and bind a parameter per cell, and the statement text is the same for
  // every batch of a table.
  const keyValues = (version: EntityVersion<C>) =>
    isLocationScoped ? [options.generateId(table.idPrefix), version.companyId, version.locationId, version.ghlId] : [options.generateId(table.idPrefix), version.companyId, version.ghlId];
  const document = newest.map((version) => {
    const cells: Record<string, unknown> = {};
    keyValues(version).forEach((value, index) => {
      cells[`k${index}`] = value;
    });
    columnNames.forEach((name, index) => {
      cells[`c${index}`] = jsonCell(table.columns[name].type, version.values[name]);
    });
    cells.u = version.sourceUpdatedAt.toISOString();
    cells.e = version.sourceEventAt?.toISOString() ?? null;
    cells.r = version.raw;
    return cells;
  });
  const selected = [
    ...keyColumns.map((_, index) => sql.raw(`(v->>'k${index}')`)),
    ...columnNames.map((name, index) => readJsonCell(table.columns[name], `c${index}`)),
    sql.raw(`(v->>'u')::timestamptz`),
    sql.raw(`(v->>'e')::timestamptz`),
    sql.raw(`(v->'r')`),
    options.mode === 'delete' ? sql.raw(`(v->>'u')::timestamptz`) : sql.raw('null::timestamptz'),
    sql`${now}::timestamptz`,
    sql`${now}::timestamptz`,
  ];

  const conflictTarget = isLocationScoped ? sql`(location_id, ghl_id)` : sql`(company_id, ghl_id)`;
  const column = (name: string) => sql.identifier(name);
  const stored = (name: string) => sql`${target}.${sql.identifier(name)}`;
  let onConflict: SQL;
  if (options.mode === 'upsert') {
    const newValues = columnNames.map((name) => {
      const spec = table.columns[name];
      switch (spec.merge ?? 'overwrite') {
        case 'overwrite':
          return sql`excluded.${column(name)}`;
        case 'keep-when-null':
          return sql`coalesce(excluded.${column(name)}, ${stored(name)})`;
        case 'union':
          return sql`array(select distinct value from unnest(${stored(name)} || excluded.${column(name)}) as value order by value)`;
      }
    });
    const assignments = columnNames.map((name, index) => sql`${column(name)} = ${newValues[index]}`);
    // Write-through: a row with unconfirmed local edits is merged by the caller; a version that
    // changes no column of a row we pushed is GHL echoing our own change.
    const writeThroughGuard =
      table.writeThrough && !options.isMergedWithLocalChanges
        ? sql`and ${stored('local_changes')} = '{}'::jsonb
          and (${stored('last_pushed_at')} is null or (${sql.join(newValues, sql`, `)}, null) is distinct from (${sql.join(
            columnNames.map((name) => stored(name)),
            sql`, `,
          )}, null))`
        : sql``;
    onConflict = sql`do update set ${sql.join(
      [
        ...assignments,
        sql`source_updated_at = excluded.source_updated_at`,
        sql`source_event_at = excluded.source_event_at`,
        sql`raw = excluded.raw`,
        sql`updated_at = excluded.updated_at`,
      ],
      sql`, `,
    )}
      where ${stored('deleted_at')} is null
        and (excluded.source_updated_at, coalesce(excluded.source_event_at, '-infinity'::timestamptz))
          >= (${stored('source_updated_at')}, coalesce(${stored('source_event_at')}, '-infinity'::timestamptz))
        and excluded.raw is distinct from ${stored('raw')}
        ${writeThroughGuard}`;
  } else {
    onConflict = sql`do update set
        deleted_at = excluded.deleted_at,${table.writeThrough ? sql` local_changes = '{}'::jsonb,` : sql``}
        source_updated_at = greatest(${stored('source_updated_at')}, excluded.source_updated_at),
        source_event_at = greatest(${stored('source_event_at')}, excluded.source_event_at),
        raw = excluded.raw,
        updated_at = excluded.updated_at
      where ${stored('deleted_at')} is null`;
  }

  const changed = await queryRows<{ ghlId: string }>(
    tx,
    sql`insert into ${target} (${sql.join(allColumns.map(column), sql`, `)})
      select ${sql.join(selected, sql`, `)} from jsonb_array_elements(${JSON.stringify(document)}::jsonb) as input(v)
      on conflict ${conflictTarget} ${onConflict}
      returning ${target}.ghl_id as "ghlId"`,
  );
  return changed.map((row) => row.ghlId);
}

/** One statement cannot touch a row twice; of several versions of one entity only the newest can win anyway. */
function keepNewestPerEntity<C extends string>(table: EntityTable<C>, versions: readonly EntityVersion<C>[]): EntityVersion<C>[] {
  const byKey = new Map<string, EntityVersion<C>>();
  for (const version of versions) {
    const key = `${table.scope === 'location' ? version.locationId : version.companyId}\u0000${version.ghlId}`;
    const current = byKey.get(key);
    if (!current || compareVersions(version, current) >= 0) byKey.set(key, version);
  }
  return [...byKey.values()];
}

function compareVersions(a: { sourceUpdatedAt: Date; sourceEventAt: Date | null }, b: { sourceUpdatedAt: Date; sourceEventAt: Date | null }): number {
  const byChange = a.sourceUpdatedAt.getTime() - b.sourceUpdatedAt.getTime();
  if (byChange !== 0) return byChange;
  return (a.sourceEventAt?.getTime() ?? Number.NEGATIVE_INFINITY) - (b.sourceEventAt?.getTime() ?? Number.NEGATIVE_INFINITY) || 0;
}

/** A cell as the JSON value its column reads back (readJsonCell); null for what encodeValue would send as NULL. */
function jsonCell(type: ColumnType, value: unknown): unknown {
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    case 'timestamptz':
      return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null;
    case 'bigint':
      return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2_147_483_647 ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'jsonb':
      return value === undefined ? null : value;
    case 'text[]':
      return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null;
  }
}

/** The SQL reading one cell of the JSON row `v` (keys and fallbacks are constants of the column spec, never input). */
function readJsonCell(spec: ColumnSpec, key: string): SQL {
  const text = `(v->>'${key}')`;
  const read = {
    text,
    timestamptz: `${text}::timestamptz`,
    bigint: `${text}::bigint`,
    integer: `${text}::integer`,
    boolean: `${text}::boolean`,
    // A JSON null is SQL NULL, as when the value was bound on its own.
    jsonb: `nullif(v->'${key}', 'null'::jsonb)`,
    'text[]': `(case when jsonb_typeof(v->'${key}') = 'array' then array(select jsonb_array_elements_text(v->'${key}')) end)`,
    date: `${text}::date`,
  }[spec.type];
  return sql.raw(spec.fallback ? `coalesce(${read}, ${spec.fallback})` : read);
}

export function encodeCell(spec: ColumnSpec, value: unknown): SQL {
  const encoded = encodeValue(spec.type, value);
  return spec.fallback ? sql`coalesce(${encoded}, ${sql.raw(spec.fallback)})` : encoded;
}

function encodeValue(type: ColumnType, value: unknown): SQL {
  switch (type) {
    case 'text':
      return sql`${typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null}::text`;
    case 'timestamptz':
      return sql`${value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : null}::timestamptz`;
    case 'bigint':
      return sql`${typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : null}::bigint`;
    case 'integer':
      return sql`${typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 2_147_483_647 ? value : null}::integer`;
    case 'boolean':
      return sql`${typeof value === 'boolean' ? value : null}::boolean`;
    case 'jsonb':
      return sql`${value === undefined || value === null ? null : JSON.stringify(value)}::jsonb`;
    case 'text[]': {
      // Arrays travel as JSON: both drivers bind a string the same way, native array binding differs.
      const list = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : null;
      return list === null ? sql`null::text[]` : sql`array(select jsonb_array_elements_text(${JSON.stringify(list)}::jsonb))`;
    }
    case 'date':
      return sql`${typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : null}::date`;
  }
}
