import { and, asc, count, desc, eq, getTableColumns, gt, gte, ilike, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type Executor } from '../../platform/db/index.js';
import { appointments, contacts, contactsSearch, conversations, invoices, messages, notes, opportunities, tasks } from './crm.tables.js';

/*
 * All SQL of the CRM read API. Callers run it in a tenant transaction, so RLS limits every row to the
 * caller's company and locations; the explicit location_id filter keeps each query within one location
 * (and on its indexes).
 */

export interface PageInput {
  limit: number;
  offset: number;
  includeDeleted: boolean;
}

export type ContactRow = typeof contacts.$inferSelect;
export type NoteRow = typeof notes.$inferSelect;
export type TaskRow = typeof tasks.$inferSelect;
export type OpportunityRow = typeof opportunities.$inferSelect;
export type AppointmentRow = typeof appointments.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type MessageRow = typeof messages.$inferSelect;
export type InvoiceRow = typeof invoices.$inferSelect;

/** `%` and `_` in user input are literals, not wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

function containsPattern(text: string): string {
  return `%${escapeLike(text)}%`;
}

function notDeleted(column: PgColumn, includeDeleted: boolean): SQL | undefined {
  return includeDeleted ? undefined : isNull(column);
}

/**
 * Records of one contact (our id or GHL's): by the contact's GHL id, and for records created here
 * before their contact reached GHL, by our contact id.
 */
function ofContact(locationId: string, contactGhlIdColumn: PgColumn, contactId: string, contactIdColumn?: PgColumn): SQL {
  // A GHL id matches the stored column directly: the record's contact may not be stored (yet).
  const byGhlId = sql`(${contactGhlIdColumn} = ${contactId} or ${contactGhlIdColumn} in (select c.ghl_id from contacts c where c.location_id = ${locationId} and c.id = ${contactId} and c.ghl_id is not null))`;
  if (!contactIdColumn) return byGhlId;
  return sql`(${byGhlId} or ${contactIdColumn} in (select c.id from contacts c where c.location_id = ${locationId} and (c.id = ${contactId} or c.ghl_id = ${contactId})))`;
}

/** Matches our id or GHL's, so clients may use whichever they hold. */
function byEitherId(idColumn: PgColumn, ghlIdColumn: PgColumn, id: string): SQL {
  return or(eq(idColumn, id), eq(ghlIdColumn, id)) as SQL;
}

/**
 * Up to this many matches a contact list counts them exactly; beyond, counting a million rows on every
 * page would cost more than the page (seconds on PostgreSQL, more on PGlite), so the count stops.
 */
export const CONTACT_COUNT_CAP = 10_000;

/**
 * A trigram index finds a substring of three characters or more. Shorter searches match the start of
 * a word of the name, or the start of the email ("jo": John Smith, Mary Jones, jo.doe@…), which the
 * same indexes find (an anchored pattern has trigrams); a one- or two-letter substring anywhere would
 * read every contact of the location.
 */
const MIN_SUBSTRING_LENGTH = 3;

/** Characters a typed phone number may contain ("+1 (512) 555-0199"); its digits are matched too. */
const PHONE_LIKE = /^[\d\s()+.-]+$/;

/**
 * The search and tag conditions on `contacts_search` (`s`), or undefined for a plain list. They go
 * through the view because under RLS ILIKE and `@>` could use no index (crm.tables.ts).
 */
function contactMatch(input: { q?: string | undefined; tag?: string | undefined }): SQL | undefined {
  const conditions: SQL[] = [];
  if (input.q !== undefined && input.q.length < MIN_SUBSTRING_LENGTH) {
    const prefix = `${escapeLike(input.q)}%`;
    const wordStart = `% ${escapeLike(input.q)}%`;
    conditions.push(sql`(s.full_name ilike ${prefix} or s.full_name ilike ${wordStart} or s.first_last_name ilike ${prefix} or s.first_last_name ilike ${wordStart} or s.email ilike ${prefix})`);
  } else if (input.q !== undefined) {
    const pattern = containsPattern(input.q);
    const digits = input.q.replace(/\D/g, '');
    const phoneByDigits = PHONE_LIKE.test(input.q) && digits.length >= MIN_SUBSTRING_LENGTH && digits !== input.q ? sql` or s.phone ilike ${containsPattern(digits)}` : sql``;
    conditions.push(sql`(s.full_name ilike ${pattern} or s.first_last_name ilike ${pattern} or s.email ilike ${pattern} or s.phone ilike ${pattern}${phoneByDigits})`);
  }
  if (input.tag !== undefined) conditions.push(sql`s.tags @> array[${input.tag}]::text[]`);
  return conditions.length === 0 ? undefined : sql.join(conditions, sql` and `);
}

