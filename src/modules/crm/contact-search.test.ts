import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { startCrmApiKit, type CrmApiKit } from '../../../test/crm-api-kit.js';
import { bearer } from '../../../test/support/test-app.js';
import { createLocationUser } from '../../../test/support/factories.js';
import { queryRows, type TenantScope } from '../../platform/db/index.js';
import { buildContactListQueries, CONTACT_COUNT_CAP, keysetPartsAfter } from './crm-read.repo.js';

/*
 * Contact search on the indexes of the contact_search migration (issue 14 point 7): what it finds through the API,
 * that the view it searches on shows each tenant exactly what RLS shows, and that PostgreSQL and PGlite
 * plan the list and the search on the new indexes.
 */

let kit: CrmApiKit;
let base = '';
const headers = () => bearer(kit.agency.token);

interface ContactItem {
  id: string;
  ghlId: string;
  firstName: string | null;
  lastName: string | null;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  tags: string[];
}
interface PageBody {
  items: ContactItem[];
  total: number;
  limit: number;
  offset: number;
}

async function search(query: string) {
  const response = await kit.server.inject({ method: 'GET', url: `${base}/contacts?limit=200&${query}`, headers: headers() });
  expect(response.statusCode).toBe(200);
  return { body: response.json<PageBody>(), isTotalExact: response.headers['x-total-exact'] };
}

async function rows<T extends Record<string, unknown>>(query: SQL): Promise<T[]> {
  return queryRows<T>(kit.app.database.db, query);
}

/** The contacts a SQL condition selects, as the API should find them (live ones of the location). */
async function expected(condition: SQL): Promise<string[]> {
  const found = await rows<{ ghlId: string }>(
    sql`select ghl_id as "ghlId" from contacts where location_id = ${kit.installed.locationId} and deleted_at is null and ${condition} order by ghl_id`,
  );
  return found.map((row) => row.ghlId);
}

function ghlIdsOf(page: PageBody): string[] {
  return page.items.map((item) => item.ghlId).sort();
}

