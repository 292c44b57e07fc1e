import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database, type TenantScope, type Tx } from '../src/platform/db/index.js';
import { createTestDatabase, testDatabaseEngine, testDatabaseUrl } from './support/test-database.js';

/*
 * Row-Level Security, every policy: the tenant tables and their policies are read from the catalog
 * (pg_class, pg_policies), each table gets a row per tenant (two companies; A with locations A1 and
 * A2, B with B1), and SELECT, INSERT, UPDATE (including moving a row to another company) and DELETE
 * run under every scope: agency-wide, one location, the other agency, a platform admin, and no tenant
 * at all. Each outcome is compared with what the table's policy kind allows.
 *
 * Paths: the app's own tenant transaction (database.tenant: SET ROLE switchboard_app), on both
 * engines; and on PostgreSQL a login role that is not a superuser and never switches role (a member
 * of switchboard_app), so the policies are proven to apply to a real login, not only after SET ROLE.
 */

const A = 'co_rls_a';
const B = 'co_rls_b';
const A1 = 'loc_rls_a1';
const A2 = 'loc_rls_a2';
const B1 = 'loc_rls_b1';
const TENANT_LOCATIONS: readonly { company: string; location: string }[] = [
  { company: A, location: A1 },
  { company: A, location: A2 },
  { company: B, location: B1 },
];
const USER_OF: Record<string, string> = { [A]: 'usr_rls_a', [B]: 'usr_rls_b' };

type PolicyKind = 'self' | 'company' | 'location';

interface Column {
  name: string;
  type: string;
  isNotNull: boolean;
  hasDefault: boolean;
}

interface TenantTable {
  name: string;
  kind: PolicyKind;
  /** The column naming the row's location: location_id, or id for locations itself; null when the table has none. */
  locationColumn: string | null;
  /** A unique key of company_id alone (one row per company, e.g. notification_settings). */
  isOneRowPerCompany: boolean;
  columns: Column[];
}

interface Tag {
  company: string;
  location: string | null;
}

interface Scope {
  label: string;
  /** Undefined: a transaction with no tenant settings at all. */
  tenant: TenantScope | undefined;
}

const SCOPES: readonly Scope[] = [
  { label: 'agency A, every location', tenant: { companyId: A, locationIds: '*' } },
  { label: 'agency A, location A1', tenant: { companyId: A, locationIds: [A1] } },
  { label: 'agency A, location A2', tenant: { companyId: A, locationIds: [A2] } },
  { label: 'agency B, every location', tenant: { companyId: B, locationIds: '*' } },
  { label: 'platform admin', tenant: { companyId: A, locationIds: '*', isPlatformAdmin: true } },
  { label: 'no tenant', tenant: undefined },
];

function isAllowed(table: TenantTable, scope: Scope, tag: Tag): boolean {
  const tenant = scope.tenant;
  if (!tenant) return false;
  if (tenant.isPlatformAdmin) return true;
  if (tag.company !== tenant.companyId) return false;
  if (table.kind !== 'location') return true;
  return tenant.locationIds === '*' || (tag.location !== null && tenant.locationIds.includes(tag.location));
}

const tagKey = (tag: Tag) => `${tag.company}/${tag.location ?? '-'}`;

/** A literal of the column's type for a synthesized row; unique per (table, column, n). */
function valueFor(table: string, column: Column, n: number): SQL {
  const type = column.type;
  if (type === 'text' || type.startsWith('character varying')) return sql`${`rls-${table}-${column.name}-${n}`}::text`;
  if (/^(integer|bigint|smallint|numeric|double precision|real)/.test(type)) return sql`${n}::${sql.raw(type)}`;
  if (type === 'boolean') return sql`false`;
  if (type.startsWith('timestamp') || type === 'date') return sql`now()::${sql.raw(type)}`;
  if (type === 'jsonb' || type === 'json') return sql`'{}'::${sql.raw(type)}`;
  if (type.endsWith('[]')) return sql`'{}'::${sql.raw(type)}`;
  if (type === 'uuid') return sql`gen_random_uuid()`;
  if (type === 'bytea') return sql`'\\x00'::bytea`;
  throw new Error(`no synthetic value for ${table}.${column.name} of type ${type}`);
}

