import type { Tx } from '../../../platform/db/index.js';
import { parseGhlTime } from '../ghl-payload.js';
import type { GhlExportChannel, GhlGateway, GhlInvoiceRecord } from '../ghl-gateway.js';
import type { GhlAnswer } from '../ghl-gateway.js';
import type { AppliedRecords, CrmApplier, SyncTarget } from '../sync/crm-applier.js';

/** The run engine's kind of reconciliation runs (platform/runs). */
export const RECONCILE_KIND = 'reconcile';

/** In the order a run walks them. */
export const RECONCILE_ENTITIES = ['contacts', 'opportunities', 'appointments', 'messages', 'invoices', 'contact-deletions'] as const;
export type ReconcileEntityName = (typeof RECONCILE_ENTITIES)[number];

export interface ReconcileSettings {
  /** The next run asks GHL for changes since the checkpoint minus this (clock skew, search index lag). */
  overlapSeconds: number;
  contactsPageSize: number;
  opportunitiesPageSize: number;
  messagesPageSize: number;
  invoicesPageSize: number;
  /** Appointments have no "changed since" listing: windows around the run's start are listed per calendar. */
  appointmentsPastDays: number;
  appointmentsFutureDays: number;
  appointmentsWindowDays: number;
  /**
   * Missed deletes: after a complete listing (opportunities, appointments in the window, invoices),
   * up to this many local records GHL did not list are checked one by one; those GHL answers 404 for
   * are tombstoned. Each check is one request.
   */
  deletionChecksPerRun: number;
  /**
   * Contacts have no complete listing per run (only "changed since"), so missed ContactDelete webhooks
   * are found by a full listing of contact ids at most this often (one request per 500 contacts).
   */
  contactDeletionSweepHours: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  overlapSeconds: 300,
  contactsPageSize: 500,
  opportunitiesPageSize: 100,
  messagesPageSize: 500,
  invoicesPageSize: 100,
  appointmentsPastDays: 30,
  appointmentsFutureDays: 365,
  appointmentsWindowDays: 60,
  deletionChecksPerRun: 25,
  contactDeletionSweepHours: 24,
};

/** A record GHL lists as changed, with its GHL change time. */
export interface ChangedRecord {
  ghlId: string;
  changedAt: Date;
}

export type EntityCursor = Record<string, unknown> | null;

export interface ReconcileEntityContext {
  run: SyncTarget & { companyId: string; locationId: string };
  client: GhlGateway;
  crm: CrmApplier;
  settings: ReconcileSettings;
  /** Changes at or after this are asked for (the previous checkpoint minus the overlap). */
  sinceAt: Date;
  /** The last committed cursor of this entity in this run (null on a first attempt). */
  cursor: EntityCursor;
  /** One GHL request; a failed answer fails the entity. */
  fetch<T>(label: string, call: () => Promise<GhlAnswer<T>>): Promise<T>;
  /**
   * Applies the page's changed records and, in the same transaction, moves the entity's counts,
   * high-water mark and cursor. `fetched` = records GHL returned, before filtering by change time.
   */
  commitPage(page: { fetched: number; changed: readonly ChangedRecord[]; cursor: EntityCursor; apply: (tx: Tx) => Promise<AppliedRecords>; checkpointAt?: Date }): Promise<void>;
  /**
   * After a complete listing in one attempt: local records GHL did not list (and that existed before
   * the run) are checked with `isGone`, and the ones GHL no longer has are tombstoned, counted as repaired.
   */
  sweepDeleted(input: { listedGhlIds: ReadonlySet<string>; startWindow?: { from: Date; to: Date }; isGone: (ghlId: string) => Promise<boolean> }): Promise<void>;
}

export interface ReconcileEntityDefinition {
  name: ReconcileEntityName;
  /** The CRM table whose rows the entity's records land in (ghl_id unique per location). */
  table: string;
  run(context: ReconcileEntityContext): Promise<void>;
}

const DAY_MS = 86_400_000;
const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Keeps the records changed at or after `sinceAt`, with their change time. */
function changedSince<T>(items: readonly T[], sinceAt: Date, idOf: (item: T) => string | undefined, changeTimesOf: (item: T) => readonly unknown[]): { item: T; record: ChangedRecord }[] {
  return items.flatMap((item) => {
    const ghlId = idOf(item);
    const changedAt = changeTimesOf(item).map(parseGhlTime).find((time) => time !== undefined);
    return ghlId && changedAt && changedAt.getTime() >= sinceAt.getTime() ? [{ item, record: { ghlId, changedAt } }] : [];
  });
}