/** The planner's tree as text: node types and index names, one line each. */
async function explain(scope: TenantScope, statement: SQL): Promise<string> {
  return kit.app.database.tenant(scope, async (tx) => {
    const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(tx, sql`explain (format json) ${statement}`);
    const lines: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      lines.push(`${String(node['Node Type'])}${node['Index Name'] ? ` ${String(node['Index Name'])}` : ''}${node['Relation Name'] ? ` on ${String(node['Relation Name'])}` : ''}`);
      for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    const plan = row?.['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: Record<string, unknown> }[];
    walk(parsed[0]?.Plan ?? {});
    return lines.join('\n');
  });
}

/** The statement that reads a list's page: the rows of a plain list, the page's ids for a search. */
function pageStatement(queries: ReturnType<typeof buildContactListQueries>): SQL {
  return queries.ids === undefined ? queries.page.getSQL() : queries.ids;
}

beforeAll(async () => {
  kit = await startCrmApiKit({ contacts: 60 });
  base = `/api/locations/${kit.installed.locationId}`;
});

afterAll(async () => kit?.close());

describe('the contact_search migration', () => {
  it('created pg_trgm, the trigram, tag and sort indexes and the search view on this engine', async () => {
    const [extension] = await rows<{ name: string }>(sql`select extname as name from pg_extension where extname = 'pg_trgm'`);
    expect(extension?.name).toBe('pg_trgm');
    const indexes = (await rows<{ name: string }>(sql`select indexname as name from pg_indexes where tablename = 'contacts'`)).map((row) => row.name);
    expect(indexes).toEqual(
      expect.arrayContaining([
        'contacts_location_date_added_idx',
        'contacts_location_source_updated_idx',
        'contacts_full_name_trgm_idx',
        'contacts_first_last_name_trgm_idx',
        'contacts_email_trgm_idx',
        'contacts_phone_trgm_idx',
        'contacts_tags_idx',
      ]),
    );
    const [view] = await rows<{ name: string }>(sql`select viewname as name from pg_views where viewname = 'contacts_search'`);
    expect(view?.name).toBe('contacts_search');
  });
});

describe('contact search through the API', () => {
  it('finds by a partial name in any letter case, by first + last name, and by full name', async () => {
    const [sample] = await rows<{ firstName: string; lastName: string }>(
      sql`select first_name as "firstName", last_name as "lastName" from contacts where location_id = ${kit.installed.locationId} and deleted_at is null order by ghl_id limit 1`,
    );
    if (!sample) throw new Error('no contacts synced');
    const fragment = sample.lastName.slice(1, 4);
    const partial = await search(`q=${encodeURIComponent(fragment.toUpperCase())}`);
    const byFragment = await expected(sql`(full_name ilike ${`%${fragment}%`} or first_name || ' ' || last_name ilike ${`%${fragment}%`} or email ilike ${`%${fragment}%`})`);
    expect(byFragment.length).toBeGreaterThan(0);
    expect(ghlIdsOf(partial.body)).toEqual(byFragment);
    expect(partial.body.total).toBe(byFragment.length);
    expect(partial.isTotalExact).toBe('true');
    for (const item of partial.body.items) expect(`${item.fullName} ${item.email}`.toLowerCase()).toContain(fragment.toLowerCase());

    const fullName = `${sample.firstName} ${sample.lastName}`;
    const byName = await search(`q=${encodeURIComponent(fullName.toLowerCase())}`);
    expect(ghlIdsOf(byName.body)).toEqual(await expected(sql`lower(first_name || ' ' || last_name) = ${fullName.toLowerCase()}`));
  });

  it('finds by a partial or exact email, case-insensitive', async () => {
    const [sample] = await rows<{ ghlId: string; email: string }>(
      sql`select ghl_id as "ghlId", email from contacts where location_id = ${kit.installed.locationId} and deleted_at is null and email is not null order by ghl_id desc limit 1`,
    );
    if (!sample) throw new Error('no contact with an email');
    const exact = await search(`q=${encodeURIComponent(sample.email.toUpperCase())}`);
    expect(ghlIdsOf(exact.body)).toEqual([sample.ghlId]);
    const local = sample.email.split('@')[0] as string;
    const partial = local.slice(2);
    const byPartial = await search(`q=${encodeURIComponent(partial.toUpperCase())}`);
    expect(ghlIdsOf(byPartial.body)).toContain(sample.ghlId);
    expect(ghlIdsOf(byPartial.body)).toEqual(await expected(sql`(email ilike ${`%${partial}%`} or full_name ilike ${`%${partial}%`})`));
    // The domain matches every contact that has it; `%` and `_` typed by the caller are no wildcards.
    const domain = sample.email.split('@')[1] as string;
    expect(ghlIdsOf((await search(`q=${encodeURIComponent(`@${domain.toUpperCase()}`)}`)).body)).toEqual(await expected(sql`email ilike ${`%@${domain}%`}`));
    expect((await search(`q=${encodeURIComponent('%')}`)).body.total).toBe(0);
    expect((await search(`q=${encodeURIComponent('_')}`)).body.total).toBe(0);
  });

  it('finds by a partial or exact phone, also typed with spaces, dashes and brackets', async () => {
    const [sample] = await rows<{ ghlId: string; phone: string }>(
      sql`select ghl_id as "ghlId", phone from contacts where location_id = ${kit.installed.locationId} and deleted_at is null and phone like '+1%' order by ghl_id limit 1`,
    );
    if (!sample) throw new Error('no contact with a phone');
    expect(ghlIdsOf((await search(`q=${encodeURIComponent(sample.phone)}`)).body)).toEqual([sample.ghlId]);
    const lastSeven = sample.phone.slice(-7);
    expect(ghlIdsOf((await search(`q=${lastSeven}`)).body)).toEqual(await expected(sql`phone like ${`%${lastSeven}%`}`));
    // +15125550199 typed as "(512) 555-0199".
    const national = sample.phone.slice(2);
    const typed = `(${national.slice(0, 3)}) ${national.slice(3, 6)}-${national.slice(6)}`;
    expect(ghlIdsOf((await search(`q=${encodeURIComponent(typed)}`)).body)).toEqual([sample.ghlId]);
  });

  it('matches one or two characters at the start of a word of the name or of the email', async () => {
    const [sample] = await rows<{ lastName: string }>(
      sql`select last_name as "lastName" from contacts where location_id = ${kit.installed.locationId} and deleted_at is null order by ghl_id desc limit 1`,
    );
    if (!sample) throw new Error('no contacts synced');
    for (const short of [sample.lastName.slice(0, 2), sample.lastName.slice(0, 1)]) {
      const found = await search(`q=${encodeURIComponent(short.toLowerCase())}`);
      const wanted = await expected(sql`(full_name ilike ${`${short}%`} or full_name ilike ${`% ${short}%`} or first_name || ' ' || last_name ilike ${`${short}%`} or first_name || ' ' || last_name ilike ${`% ${short}%`} or email ilike ${`${short}%`})`);
      expect(wanted.length).toBeGreaterThan(0);
      expect(ghlIdsOf(found.body)).toEqual(wanted);
    }
    // Inside a word is no match for two letters ("mi" in "Smith"), as it is for three.
    expect((await search('q=zq')).body.total).toBe(0);
  });

  it('combines the search with the tag filter and sorts matches like the list', async () => {
    const [tagged] = await rows<{ tag: string }>(
      sql`select tag from contacts, unnest(tags) as tag where location_id = ${kit.installed.locationId} and deleted_at is null group by tag order by count(*) desc, tag limit 1`,
    );
    if (!tagged) throw new Error('no tagged contacts');
    const byTag = await search(`tag=${encodeURIComponent(tagged.tag)}`);
    expect(ghlIdsOf(byTag.body)).toEqual(await expected(sql`${tagged.tag} = any(tags)`));
    const both = await search(`tag=${encodeURIComponent(tagged.tag)}&q=example&sort=updatedAt&order=asc`);
    expect(ghlIdsOf(both.body)).toEqual(await expected(sql`${tagged.tag} = any(tags) and email ilike '%example%'`));
    const times = both.body.items.map((item) => (item as unknown as { sourceUpdatedAt: string }).sourceUpdatedAt);
    expect(times).toEqual([...times].sort());
  });

  it('answers another agency and a member of another location 404, and their searches see nothing', async () => {
    const foreign = await kit.server.inject({ method: 'GET', url: `${base}/contacts?q=example`, headers: bearer(kit.otherAgency.token) });
    expect(foreign.statusCode).toBe(404);
    const elsewhere = await createLocationUser(kit.app, kit.agency.token, kit.agency.locationIds[0] as string, 'location_member');
    expect((await kit.server.inject({ method: 'GET', url: `${base}/contacts?q=example`, headers: bearer(elsewhere.token) })).statusCode).toBe(404);
    const own = await kit.server.inject({ method: 'GET', url: `/api/locations/${kit.otherAgency.locationIds[0] as string}/contacts?q=example`, headers: bearer(kit.otherAgency.token) });
    expect(own.json<PageBody>()).toMatchObject({ total: 0, items: [] });
  });
});

describe('cursor paging of the contact list', () => {
  type CursorPage = PageBody & { nextCursor: string | null };
  const list = async (query: string) => {
    const response = await kit.server.inject({ method: 'GET', url: `${base}/contacts?${query}`, headers: headers() });
    return { status: response.statusCode, body: response.json<CursorPage & { error?: { code: string } }>() };
  };
  /** Every page by `after`, from the first, as ids in order. */
  const walk = async (query: string, limit: number) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const page = await list(`${query}&limit=${limit}${cursor === null ? '' : `&after=${cursor}`}`);
      expect(page.status).toBe(200);
      ids.push(...page.body.items.map((item) => item.id));
      cursor = page.body.nextCursor;
      if (cursor === null) return ids;
    }
    throw new Error('the cursor walk did not end');
  };

  beforeAll(async () => {
    // Ties and gaps a cursor must get past: equal timestamps, rows without dateAdded, microseconds.
    const { locationId } = kit.installed;
    await kit.app.database.system(async (tx) => {
      await tx.execute(sql`update contacts set date_added = null where location_id = ${locationId} and id in (select id from contacts where location_id = ${locationId} order by id limit 5)`);
      await tx.execute(sql`update contacts set date_added = timestamptz '2026-03-03 10:00:00.123456+00' where location_id = ${locationId} and id in (select id from contacts where location_id = ${locationId} order by id offset 5 limit 6)`);
      await tx.execute(sql`update contacts set source_updated_at = timestamptz '2026-03-04 10:00:00.654321+00' where location_id = ${locationId} and id in (select id from contacts where location_id = ${locationId} order by id desc limit 7)`);
    });
  });

  it('walks the whole list by nextCursor in the order offsets give, both sorts and orders, no row twice or missed', async () => {
    for (const query of ['sort=dateAdded&order=desc', 'sort=dateAdded&order=asc', 'sort=updatedAt&order=desc', 'sort=updatedAt&order=asc', 'q=example&sort=dateAdded&order=desc', 'q=example&sort=dateAdded&order=asc']) {
      const whole = await list(`${query}&limit=200`);
      expect(whole.status).toBe(200);
      const expectedIds = whole.body.items.map((item) => item.id);
      expect(expectedIds.length).toBeGreaterThan(20);
      expect(whole.body.nextCursor).toBeNull();
      // Page size 1 for the two that cross between rows without dateAdded and rows with one, so every boundary is a page boundary once.
      for (const limit of query.startsWith('sort=dateAdded') ? [1, 6] : [6]) expect({ query, limit, ids: await walk(query, limit) }).toEqual({ query, limit, ids: expectedIds });
    }
  }, 180_000);

  it('gives a full page a cursor also when it was reached by offset, and that cursor continues it', async () => {
    const byOffset = await list('limit=10&offset=20');
    const next = await list('limit=10&offset=30');
    expect(byOffset.body.nextCursor).toEqual(expect.any(String));
    const byCursor = await list(`limit=10&after=${byOffset.body.nextCursor as string}`);
    expect(byCursor.body.items.map((item) => item.id)).toEqual(next.body.items.map((item) => item.id));
    expect(byCursor.body.total).toBe(next.body.total);
  });

  it('refuses a cursor it did not mint, one of another sort or order, and a cursor with an offset (400 invalid_cursor)', async () => {
    const first = await list('limit=5&sort=dateAdded&order=desc');
    const cursor = first.body.nextCursor as string;
    const forged = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const query of [
      `after=${cursor}&order=asc`,
      `after=${cursor}&sort=updatedAt`,
      `after=${cursor}&offset=5`,
      'after=bm90LWpzb24',
      `after=${forged({ s: 'dateAdded', o: 'desc', v: '2026-02-30T10:00:00.000000Z', i: 'x' })}`,
      `after=${forged({ s: 'dateAdded', o: 'desc', v: "2026-01-01'; drop table contacts; --", i: 'x' })}`,
      `after=${forged({ s: 'dateAdded', o: 'desc', v: 7, i: 'x' })}`,
      `after=${forged({ s: 'dateAdded', o: 'desc', v: null, i: '' })}`,
      `after=${forged([1, 2])}`,
    ]) {
      const refused = await list(query);
      expect({ query, status: refused.status, code: refused.body.error?.code }).toEqual({ query, status: 400, code: 'invalid_cursor' });
    }
    const malformed = await list('after=not%20base64url!');
    expect(malformed.status).toBe(400);
    // A well-formed cursor naming a place no row holds just starts there.
    const fromFuture = await list(`limit=5&after=${forged({ s: 'dateAdded', o: 'desc', v: '9999-12-31T23:59:59.999999Z', i: 'zzz' })}`);
    expect(fromFuture.status).toBe(200);
    expect(fromFuture.body.items.map((item) => item.id)).toEqual(first.body.items.map((item) => item.id));
  });
});