/** An INSERT of one synthesized row of `table` for the tenant `tag`, returning its tag. */
function insertRow(table: TenantTable, tag: Tag, n: number, overrides: Record<string, string> = {}): SQL {
  const names: string[] = [];
  const values: SQL[] = [];
  for (const column of table.columns) {
    let value: SQL | undefined;
    if (column.name in overrides) value = sql`${overrides[column.name]}`;
    else if (column.name === 'company_id') value = sql`${tag.company}`;
    else if (column.name === table.locationColumn) value = tag.location === null ? undefined : sql`${tag.location}`;
    else if (column.name === 'created_by_user_id' || column.name === 'user_id') value = sql`${USER_OF[tag.company] ?? null}`;
    else if (column.isNotNull && !column.hasDefault) value = valueFor(table.name, column, n);
    if (value === undefined) continue;
    names.push(column.name);
    values.push(value);
  }
  const returning = returningTag(table);
  return sql`insert into ${sql.identifier(table.name)} (${sql.join(names.map((name) => sql.identifier(name)), sql`, `)}) values (${sql.join(values, sql`, `)}) returning ${returning}`;
}

function returningTag(table: TenantTable): SQL {
  if (table.kind === 'self') return sql`id as "company", null::text as "location"`;
  return table.locationColumn ? sql`company_id as "company", ${sql.identifier(table.locationColumn)} as "location"` : sql`company_id as "company", null::text as "location"`;
}

function fixtureFilter(table: TenantTable): SQL {
  return table.kind === 'self' ? sql`id in (${A}, ${B})` : sql`company_id in (${A}, ${B})`;
}

/** Fixture rows of a table: one per location where the table has location_id, else one per company. */
function fixtureTags(table: TenantTable): Tag[] {
  if (table.locationColumn) return TENANT_LOCATIONS.map((entry) => ({ company: entry.company, location: entry.location }));
  return [A, B].map((company) => ({ company, location: null }));
}

class RolledBack extends Error {}

/** How a path opens a tenant transaction for a scope. */
type TenantRunner = <T>(scope: Scope, work: (tx: Tx) => Promise<T>) => Promise<T>;

/** Runs the work in a transaction that is always rolled back; answers its result or the database error's code. */
async function attempt<T>(run: TenantRunner, scope: Scope, work: (tx: Tx) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  let result: T | undefined;
  try {
    await run(scope, async (tx) => {
      result = await work(tx);
      throw new RolledBack();
    });
  } catch (error) {
    if (error instanceof RolledBack) return { ok: true, value: result as T };
    for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
      const code = (current as { code?: unknown }).code;
      if (typeof code === 'string') return { ok: false, code, message: (current as Error).message };
    }
    throw error;
  }
  return { ok: true, value: result as T };
}

const settingsOf = (tenant: TenantScope) =>
  sql`select set_config('app.company_id', ${tenant.companyId}, true), set_config('app.location_ids', ${tenant.locationIds === '*' ? '*' : tenant.locationIds.join(',')}, true),
    set_config('app.platform_admin', ${tenant.isPlatformAdmin ? 'on' : 'off'}, true)`;

let database: Database;
let tables: TenantTable[] = [];
let policies: { table: string; name: string; roles: string; command: string }[] = [];
let login: { database: Database; role: string } | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
  const tenantTables = await queryRows<{ name: string; isRlsOn: boolean; hasLocation: boolean; isOneRowPerCompany: boolean; qual: string | null }>(
    database.db,
    sql`select c.relname as name, c.relrowsecurity as "isRlsOn",
          exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'location_id' and not a.attisdropped) as "hasLocation",
          exists (select 1 from pg_index i join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
                  where i.indrelid = c.oid and i.indisunique and i.indnatts = 1 and a.attname = 'company_id') as "isOneRowPerCompany",
          (select p.qual from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname limit 1) as qual
        from pg_class c
        where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
          and (c.relname = 'companies' or exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'company_id' and not a.attisdropped))
        order by c.relname`,
  );
  policies = await queryRows(database.db, sql`select tablename as "table", policyname as name, array_to_string(roles, ',') as roles, cmd as command from pg_policies where schemaname = 'public' order by tablename`);
  for (const row of tenantTables) {
    const columns = await queryRows<Column & Record<string, unknown>>(
      database.db,
      sql`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as "isNotNull", (a.atthasdef or a.attidentity <> '' or a.attgenerated <> '') as "hasDefault"
        from pg_attribute a where a.attrelid = ${`public.${row.name}`}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    );
    const kind: PolicyKind = row.name === 'companies' ? 'self' : (row.qual ?? '').includes('app.location_ids') ? 'location' : 'company';
    tables.push({ name: row.name, kind, locationColumn: row.name === 'locations' ? 'id' : row.hasLocation ? 'location_id' : null, isOneRowPerCompany: row.isOneRowPerCompany, columns });
  }
  // Fixtures as the system (RLS bypassed), parents first so foreign keys hold.
  const order = ['companies', 'locations', 'users'];
  tables = [...tables].sort((a, b) => (order.indexOf(a.name) + 1 || 99) - (order.indexOf(b.name) + 1 || 99) || a.name.localeCompare(b.name));
  await database.system(async (tx) => {
    for (const table of tables) {
      for (const [index, tag] of fixtureTags(table).entries()) {
        const overrides: Record<string, string> = table.name === 'companies' ? { id: tag.company } : table.name === 'users' ? { id: USER_OF[tag.company] as string } : {};
        await tx.execute(insertRow(table, tag, index + 1, overrides));
      }
    }
  });
  if (testDatabaseEngine() === 'postgres') {
    // A login role of our own: not a superuser, no BYPASSRLS, a member of the app role. It never runs SET ROLE.
    const role = `sb_rls_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await database.db.execute(sql.raw(`create role ${role} login password '${password}' nosuperuser nobypassrls inherit`));
    await database.db.execute(sql.raw(`grant switchboard_app to ${role}`));
    const url = new URL(testDatabaseUrl(database) as string);
    url.username = role;
    url.password = password;
    login = { role, database: await openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 2, applicationName: 'switchboard-rls-test' }) };
  }
}, 120_000);