/** A record lookup's answer: 404 means GHL no longer has it; any other failure fails the entity. */
async function isNotFound(lookup: Promise<GhlAnswer<unknown>>): Promise<boolean> {
  const result = await lookup;
  if (result.ok) return false;
  if (result.error.status === 404) return true;
  throw new Error(`checking a record GHL did not list answered ${result.error.status} ${result.error.code}: ${result.error.message}`);
}

/** Ids already counted in this run (full listings can return a record twice: windows, shifting offsets). */
function readSeen(cursor: EntityCursor): Set<string> {
  const seen = cursor?.['seen'];
  return new Set(Array.isArray(seen) ? seen.filter((id): id is string => typeof id === 'string') : []);
}

/** `POST /contacts/search` with a dateUpdated range, oldest change first, cursor paging (ghl-api.md §7.3). */
const contacts: ReconcileEntityDefinition = {
  name: 'contacts',
  table: 'contacts',
  async run(context) {
    let searchAfter = Array.isArray(context.cursor?.['searchAfter']) ? (context.cursor['searchAfter'] as unknown[]) : undefined;
    const pageLimit = context.settings.contactsPageSize;
    for (;;) {
      const body = {
        pageLimit,
        filters: [{ field: 'dateUpdated', operator: 'range', value: { gte: context.sinceAt.toISOString() } }],
        sort: [{ field: 'dateUpdated', direction: 'asc' }],
        ...(searchAfter ? { searchAfter } : {}),
      };
      const page = await context.fetch('POST /contacts/search', () => context.client.searchContacts(context.run.ghlLocationId, body));
      const last = page.contacts[page.contacts.length - 1];
      const next = last?.searchAfter ?? (last ? [Date.parse(last.dateUpdated ?? '') || 0, last.id] : undefined);
      const changed = changedSince(page.contacts, context.sinceAt, (contact) => contact.id, (contact) => [contact.dateUpdated]);
      await context.commitPage({
        fetched: page.contacts.length,
        changed: changed.map((entry) => entry.record),
        cursor: next ? { searchAfter: next } : context.cursor,
        apply: (tx) => context.crm.applyContacts(tx, context.run, changed.map((entry) => entry.item)),
      });
      if (page.contacts.length < pageLimit || !next) return;
      searchAfter = next;
    }
  },
};

/** `GET /opportunities/search` has no "updated since" filter: every page is listed and filtered by updatedAt here (§7.4). */
const opportunities: ReconcileEntityDefinition = {
  name: 'opportunities',
  table: 'opportunities',
  async run(context) {
    let startAfter = str(context.cursor?.['startAfter']);
    let startAfterId = str(context.cursor?.['startAfterId']);
    const limit = context.settings.opportunitiesPageSize;
    // A listing this attempt walks from the start is complete: what it misses, GHL deleted (or never had).
    const listed = context.cursor === null ? new Set<string>() : undefined;
    for (;;) {
      const page = await context.fetch('GET /opportunities/search', () => context.client.searchOpportunities(context.run.ghlLocationId, { limit, startAfter, startAfterId, status: 'all' }));
      for (const opportunity of page.opportunities) listed?.add(opportunity.id);
      const nextAfter = page.meta?.startAfter;
      const nextId = page.meta?.startAfterId ?? undefined;
      const hasNext = page.opportunities.length === limit && nextAfter !== undefined && nextAfter !== null && nextId !== undefined && nextId !== null;
      const changed = changedSince(page.opportunities, context.sinceAt, (opportunity) => opportunity.id, (opportunity) => [opportunity.updatedAt, (opportunity as unknown as Record<string, unknown>)['dateUpdated']]);
      await context.commitPage({
        fetched: page.opportunities.length,
        changed: changed.map((entry) => entry.record),
        cursor: hasNext ? { startAfter: String(nextAfter), startAfterId: nextId } : context.cursor,
        apply: (tx) => context.crm.applyOpportunities(tx, context.run, changed.map((entry) => entry.item)),
      });
      if (!hasNext) {
        if (listed) await context.sweepDeleted({ listedGhlIds: listed, isGone: (ghlId) => isNotFound(context.client.getOpportunity(context.run.ghlLocationId, ghlId)) });
        return;
      }
      startAfter = String(nextAfter);
      startAfterId = nextId;
    }
  },
};