describe('the contacts_search view', () => {
  it('shows each tenant exactly the contacts RLS shows it', async () => {
    const scopes: TenantScope[] = [
      { companyId: kit.agency.companyId, locationIds: '*' },
      { companyId: kit.agency.companyId, locationIds: [kit.installed.locationId] },
      { companyId: kit.agency.companyId, locationIds: [kit.agency.locationIds[0] as string] },
      { companyId: kit.otherAgency.companyId, locationIds: '*' },
      { companyId: 'cmp_nobody', locationIds: [kit.installed.locationId] },
      { companyId: kit.otherAgency.companyId, locationIds: '*', isPlatformAdmin: true },
    ];
    const [all] = await rows<{ total: number }>(sql`select count(*)::int as total from contacts`);
    const seen: number[] = [];
    for (const scope of scopes) {
      const [counts] = await kit.app.database.tenant(scope, (tx) =>
        queryRows<{ byView: number; byPolicy: number }>(tx, sql`select (select count(*)::int from contacts_search) as "byView", (select count(*)::int from contacts) as "byPolicy"`),
      );
      expect(counts?.byView).toBe(counts?.byPolicy);
      seen.push(counts?.byView ?? -1);
    }
    expect(seen).toEqual([all?.total, all?.total, 0, 0, 0, all?.total]);
  });
});