afterAll(async () => {
  if (login) {
    await login.database.close();
    await database.db.execute(sql.raw(`drop role if exists ${login.role}`));
  }
  await database?.close();
});

/** The app's own tenant transactions: database.tenant switches to switchboard_app and sets the tenant. */
const appPath: TenantRunner = (scope, work) =>
  scope.tenant
    ? database.tenant(scope.tenant, work)
    : database.system(async (tx) => {
        await tx.execute(sql`select set_config('role', 'switchboard_app', true)`);
        return work(tx);
      });

/** The non-superuser login: only the tenant settings, no role switch. */
const loginPath: TenantRunner = (scope, work) => {
  if (!login) throw new Error('no login role (PostgreSQL only)');
  return login.database.system(async (tx) => {
    if (scope.tenant) await tx.execute(settingsOf(scope.tenant));
    return work(tx);
  });
};

/** Every operation under every scope for every tenant table; returns the mismatches. */
async function runMatrix(run: TenantRunner): Promise<string[]> {
  const mismatches: string[] = [];
  const tagsOf = (rows: Tag[]) => rows.map(tagKey).sort();
  for (const table of tables) {
    const fixtures = fixtureTags(table);
    for (const scope of SCOPES) {
      const label = `${table.name} [${table.kind}] as ${scope.label}`;
      const visible = fixtures.filter((tag) => isAllowed(table, scope, tag)).map(tagKey).sort();

      const selected = await attempt(run, scope, (tx) => queryRows<Tag & Record<string, unknown>>(tx, sql`select ${returningTag(table)} from ${sql.identifier(table.name)} where ${fixtureFilter(table)}`));
      if (!selected.ok) mismatches.push(`${label} select failed: ${selected.message}`);
      else if (JSON.stringify(tagsOf(selected.value)) !== JSON.stringify(visible)) mismatches.push(`${label} select saw ${tagsOf(selected.value).join(' ')}; expected ${visible.join(' ')}`);

      const keyColumn = table.kind === 'self' ? 'id' : 'company_id';
      const updated = await attempt(run, scope, (tx) =>
        queryRows<Tag & Record<string, unknown>>(tx, sql`update ${sql.identifier(table.name)} set ${sql.identifier(keyColumn)} = ${sql.identifier(keyColumn)} where ${fixtureFilter(table)} returning ${returningTag(table)}`),
      );
      if (!updated.ok) mismatches.push(`${label} update failed: ${updated.message}`);
      else if (JSON.stringify(tagsOf(updated.value)) !== JSON.stringify(visible)) mismatches.push(`${label} update touched ${tagsOf(updated.value).join(' ')}; expected ${visible.join(' ')}`);

      const deleted = await attempt(run, scope, (tx) => queryRows<Tag & Record<string, unknown>>(tx, sql`delete from ${sql.identifier(table.name)} where ${fixtureFilter(table)} returning ${returningTag(table)}`));
      // A delete the policy allows may still be refused by a foreign key (a company with locations): that is not RLS.
      if (!deleted.ok && deleted.code !== '23503') mismatches.push(`${label} delete failed: ${deleted.message}`);
      else if (deleted.ok && JSON.stringify(tagsOf(deleted.value)) !== JSON.stringify(visible)) mismatches.push(`${label} delete removed ${tagsOf(deleted.value).join(' ')}; expected ${visible.join(' ')}`);

      // Inserts for each tenant: allowed exactly where the policy's check passes; refused with 42501 elsewhere.
      // New rows: a new company, new locations, or a row of each existing tenant location.
      const targets: Tag[] =
        table.kind === 'self'
          ? [{ company: 'co_rls_new', location: null }]
          : table.name === 'locations'
            ? [{ company: A, location: 'loc_rls_new_a' }, { company: B, location: 'loc_rls_new_b' }]
            : fixtures;
      for (const [index, tag] of targets.entries()) {
        const overrides: Record<string, string> = table.kind === 'self' ? { id: tag.company } : {};
        const isExpected = isAllowed(table, scope, tag);
        // Tables with one row per location (or per location and user): an allowed insert first removes
        // the tenant's fixture row in the same (rolled-back) transaction, as the scope may.
        // Tables with one row per company (their key is company_id alone, e.g. notification_settings) likewise.
        const freesSlot = isExpected && table.kind === 'location' && table.name !== 'locations';
        const freesCompanySlot = isExpected && table.kind === 'company' && table.isOneRowPerCompany;
        const inserted = await attempt(run, scope, async (tx) => {
          if (freesSlot) await tx.execute(sql`delete from ${sql.identifier(table.name)} where company_id = ${tag.company} and location_id = ${tag.location}`);
          if (freesCompanySlot) await tx.execute(sql`delete from ${sql.identifier(table.name)} where company_id = ${tag.company}`);
          return queryRows<Tag & Record<string, unknown>>(tx, insertRow(table, tag, 100 + index, overrides));
        });
        if (isExpected && !inserted.ok) mismatches.push(`${label} insert for ${tagKey(tag)} refused: ${inserted.message}`);
        if (!isExpected && inserted.ok) mismatches.push(`${label} insert for ${tagKey(tag)} was allowed`);
        if (!isExpected && !inserted.ok && inserted.code !== '42501') mismatches.push(`${label} insert for ${tagKey(tag)} failed for another reason: ${inserted.code} ${inserted.message}`);
      }

      // Moving a visible row to the other agency must fail the policy's check (an admin may).
      if (table.kind !== 'self' && scope.tenant && !scope.tenant.isPlatformAdmin && visible.length > 0) {
        const other = scope.tenant.companyId === A ? B : A;
        const moved = await attempt(run, scope, (tx) => queryRows(tx, sql`update ${sql.identifier(table.name)} set company_id = ${other} where ${fixtureFilter(table)} returning 1 as "ok"`));
        if (moved.ok) mismatches.push(`${label} moved ${moved.value.length} row(s) to ${other}`);
        else if (moved.code !== '42501' && moved.code !== '23503' && moved.code !== '23505') mismatches.push(`${label} move failed for another reason: ${moved.message}`);
        else if (moved.code !== '42501') mismatches.push(`${label} move was stopped by ${moved.code}, not by the policy: ${moved.message}`);
      }
    }
  }
  return mismatches;
}