/** A place in the contact list: the sort column's value (UTC text with microseconds, as `sortKeyOf` reads it) and the id. */
export interface ContactListKey {
  value: string | null;
  id: string;
}

type ContactListInput = PageInput & { q?: string | undefined; tag?: string | undefined; sort: 'dateAdded' | 'updatedAt'; order: 'asc' | 'desc'; after?: ContactListKey | undefined };

/*
 * A page after a key, in rows the sort index can seek to: `(value, id) < (key)` is an index condition
 * (a row comparison), while "or the value is null" would not be. So the rest of the list after a key
 * is one or two parts read in turn: in `desc nulls last`, the rows before the key's value and then the
 * rows without a value; in `asc nulls first`, the valueless rows after the key's id and then every row
 * with a value.
 */
type KeysetPart = { kind: 'after_value'; value: string; id: string } | { kind: 'null_after'; id: string } | { kind: 'nulls' } | { kind: 'values' };

export function keysetPartsAfter(order: 'asc' | 'desc', key: ContactListKey): KeysetPart[] {
  if (key.value === null) return order === 'desc' ? [{ kind: 'null_after', id: key.id }] : [{ kind: 'null_after', id: key.id }, { kind: 'values' }];
  const afterValue: KeysetPart = { kind: 'after_value', value: key.value, id: key.id };
  return order === 'desc' ? [afterValue, { kind: 'nulls' }] : [afterValue];
}

function keysetCondition(part: KeysetPart, column: SQL, id: SQL, order: 'asc' | 'desc'): SQL {
  const beyond = order === 'desc' ? sql`<` : sql`>`;
  switch (part.kind) {
    case 'after_value':
      return sql`(${column}, ${id}) ${beyond} (${part.value}::timestamptz, ${part.id})`;
    case 'null_after':
      return sql`${column} is null and ${id} ${beyond} ${part.id}`;
    case 'nulls':
      return sql`${column} is null`;
    case 'values':
      return sql`${column} is not null`;
  }
}