describe('query plans', () => {
  const scope = () => ({ companyId: kit.agency.companyId, locationIds: [kit.installed.locationId] });
  const page = { limit: 50, offset: 0, includeDeleted: false, sort: 'dateAdded' as const, order: 'desc' as const };

  beforeAll(async () => {
    // 30,000 more contacts, so the planner has a reason to prefer indexes; then statistics, as
    // autovacuum would keep them on PostgreSQL (PGlite runs no autovacuum).
    const { companyId, locationId, ghlLocationId } = kit.installed;
    await kit.app.database.system((tx) =>
      tx.execute(sql`insert into contacts (id, company_id, location_id, ghl_id, first_name, last_name, full_name, email, phone, tags, date_added, source_updated_at, raw)
        select 'con_plan_' || g, ${companyId}, ${locationId}, 'plan' || g, 'First' || (g % 97), 'Last' || (g % 89), 'First' || (g % 97) || ' Last' || (g % 89),
          'person' || g || '@plan.example.com', '+1512' || lpad(((g * 7919) % 10000000)::text, 7, '0'), array['plan-tag-' || (g % 50)],
          timestamptz '2026-01-01' + g * interval '1 minute', timestamptz '2026-01-01' + g * interval '1 minute', ${JSON.stringify({ locationId: ghlLocationId })}::jsonb
        from generate_series(1, 30000) g`),
    );
    await kit.app.database.db.execute(sql`vacuum analyze contacts`);
  });

  it('walks the sort indexes for a plain list, in both directions and both sorts', async () => {
    const desc = buildContactListQueries(kit.app.database.db, kit.installed.locationId, page);
    expect(await explain(scope(), pageStatement(desc))).toMatch(/Index Scan( Backward)? contacts_location_date_added_idx/);
    const asc = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, sort: 'updatedAt', order: 'asc' });
    expect(await explain(scope(), pageStatement(asc))).toMatch(/Index Scan( Backward)? contacts_location_source_updated_idx/);
    // (The capped count's plan depends on the table's size; bench/million-contacts.ts prints it at 1 M rows.)
  });

  it('seeks a cursor page on the sort index (a row comparison in the index condition, no sort)', async () => {
    const after = { value: '2026-01-10T00:00:00.000000Z', id: 'con_plan_5' };
    for (const order of ['desc', 'asc'] as const) {
      const [part] = keysetPartsAfter(order, after);
      const queries = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, order, after }, part);
      const plan = await explain(scope(), pageStatement(queries));
      expect(plan).toMatch(/Index (Only )?Scan( Backward)? contacts_location_date_added_idx/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    }
  });

  it('finds a selective search through the trigram indexes under RLS, where ILIKE on contacts could not', async () => {
    const email = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, q: 'person12345@' });
    const emailPlan = await explain(scope(), pageStatement(email));
    expect(emailPlan).toContain('contacts_email_trgm_idx');
    expect(emailPlan).not.toMatch(/Seq Scan/);
    expect(await explain(scope(), email.count)).toContain('contacts_email_trgm_idx');
    const phone = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, q: '(512) 555-12' });
    expect(await explain(scope(), pageStatement(phone))).toContain('contacts_phone_trgm_idx');
    const name = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, q: 'first13 last8' });
    expect(await explain(scope(), pageStatement(name))).toMatch(/contacts_(full_name|first_last_name)_trgm_idx/);
    const short = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, q: 'zq' });
    expect(await explain(scope(), short.count)).toMatch(/contacts_(full_name|first_last_name|email)_trgm_idx/);
    const tag = buildContactListQueries(kit.app.database.db, kit.installed.locationId, { ...page, tag: 'plan-tag-7', q: 'person1234' });
    expect(await explain(scope(), pageStatement(tag))).toMatch(/contacts_(tags|email_trgm)_idx/);
    // Why the view exists: the same condition on contacts under the policy leaves the index unused.
    const direct = await explain(scope(), sql`select id from contacts where location_id = ${kit.installed.locationId} and email ilike '%person12345@%'`);
    expect(direct).not.toContain('contacts_email_trgm_idx');
  });

  it('stops counting at the cap and says so', async () => {
    const listed = await search('');
    expect(listed.body.total).toBe(CONTACT_COUNT_CAP + 1);
    expect(listed.isTotalExact).toBe('false');
    expect(listed.body.items).toHaveLength(200);
    // Deep pages count to their own end: "another page exists while offset + limit < total" holds.
    const deep = await search('offset=20000');
    expect(deep.body.total).toBe(20_200 + 1);
    expect(deep.isTotalExact).toBe('false');
    const last = await search('offset=29990');
    expect(last.isTotalExact).toBe('true');
    expect(last.body.total).toBe(last.body.offset + last.body.items.length);
    const selective = await search('q=person2999');
    expect(selective.isTotalExact).toBe('true');
    expect(selective.body.total).toBe(11);
  });
});