describe('row-level security on every tenant table', () => {
  it('has one policy for switchboard_app on every tenant table, and RLS on for each', () => {
    const withPolicy = new Set(policies.map((policy) => policy.table));
    expect(tables.filter((table) => !withPolicy.has(table.name)).map((table) => table.name)).toEqual([]);
    expect(policies.filter((policy) => !tables.some((table) => table.name === policy.table)).map((policy) => policy.table)).toEqual([]);
    for (const policy of policies) expect(policy, policy.table).toMatchObject({ roles: 'switchboard_app', command: 'ALL' });
    expect(policies).toHaveLength(tables.length);
    expect(tables.length).toBeGreaterThan(20);
    expect(tables.filter((table) => table.kind === 'location').length).toBeGreaterThan(0);
    expect(tables.filter((table) => table.kind === 'company').length).toBeGreaterThan(0);
  });

  it('the app\'s tenant transactions (SET ROLE switchboard_app): every policy, every operation, every scope', async () => {
    expect(await runMatrix(appPath)).toEqual([]);
  }, 300_000);

  it.runIf(testDatabaseEngine() === 'postgres')('a non-superuser login that never switches role: every policy, every operation, every scope', async () => {
    const [who] = await loginPath({ label: 'probe', tenant: undefined }, (tx) =>
      queryRows<{ user: string; isSuper: string; canBypass: boolean }>(tx, sql`select current_user as "user", current_setting('is_superuser') as "isSuper", (select rolbypassrls from pg_roles where rolname = current_user) as "canBypass"`),
    );
    expect(who).toEqual({ user: login?.role, isSuper: 'off', canBypass: false });
    expect(await runMatrix(loginPath)).toEqual([]);
  }, 300_000);
});