/** The sort column as the key of a cursor: UTC with microseconds, the precision it is stored in. */
export function sortKeyOf(column: SQL | PgColumn): SQL<string | null> {
  return sql<string | null>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

export type ContactPageRow = ContactRow & { sortKey: string | null };

/**
 * The statements of a contact list. A plain list reads its page from `contacts` (under RLS) on the
 * sort index. A search first takes the ids of its page from the view (there the planner may use the
 * trigram and tag indexes, or walk the sort index when most rows match), then reads those rows from
 * `contacts` under RLS. (One statement with `id in (select … from contacts_search)` would be a
 * self-join that PostgreSQL 18, i.e. PGlite, eliminates, putting the conditions back under the
 * policy.) The count stops at the cap, or at the end of this page if that is further: past it the
 * total is a lower bound that still exceeds offset + limit whenever another page exists. Exported so a
 * test can EXPLAIN exactly these statements.
 */
export function buildContactListQueries(tx: Executor, locationId: string, input: ContactListInput, part?: KeysetPart) {
  const match = contactMatch(input);
  const isAscending = input.order === 'asc';
  const sortColumn = input.sort === 'dateAdded' ? contacts.dateAdded : contacts.sourceUpdatedAt;
  // Both orders walk contacts_location_{date_added,source_updated}_idx (asc is the index backwards).
  const orderBy = [sql`${sortColumn} ${isAscending ? sql`asc nulls first` : sql`desc nulls last`}`, isAscending ? asc(contacts.id) : desc(contacts.id)];
  const pageColumns = { ...getTableColumns(contacts), sortKey: sortKeyOf(sortColumn) };
  const bound = Math.max(CONTACT_COUNT_CAP, input.offset + input.limit);
  if (match === undefined) {
    const where = and(eq(contacts.locationId, locationId), notDeleted(contacts.deletedAt, input.includeDeleted));
    const pageWhere = part === undefined ? where : and(where, keysetCondition(part, sql`${sortColumn}`, sql`${contacts.id}`, input.order));
    return {
      page: tx.select(pageColumns).from(contacts).where(pageWhere).orderBy(...orderBy).limit(input.limit).offset(input.offset),
      ids: undefined,
      count: sql`select count(*) as total from (select 1 from ${contacts} where ${where} limit ${bound + 1}) counted`,
      bound,
    };
  }
  const matching = sql`s.location_id = ${locationId}${input.includeDeleted ? sql`` : sql` and s.deleted_at is null`} and ${match}`;
  const viewSort = input.sort === 'dateAdded' ? sql`s.date_added` : sql`s.source_updated_at`;
  const viewOrder = isAscending ? sql`${viewSort} asc nulls first, s.id asc` : sql`${viewSort} desc nulls last, s.id desc`;
  const pageMatching = part === undefined ? matching : sql`${matching} and ${keysetCondition(part, viewSort, sql`s.id`, input.order)}`;
  return {
    page: (ids: string[]) => tx.select(pageColumns).from(contacts).where(and(eq(contacts.locationId, locationId), inArray(contacts.id, ids))).orderBy(...orderBy),
    ids: sql`select s.id from ${contactsSearch} s where ${pageMatching} order by ${viewOrder} limit ${input.limit} offset ${input.offset}`,
    count: sql`select count(*) as total from (select 1 from ${contactsSearch} s where ${matching} limit ${bound + 1}) counted`,
    bound,
  };
}

/**
 * A page of the contact list, from the start (offset) or after a key (then the offset is 0), and the
 * key of its last row when the page is full (another may follow).
 */
export async function selectContacts(
  tx: Executor,
  locationId: string,
  input: ContactListInput,
): Promise<{ rows: ContactPageRow[]; nextKey: ContactListKey | null; total: number; isTotalExact: boolean }> {
  const parts: (KeysetPart | undefined)[] = input.after === undefined ? [undefined] : keysetPartsAfter(input.order, input.after);
  const rows: ContactPageRow[] = [];
  let count: SQL | undefined;
  let bound = 0;
  for (const part of parts) {
    if (rows.length >= input.limit) break;
    const queries = buildContactListQueries(tx, locationId, { ...input, limit: input.limit - rows.length }, part);
    if (count === undefined) [count, bound] = [queries.count, queries.bound];
    if (queries.ids === undefined) rows.push(...(await queries.page));
    else {
      const ids = (await queryRows<{ id: string }>(tx, queries.ids)).map((row) => row.id);
      if (ids.length > 0) rows.push(...(await queries.page(ids)));
    }
  }
  const [counted] = count === undefined ? [] : await queryRows<{ total: number | string }>(tx, count);
  const total = Number(counted?.total ?? 0);
  const last = rows.at(-1);
  const nextKey = last !== undefined && rows.length === input.limit ? { value: last.sortKey, id: last.id } : null;
  return { rows, nextKey, total, isTotalExact: total <= bound };
}

export async function findContact(tx: Executor, locationId: string, contactId: string, includeDeleted: boolean): Promise<ContactRow | undefined> {
  const [row] = await tx
    .select()
    .from(contacts)
    .where(and(eq(contacts.locationId, locationId), byEitherId(contacts.id, contacts.ghlId, contactId), notDeleted(contacts.deletedAt, includeDeleted)))
    .limit(1);
  return row;
}

/** A contact's notes: by its GHL id, and those written here before the contact reached GHL by our id. */
export async function selectContactNotes(tx: Executor, locationId: string, contact: { id: string; ghlId: string | null }, includeDeleted: boolean): Promise<NoteRow[]> {
  const ofContact = contact.ghlId === null ? eq(notes.contactId, contact.id) : or(eq(notes.contactGhlId, contact.ghlId), eq(notes.contactId, contact.id));
  return tx
    .select()
    .from(notes)
    .where(and(eq(notes.locationId, locationId), ofContact, notDeleted(notes.deletedAt, includeDeleted)))
    .orderBy(sql`${notes.dateAdded} desc nulls last`, desc(notes.id));
}

export async function selectContactTasks(tx: Executor, locationId: string, contact: { id: string; ghlId: string | null }, includeDeleted: boolean): Promise<TaskRow[]> {
  const ofContact = contact.ghlId === null ? eq(tasks.contactId, contact.id) : or(eq(tasks.contactGhlId, contact.ghlId), eq(tasks.contactId, contact.id));
  return tx
    .select()
    .from(tasks)
    .where(and(eq(tasks.locationId, locationId), ofContact, notDeleted(tasks.deletedAt, includeDeleted)))
    .orderBy(sql`${tasks.dueAt} asc nulls last`, asc(tasks.id));
}

export interface PipelineRow {
  id: string;
  ghlId: string;
  name: string | null;
  sourceUpdatedAt: Date | string | null;
}
export interface StageRow {
  id: string;
  ghlId: string;
  pipelineGhlId: string;
  name: string | null;
  position: number | null;
}

/*
 * Pipelines, stages and calendars are mirrors the ghl module's setup sync writes (ghl-sync.tables.ts).
 * They are read by table name because ghl depends on crm; importing its tables would close a cycle.
 */
export async function selectPipelines(tx: Executor, locationId: string): Promise<PipelineRow[]> {
  return queryRows<PipelineRow & Record<string, unknown>>(
    tx,
    sql`select id, ghl_id as "ghlId", name, source_updated_at as "sourceUpdatedAt"
      from ghl_pipelines where location_id = ${locationId} and deleted_at is null order by name nulls last, id`,
  );
}

export async function selectStages(tx: Executor, locationId: string): Promise<StageRow[]> {
  return queryRows<StageRow & Record<string, unknown>>(
    tx,
    sql`select id, ghl_id as "ghlId", pipeline_ghl_id as "pipelineGhlId", name, position
      from ghl_pipeline_stages where location_id = ${locationId} and deleted_at is null order by pipeline_ghl_id, position nulls last, id`,
  );
}

export interface CalendarRow {
  id: string;
  ghlId: string;
  name: string | null;
  calendarType: string | null;
  isActive: boolean | null;
  groupId: string | null;
  sourceUpdatedAt: Date | string | null;
}

const calendarColumns = sql`id, ghl_id as "ghlId", name, calendar_type as "calendarType", is_active as "isActive", group_id as "groupId", source_updated_at as "sourceUpdatedAt"`;

export async function selectCalendars(tx: Executor, locationId: string): Promise<CalendarRow[]> {
  return queryRows<CalendarRow & Record<string, unknown>>(
    tx,
    sql`select ${calendarColumns} from ghl_calendars where location_id = ${locationId} and deleted_at is null order by name nulls last, id`,
  );
}

export async function findCalendar(tx: Executor, locationId: string, calendarId: string): Promise<CalendarRow | undefined> {
  const [row] = await queryRows<CalendarRow & Record<string, unknown>>(
    tx,
    sql`select ${calendarColumns} from ghl_calendars
      where location_id = ${locationId} and (id = ${calendarId} or ghl_id = ${calendarId}) and deleted_at is null limit 1`,
  );
  return row;
}

function projectColumns() {
  return {
    id: opportunities.id,
    companyId: opportunities.companyId,
    locationId: opportunities.locationId,
    ghlId: opportunities.ghlId,
    name: opportunities.name,
    pipelineId: opportunities.pipelineId,
    pipelineStageId: opportunities.pipelineStageId,
    status: opportunities.status,
    monetaryValueCents: opportunities.monetaryValueCents,
    contactGhlId: opportunities.contactGhlId,
    assignedTo: opportunities.assignedTo,
    source: opportunities.source,
    dateAdded: opportunities.dateAdded,
    sourceUpdatedAt: opportunities.sourceUpdatedAt,
    deletedAt: opportunities.deletedAt,
    contactId: opportunities.contactId,
    customFields: opportunities.customFields,
    localChanges: opportunities.localChanges,
    lastPushedAt: opportunities.lastPushedAt,
    pushError: opportunities.pushError,
    // GHL opportunities rarely carry a currency; when a payload did, it is only in raw.
    currency: sql<string | null>`${opportunities.raw}->>'currency'`,
  };
}
export type ProjectListRow = Omit<OpportunityRow, 'raw' | 'sourceEventAt' | 'createdAt' | 'updatedAt' | 'createdGhlId'> & { currency: string | null };

export async function selectProjects(
  tx: Executor,
  locationId: string,
  input: PageInput & { pipelineId?: string | undefined; stageId?: string | undefined; status?: string | undefined; q?: string | undefined; contactId?: string | undefined },
): Promise<{ rows: ProjectListRow[]; total: number }> {
  const where = and(
    input.contactId === undefined ? undefined : ofContact(locationId, opportunities.contactGhlId, input.contactId, opportunities.contactId),
    eq(opportunities.locationId, locationId),
    notDeleted(opportunities.deletedAt, input.includeDeleted),
    input.pipelineId === undefined ? undefined : eq(opportunities.pipelineId, input.pipelineId),
    input.stageId === undefined ? undefined : eq(opportunities.pipelineStageId, input.stageId),
    input.status === undefined ? undefined : eq(opportunities.status, input.status),
    input.q === undefined ? undefined : ilike(opportunities.name, containsPattern(input.q)),
  );
  const rows = await tx
    .select(projectColumns())
    .from(opportunities)
    .where(where)
    .orderBy(sql`${opportunities.sourceUpdatedAt} desc`, desc(opportunities.id))
    .limit(input.limit)
    .offset(input.offset);
  const [counted] = await tx.select({ total: count() }).from(opportunities).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export async function findProject(tx: Executor, locationId: string, projectId: string, includeDeleted: boolean): Promise<ProjectListRow | undefined> {
  const [row] = await tx
    .select(projectColumns())
    .from(opportunities)
    .where(and(eq(opportunities.locationId, locationId), byEitherId(opportunities.id, opportunities.ghlId, projectId), notDeleted(opportunities.deletedAt, includeDeleted)))
    .limit(1);
  return row;
}

export async function selectAppointments(
  tx: Executor,
  locationId: string,
  input: PageInput & { from?: Date | undefined; to?: Date | undefined; calendarId?: string | undefined; status?: string | undefined; contactId?: string | undefined; q?: string | undefined },
): Promise<{ rows: AppointmentRow[]; total: number }> {
  const where = and(
    input.contactId === undefined ? undefined : ofContact(locationId, appointments.contactGhlId, input.contactId, appointments.contactId),
    input.q === undefined ? undefined : ilike(appointments.title, containsPattern(input.q)),
    eq(appointments.locationId, locationId),
    notDeleted(appointments.deletedAt, input.includeDeleted),
    input.from === undefined ? undefined : gte(appointments.startTime, input.from),
    input.to === undefined ? undefined : lt(appointments.startTime, input.to),
    input.calendarId === undefined ? undefined : eq(appointments.calendarId, input.calendarId),
    input.status === undefined ? undefined : eq(appointments.status, input.status),
  );
  const rows = await tx
    .select()
    .from(appointments)
    .where(where)
    .orderBy(sql`${appointments.startTime} asc nulls last`, asc(appointments.id))
    .limit(input.limit)
    .offset(input.offset);
  const [counted] = await tx.select({ total: count() }).from(appointments).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export async function findAppointment(tx: Executor, locationId: string, appointmentId: string, includeDeleted: boolean): Promise<AppointmentRow | undefined> {
  const [row] = await tx
    .select()
    .from(appointments)
    .where(and(eq(appointments.locationId, locationId), byEitherId(appointments.id, appointments.ghlId, appointmentId), notDeleted(appointments.deletedAt, includeDeleted)))
    .limit(1);
  return row;
}

export async function selectConversations(
  tx: Executor,
  locationId: string,
  input: PageInput & { unread?: boolean | undefined; contactId?: string | undefined; q?: string | undefined },
): Promise<{ rows: ConversationRow[]; total: number }> {
  const unreadFilter =
    input.unread === undefined ? undefined : input.unread ? gt(conversations.unreadCount, 0) : sql`coalesce(${conversations.unreadCount}, 0) = 0`;
  const pattern = input.q === undefined ? undefined : containsPattern(input.q);
  // A conversation is found by its contact (name, email, phone) or its last message.
  const search =
    pattern === undefined
      ? undefined
      : sql`(${conversations.lastMessageBody} ilike ${pattern} or exists (select 1 from contacts c where c.location_id = ${locationId} and c.ghl_id = ${conversations.contactGhlId}
          and (c.full_name ilike ${pattern} or concat_ws(' ', c.first_name, c.last_name) ilike ${pattern} or c.email ilike ${pattern} or c.phone ilike ${pattern})))`;
  const where = and(
    eq(conversations.locationId, locationId),
    notDeleted(conversations.deletedAt, input.includeDeleted),
    unreadFilter,
    input.contactId === undefined ? undefined : ofContact(locationId, conversations.contactGhlId, input.contactId),
    search,
  );
  const rows = await tx
    .select()
    .from(conversations)
    .where(where)
    .orderBy(sql`${conversations.lastMessageAt} desc nulls last`, desc(conversations.id))
    .limit(input.limit)
    .offset(input.offset);
  const [counted] = await tx.select({ total: count() }).from(conversations).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export async function findConversation(tx: Executor, locationId: string, conversationId: string, includeDeleted: boolean): Promise<ConversationRow | undefined> {
  const [row] = await tx
    .select()
    .from(conversations)
    .where(and(eq(conversations.locationId, locationId), byEitherId(conversations.id, conversations.ghlId, conversationId), notDeleted(conversations.deletedAt, includeDeleted)))
    .limit(1);
  return row;
}

export async function selectMessages(tx: Executor, locationId: string, conversationId: string, input: PageInput): Promise<{ rows: MessageRow[]; total: number }> {
  const where = and(eq(messages.locationId, locationId), eq(messages.conversationId, conversationId), notDeleted(messages.deletedAt, input.includeDeleted));
  const rows = await tx
    .select()
    .from(messages)
    .where(where)
    .orderBy(sql`${messages.dateAdded} desc nulls last`, desc(messages.id))
    .limit(input.limit)
    .offset(input.offset);
  const [counted] = await tx.select({ total: count() }).from(messages).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export async function selectInvoices(
  tx: Executor,
  locationId: string,
  input: PageInput & { status?: string | undefined; contactId?: string | undefined; q?: string | undefined },
): Promise<{ rows: InvoiceRow[]; total: number }> {
  const pattern = input.q === undefined ? undefined : containsPattern(input.q);
  const where = and(
    eq(invoices.locationId, locationId),
    input.contactId === undefined ? undefined : ofContact(locationId, invoices.contactGhlId, input.contactId),
    pattern === undefined
      ? undefined
      : or(ilike(invoices.invoiceNumber, pattern), ilike(invoices.name, pattern), ilike(invoices.title, pattern), ilike(invoices.contactName, pattern), ilike(invoices.contactEmail, pattern)),
    notDeleted(invoices.deletedAt, input.includeDeleted),
    input.status === undefined ? undefined : eq(invoices.status, input.status),
  );
  const rows = await tx
    .select()
    .from(invoices)
    .where(where)
    .orderBy(sql`coalesce(${invoices.ghlCreatedAt}, ${invoices.sourceUpdatedAt}) desc`, desc(invoices.id))
    .limit(input.limit)
    .offset(input.offset);
  const [counted] = await tx.select({ total: count() }).from(invoices).where(where);
  return { rows, total: counted?.total ?? 0 };
}

export async function findInvoice(tx: Executor, locationId: string, invoiceId: string, includeDeleted: boolean): Promise<InvoiceRow | undefined> {
  const [row] = await tx
    .select()
    .from(invoices)
    .where(and(eq(invoices.locationId, locationId), byEitherId(invoices.id, invoices.ghlId, invoiceId), notDeleted(invoices.deletedAt, includeDeleted)))
    .limit(1);
  return row;
}

/** One note or task by our id (deleted ones included), for write answers. */
export async function findNoteById(tx: Executor, locationId: string, id: string): Promise<NoteRow | undefined> {
  const [row] = await tx.select().from(notes).where(and(eq(notes.locationId, locationId), eq(notes.id, id))).limit(1);
  return row;
}

export async function findTaskById(tx: Executor, locationId: string, id: string): Promise<TaskRow | undefined> {
  const [row] = await tx.select().from(tasks).where(and(eq(tasks.locationId, locationId), eq(tasks.id, id))).limit(1);
  return row;
}