/**
 * `GET /calendars/events` lists a window of one calendar (no paging, no "changed since", §7.5): the
 * calendars are listed fresh, then windows around the run's start, filtered by dateUpdated here.
 */
const appointments: ReconcileEntityDefinition = {
  name: 'appointments',
  table: 'appointments',
  async run(context) {
    const { calendars } = await context.fetch('GET /calendars/', () => context.client.listCalendars(context.run.ghlLocationId));
    const calendarIds = calendars.map((calendar) => calendar.id).sort();
    const { appointmentsPastDays, appointmentsFutureDays, appointmentsWindowDays } = context.settings;
    // Fixed by the run's start so a resumed attempt walks the same windows.
    const fromMs = context.run.startedAt.getTime() - appointmentsPastDays * DAY_MS;
    const toMs = context.run.startedAt.getTime() + appointmentsFutureDays * DAY_MS;
    const windows: { calendarId: string; startMs: number; endMs: number }[] = [];
    for (const calendarId of calendarIds) {
      for (let startMs = fromMs; startMs < toMs; startMs += appointmentsWindowDays * DAY_MS) windows.push({ calendarId, startMs, endMs: Math.min(toMs, startMs + appointmentsWindowDays * DAY_MS) });
    }
    const seen = readSeen(context.cursor);
    let next = Number(context.cursor?.['nextWindow'] ?? 0);
    const listed = next === 0 ? new Set<string>() : undefined;
    while (next < windows.length) {
      const window = windows[next] as (typeof windows)[number];
      const page = await context.fetch('GET /calendars/events', () =>
        context.client.listCalendarEvents(context.run.ghlLocationId, { calendarId: window.calendarId, startTimeMs: window.startMs, endTimeMs: window.endMs }),
      );
      for (const event of page.events) listed?.add(event.id);
      // An event spanning two windows comes back twice; it is counted once.
      const changed = changedSince(page.events, context.sinceAt, (event) => event.id, (event) => [event.dateUpdated]).filter((entry) => !seen.has(entry.record.ghlId));
      for (const entry of changed) seen.add(entry.record.ghlId);
      next += 1;
      await context.commitPage({
        fetched: page.events.length,
        changed: changed.map((entry) => entry.record),
        cursor: { nextWindow: next, windows: windows.length, seen: [...seen] },
        apply: (tx) => context.crm.applyAppointments(tx, context.run, changed.map((entry) => entry.item)),
      });
    }
    if (listed) {
      await context.sweepDeleted({
        listedGhlIds: listed,
        startWindow: { from: new Date(fromMs), to: new Date(toMs) },
        isGone: (ghlId) => isNotFound(context.client.getAppointment(context.run.ghlLocationId, ghlId)),
      });
    }
  },
};

const EMAIL_TYPES = new Set(['TYPE_EMAIL', 'Email']);

/**
 * `GET /conversations/messages/export` sorted by updatedAt from the checkpoint (§7.7). Without a
 * channel GHL leaves emails out, so a second pass asks for `channel=Email`; the first pass drops any
 * email it does return, so each message is handled by exactly one pass.
 */
const messages: ReconcileEntityDefinition = {
  name: 'messages',
  table: 'messages',
  async run(context) {
    const passes: { name: string; channel: GhlExportChannel | undefined; keep: (message: Record<string, unknown>) => boolean }[] = [
      { name: 'non-email', channel: undefined, keep: (message) => !EMAIL_TYPES.has(String(message['messageType'] ?? '')) },
      { name: 'email', channel: 'Email', keep: () => true },
    ];
    let passIndex = Number(context.cursor?.['pass'] ?? 0);
    let exportCursor = str(context.cursor?.['exportCursor']);
    while (passIndex < passes.length) {
      const pass = passes[passIndex] as (typeof passes)[number];
      const page = await context.fetch('GET /conversations/messages/export', () =>
        context.client.exportMessages(context.run.ghlLocationId, {
          limit: context.settings.messagesPageSize,
          sortBy: 'updatedAt',
          sortOrder: 'asc',
          startDate: context.sinceAt.toISOString(),
          channel: pass.channel,
          cursor: exportCursor,
        }),
      );
      const nextCursor = page.nextCursor ?? undefined;
      // The export's message has no documented change time; a message changes little after it is added.
      const changed = changedSince(page.messages.filter(pass.keep), context.sinceAt, (message) => str(message['id']), (message) => [message['updatedAt'], message['dateUpdated'], message['dateAdded']]);
      if (!nextCursor) {
        passIndex += 1;
        exportCursor = undefined;
      } else exportCursor = nextCursor;
      await context.commitPage({
        fetched: page.messages.length,
        changed: changed.map((entry) => entry.record),
        cursor: { pass: passIndex, ...(exportCursor ? { exportCursor } : {}) },
        apply: (tx) => context.crm.applyMessages(tx, context.run, changed.map((entry) => entry.item)),
      });
    }
  },
};

/** `GET /invoices/` pages by offset with no "changed since" (§7.8): every page is listed and filtered by updatedAt here. */
const invoices: ReconcileEntityDefinition = {
  name: 'invoices',
  table: 'invoices',
  async run(context) {
    const limit = context.settings.invoicesPageSize;
    let offset = Number(context.cursor?.['offset'] ?? 0);
    const seen = readSeen(context.cursor);
    const listed = offset === 0 ? new Set<string>() : undefined;
    for (;;) {
      const page = await context.fetch('GET /invoices/', () => context.client.listInvoicesByIssueDate(context.run.ghlLocationId, { limit, offset }));
      for (const invoice of page.invoices) if (invoice._id) listed?.add(invoice._id);
      const changed = changedSince(page.invoices, context.sinceAt, (invoice: GhlInvoiceRecord) => str(invoice._id), (invoice) => [invoice.updatedAt]).filter((entry) => !seen.has(entry.record.ghlId));
      for (const entry of changed) seen.add(entry.record.ghlId);
      offset += page.invoices.length;
      await context.commitPage({
        fetched: page.invoices.length,
        changed: changed.map((entry) => entry.record),
        cursor: { offset, seen: [...seen] },
        apply: (tx) => context.crm.applyInvoices(tx, context.run, changed.map((entry) => entry.item)),
      });
      if (page.invoices.length < limit) {
        if (listed) await context.sweepDeleted({ listedGhlIds: listed, isGone: (ghlId) => isNotFound(context.client.getInvoice(context.run.ghlLocationId, ghlId)) });
        return;
      }
    }
  },
};

/**
 * Missed ContactDelete webhooks: every `contactDeletionSweepHours` (its checkpoint is the last sweep),
 * all contact ids are listed and local contacts GHL did not list are checked by id and tombstoned on
 * 404. Between sweeps the entity does nothing (no request).
 */
const contactDeletions: ReconcileEntityDefinition = {
  name: 'contact-deletions',
  table: 'contacts',
  async run(context) {
    const dueAt = context.sinceAt.getTime() + context.settings.contactDeletionSweepHours * 3_600_000;
    if (dueAt > context.run.startedAt.getTime()) return;
    const pageLimit = context.settings.contactsPageSize;
    const listed = new Set<string>();
    let searchAfter: unknown[] | undefined;
    for (;;) {
      const body = { pageLimit, sort: [{ field: 'dateAdded', direction: 'asc' }], ...(searchAfter ? { searchAfter } : {}) };
      const page = await context.fetch('POST /contacts/search', () => context.client.searchContacts(context.run.ghlLocationId, body));
      for (const contact of page.contacts) listed.add(contact.id);
      const last = page.contacts[page.contacts.length - 1];
      if (page.contacts.length < pageLimit || !last?.searchAfter) break;
      searchAfter = last.searchAfter;
    }
    await context.sweepDeleted({ listedGhlIds: listed, isGone: (ghlId) => isNotFound(context.client.getContact(context.run.ghlLocationId, ghlId)) });
    // The sweep's time is this entity's checkpoint: the next sweep is due a period later.
    await context.commitPage({ fetched: listed.size, changed: [], cursor: null, apply: async () => ({ changed: 0, changedGhlIds: [] }), checkpointAt: context.run.startedAt });
  },
};

export const RECONCILE_ENTITY_DEFINITIONS: readonly ReconcileEntityDefinition[] = [contacts, opportunities, appointments, messages, invoices, contactDeletions];
