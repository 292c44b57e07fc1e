import type { Database, Tx } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { RunStepError } from '../../../platform/runs/index.js';
import type { GhlCustomFieldRecord, GhlGateway } from '../ghl-gateway.js';
import type { GhlAnswer } from '../ghl-gateway.js';
import type { CrmApplier } from './crm-applier.js';
import { findGhlCompanyId, listCalendarGhlIds, listConversationGhlIds, readDefaultsSources, upsertLocationDefaults } from './setup-sync.repo.js';
import { calendarsTable, customFieldsTable, customValuesTable, locationProfilesTable, pipelinesTable, pipelineStagesTable } from './sync-mirrors.js';
import { applyMirror } from './sync-mirrors.repo.js';

/** The run engine's kind of setup sync runs (platform/runs). */
export const SETUP_SYNC_KIND = 'setup-sync';

/** In dependency order; the first five make a location usable. */
export const SETUP_SYNC_STEPS = [
  'location',
  'pipelines',
  'calendars',
  'users',
  'custom-fields',
  'custom-values',
  'contacts',
  'opportunities',
  'appointments',
  'conversations',
  'messages',
  'defaults',
] as const;
export type SetupSyncStepName = (typeof SETUP_SYNC_STEPS)[number];

/** Custom fields the product writes on opportunities; the sync creates them when missing. */
export const REQUIRED_OPPORTUNITY_FIELDS = [
  { key: 'project_title', name: 'Project Title', dataType: 'TEXT' },
  { key: 'quote_number', name: 'Quote Number', dataType: 'TEXT' },
  { key: 'signed_date', name: 'Signed Date', dataType: 'DATE' },
] as const;

export interface SetupSyncSettings {
  contactsPageSize: number;
  opportunitiesPageSize: number;
  conversationsPageSize: number;
  /** Appointments are listed per calendar in windows (the endpoint has no paging). */
  appointmentsWindowDays: number;
  appointmentsPastDays: number;
  appointmentsFutureDays: number;
  /** Window requests in flight at once. */
  appointmentsConcurrency: number;
  /**
   * export: the bulk export endpoint (500 per request, GHL's recommended backfill);
   * per-conversation: the newest `messagesPerConversation` of each conversation, `messagesConcurrency` at a time.
   */
  messagesStrategy: 'export' | 'per-conversation';
  messagesPastDays: number;
  messagesPerConversation: number;
  messagesConcurrency: number;
  /** Parallel transactions applying one big page (PostgreSQL only; PGlite is one connection). */
  applyConcurrency: number;
}

export const DEFAULT_SETUP_SYNC_SETTINGS: SetupSyncSettings = {
  contactsPageSize: 500,
  opportunitiesPageSize: 100,
  conversationsPageSize: 100,
  appointmentsWindowDays: 60,
  appointmentsPastDays: 365,
  appointmentsFutureDays: 365,
  appointmentsConcurrency: 4,
  messagesStrategy: 'export',
  messagesPastDays: 365,
  messagesPerConversation: 20,
  messagesConcurrency: 8,
  applyConcurrency: 4,
};

export type StepCursor = Record<string, unknown> | null;

export interface StepContext {
  run: { id: string; companyId: string; locationId: string; ghlLocationId: string; startedAt: Date };
  client: GhlGateway;
  database: Database;
  crm: CrmApplier;
  settings: SetupSyncSettings;
  generateId: IdGenerator;
  now: () => Date;
  signal: AbortSignal;
  /** The last committed checkpoint (null on a first attempt). */
  cursor: StepCursor;
  /** One GHL request, counted for the step; a failed answer fails the step. */
  fetch<T>(label: string, call: () => Promise<GhlAnswer<T>>): Promise<T>;
  /** Applies a page and moves the checkpoint in one transaction. */
  commit(work: (tx: Tx) => Promise<{ records: number; cursor: StepCursor }>): Promise<void>;
  /**
   * Applies a big page in parallel transactions (PostgreSQL; one on PGlite), then moves the
   * checkpoint. A crash between the two re-applies the page on resume, which the idempotent upserts
   * absorb; the record count moves only with the checkpoint, so it is never counted twice.
   */
  commitInChunks<T>(items: readonly T[], apply: (tx: Tx, chunk: readonly T[]) => Promise<unknown>, cursor: StepCursor, groupOf?: (item: T) => string): Promise<void>;
}

export interface SetupSyncStep {
  name: SetupSyncStepName;
  dependsOn: readonly SetupSyncStepName[];
  /** Needed for the location to be usable; a failure grades the install F. */
  isRequired: boolean;
  run(context: StepContext): Promise<void>;
}

const DAY_MS = 86_400_000;
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return results;
}

const location: SetupSyncStep = {
  name: 'location',
  dependsOn: [],
  isRequired: true,
  async run(context) {
    const { location: details } = await context.fetch('GET /locations/{locationId}', () => context.client.getLocation(context.run.ghlLocationId));
    const raw = details as unknown as Record<string, unknown>;
    await context.commit(async (tx) => {
      await applyMirror(tx, locationProfilesTable, mirrorScope(context), [
        { ghlId: details.id, values: { ghl_company_id: details.companyId ?? null, name: details.name ?? null, timezone: details.timezone ?? null, email: details.email ?? null, phone: details.phone ?? null }, raw },
      ], { generateId: context.generateId, now: context.now(), isComplete: false });
      return { records: 1, cursor: null };
    });
  },
};

const pipelines: SetupSyncStep = {
  name: 'pipelines',
  dependsOn: [],
  isRequired: true,
  async run(context) {
    const { pipelines: listed } = await context.fetch('GET /opportunities/pipelines', () => context.client.listPipelines(context.run.ghlLocationId));
    await context.commit(async (tx) => {
      const options = { generateId: context.generateId, now: context.now(), isComplete: true };
      await applyMirror(tx, pipelinesTable, mirrorScope(context), listed.map((pipeline) => ({ ghlId: pipeline.id, values: { name: pipeline.name }, raw: pipeline as unknown as Record<string, unknown> })), options);
      const stages = listed.flatMap((pipeline) =>
        (pipeline.stages ?? []).map((stage, index) => ({
          ghlId: stage.id,
          values: { pipeline_ghl_id: pipeline.id, name: stage.name, position: typeof stage.position === 'number' ? stage.position : index },
          raw: stage as unknown as Record<string, unknown>,
        })),
      );
      await applyMirror(tx, pipelineStagesTable, mirrorScope(context), stages, options);
      return { records: listed.length, cursor: null };
    });
  },
};

const calendars: SetupSyncStep = {
  name: 'calendars',
  dependsOn: [],
  isRequired: true,
  async run(context) {
    const { calendars: listed } = await context.fetch('GET /calendars/', () => context.client.listCalendars(context.run.ghlLocationId));
    await context.commit(async (tx) => {
      const items = listed.map((calendar) => {
        const raw = calendar as unknown as Record<string, unknown>;
        return { ghlId: calendar.id, values: { name: calendar.name ?? null, calendar_type: calendar.calendarType ?? null, is_active: calendar.isActive ?? null, group_id: str(raw['groupId']) }, raw };
      });
      await applyMirror(tx, calendarsTable, mirrorScope(context), items, { generateId: context.generateId, now: context.now(), isComplete: true });
      return { records: listed.length, cursor: null };
    });
  },
};

const users: SetupSyncStep = {
  name: 'users',
  dependsOn: ['location'],
  isRequired: true,
  async run(context) {
    const ghlCompanyId = await findGhlCompanyId(context.database.db, context.run.locationId);
    if (!ghlCompanyId) throw new RunStepError('the location profile names no GHL company');
    const limit = 100;
    let skip = Number(context.cursor?.['skip'] ?? 0);
    for (;;) {
      const page = await context.fetch('GET /users/search', () => context.client.searchUsers(context.run.ghlLocationId, ghlCompanyId, { skip, limit }));
      skip += page.users.length;
      const isLast = page.users.length < limit;
      await context.commit(async (tx) => {
        await context.crm.applyUsers(tx, context.run, ghlCompanyId, page.users);
        return { records: page.users.length, cursor: { skip } };
      });
      if (isLast) return;
    }
  },
};

const customFields: SetupSyncStep = {
  name: 'custom-fields',
  dependsOn: [],
  isRequired: true,
  async run(context) {
    const ghlLocationId = context.run.ghlLocationId;
    let { customFields: listed } = await context.fetch('GET /locations/{locationId}/customFields', () => context.client.listCustomFields(ghlLocationId, 'all'));
    const created: GhlCustomFieldRecord[] = [];
    for (const required of REQUIRED_OPPORTUNITY_FIELDS) {
      if (findRequiredField(listed, required.key)) continue;
      const answer = await context.fetch('POST /locations/{locationId}/customFields', () => context.client.createCustomField(ghlLocationId, { name: required.name, dataType: required.dataType, model: 'opportunity' }));
      created.push(answer.customField);
    }
    listed = [...listed, ...created.filter((field) => !listed.some((known) => known.id === field.id))];
    await context.commit(async (tx) => {
      const items = listed.map((field) => ({
        ghlId: field.id,
        values: { name: field.name, field_key: field.fieldKey ?? null, data_type: field.dataType ?? null, model: field.model ?? null },
        raw: field as unknown as Record<string, unknown>,
      }));
      await applyMirror(tx, customFieldsTable, mirrorScope(context), items, { generateId: context.generateId, now: context.now(), isComplete: true });
      return { records: listed.length, cursor: { created: created.map((field) => field.fieldKey ?? field.id) } };
    });
  },
};

/** GHL keys opportunity fields `opportunity.<key>`; a field created by hand may only match by name. */
export function findRequiredField(fields: readonly GhlCustomFieldRecord[], key: string): GhlCustomFieldRecord | undefined {
  const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return (
    fields.find((field) => field.fieldKey === `opportunity.${key}`) ??
    fields.find((field) => (field.model === undefined || field.model === 'opportunity') && normalise(field.name) === key)
  );
}

const customValues: SetupSyncStep = {
  name: 'custom-values',
  dependsOn: [],
  isRequired: false,
  async run(context) {
    const { customValues: listed } = await context.fetch('GET /locations/{locationId}/customValues', () => context.client.listCustomValues(context.run.ghlLocationId));
    await context.commit(async (tx) => {
      const items = listed.map((value) => ({ ghlId: value.id, values: { name: value.name, field_key: value.fieldKey ?? null, value: value.value ?? null }, raw: value as unknown as Record<string, unknown> }));
      await applyMirror(tx, customValuesTable, mirrorScope(context), items, { generateId: context.generateId, now: context.now(), isComplete: true });
      return { records: listed.length, cursor: null };
    });
  },
};

/**
 * Walks a cursor-paged list with the next page's request in flight while the current page is written:
 * page N+1's cursor is known as soon as page N arrives, so fetching and writing overlap instead of
 * taking turns (at 1 M contacts the turns were most of the step's time). Pages are still written in
 * order and each checkpoint names the page after the one just written, so a resumed step refetches
 * at most the page that was in flight.
 */
async function walkPagesAhead<P>(fetchFirst: () => Promise<P>, fetchAfter: (page: P) => (() => Promise<P>) | undefined, write: (page: P) => Promise<void>): Promise<void> {
  let pending: Promise<P> | undefined = fetchFirst();
  while (pending) {
    const page: P = await pending;
    const fetchNext = fetchAfter(page);
    pending = fetchNext?.();
    // If the write below throws, the step ends with this request still in flight: its failure is moot.
    pending?.catch(() => undefined);
    await write(page);
  }
}

const contacts: SetupSyncStep = {
  name: 'contacts',
  dependsOn: ['location'],
  isRequired: false,
  async run(context) {
    const pageLimit = context.settings.contactsPageSize;
    // Oldest first, so contacts added while we page land on later pages instead of being skipped.
    const fetchPage = (searchAfter: unknown[] | undefined) => () =>
      context.fetch('POST /contacts/search', () => context.client.searchContacts(context.run.ghlLocationId, { pageLimit, sort: [{ field: 'dateAdded', direction: 'asc' }], ...(searchAfter ? { searchAfter } : {}) }));
    type Page = Awaited<ReturnType<ReturnType<typeof fetchPage>>>;
    const nextOf = (page: Page) => {
      const last = page.contacts[page.contacts.length - 1];
      return last?.searchAfter ?? (last ? [Date.parse(last.dateAdded ?? '') || 0, last.id] : undefined);
    };
    const isLast = (page: Page) => page.contacts.length < pageLimit || !nextOf(page);
    await walkPagesAhead(
      fetchPage(Array.isArray(context.cursor?.['searchAfter']) ? (context.cursor['searchAfter'] as unknown[]) : undefined),
      (page) => (isLast(page) ? undefined : fetchPage(nextOf(page))),
      async (page) => {
        const next = nextOf(page);
        await context.commitInChunks(page.contacts, (tx, chunk) => context.crm.applyContacts(tx, context.run, chunk), next ? { searchAfter: next } : (context.cursor ?? null));
      },
    );
  },
};

const opportunities: SetupSyncStep = {
  name: 'opportunities',
  dependsOn: ['pipelines'],
  isRequired: false,
  async run(context) {
    const limit = context.settings.opportunitiesPageSize;
    const fetchPage = (startAfter: string | undefined, startAfterId: string | undefined) => () =>
      context.fetch('GET /opportunities/search', () => context.client.searchOpportunities(context.run.ghlLocationId, { limit, startAfter, startAfterId, status: 'all' }));
    type Page = Awaited<ReturnType<ReturnType<typeof fetchPage>>>;
    const nextOf = (page: Page) => {
      const nextAfter = page.meta?.startAfter;
      const nextId = page.meta?.startAfterId ?? undefined;
      return page.opportunities.length === limit && nextAfter !== undefined && nextAfter !== null && nextId !== undefined && nextId !== null ? { startAfter: String(nextAfter), startAfterId: nextId } : undefined;
    };
    await walkPagesAhead(
      fetchPage(str(context.cursor?.['startAfter']) ?? undefined, str(context.cursor?.['startAfterId']) ?? undefined),
      (page) => {
        const next = nextOf(page);
        return next ? fetchPage(next.startAfter, next.startAfterId) : undefined;
      },
      (page) => context.commitInChunks(page.opportunities, (tx, chunk) => context.crm.applyOpportunities(tx, context.run, chunk), nextOf(page) ?? context.cursor ?? null),
    );
  },
};

const appointments: SetupSyncStep = {
  name: 'appointments',
  dependsOn: ['calendars'],
  isRequired: false,
  async run(context) {
    const calendarIds = await listCalendarGhlIds(context.database.db, context.run.locationId);
    const { appointmentsWindowDays, appointmentsPastDays, appointmentsFutureDays, appointmentsConcurrency } = context.settings;
    // Windows are fixed by the run's start so a resumed run walks the same ones.
    const fromMs = context.run.startedAt.getTime() - appointmentsPastDays * DAY_MS;
    const toMs = context.run.startedAt.getTime() + appointmentsFutureDays * DAY_MS;
    const tasks: { calendarId: string; startMs: number; endMs: number }[] = [];
    for (const calendarId of calendarIds) {
      for (let startMs = fromMs; startMs < toMs; startMs += appointmentsWindowDays * DAY_MS) tasks.push({ calendarId, startMs, endMs: Math.min(toMs, startMs + appointmentsWindowDays * DAY_MS) });
    }
    let next = Number(context.cursor?.['nextTask'] ?? 0);
    if (next >= tasks.length) return;
    // An event spanning two windows comes back from both; it is applied and counted once per run of the step.
    const seen = new Set<string>();
    while (next < tasks.length) {
      const chunk = tasks.slice(next, next + appointmentsConcurrency);
      const pages = await mapWithConcurrency(chunk, appointmentsConcurrency, (task) =>
        context.fetch('GET /calendars/events', () => context.client.listCalendarEvents(context.run.ghlLocationId, { calendarId: task.calendarId, startTimeMs: task.startMs, endTimeMs: task.endMs })),
      );
      const events = [...new Map(pages.flatMap((page) => page.events).filter((event) => !seen.has(event.id)).map((event) => [event.id, event])).values()];
      for (const event of events) seen.add(event.id);
      next += chunk.length;
      const cursor = { nextTask: next, tasks: tasks.length };
      await context.commitInChunks(events, (tx, chunk) => context.crm.applyAppointments(tx, context.run, chunk), cursor);
    }
  },
};

const conversations: SetupSyncStep = {
  name: 'conversations',
  dependsOn: ['location'],
  isRequired: false,
  async run(context) {
    let startAfterDate = typeof context.cursor?.['startAfterDate'] === 'number' ? context.cursor['startAfterDate'] : undefined;
    const limit = context.settings.conversationsPageSize;
    for (;;) {
      const page = await context.fetch('GET /conversations/search', () => context.client.searchConversations(context.run.ghlLocationId, { limit, startAfterDate }));
      const last = page.conversations[page.conversations.length - 1] as (Record<string, unknown> & { lastMessageDate?: number }) | undefined;
      const sortValue = Array.isArray(last?.['sort']) ? (last['sort'] as unknown[])[0] : last?.lastMessageDate;
      const next = typeof sortValue === 'number' ? sortValue : undefined;
      await context.commit(async (tx) => {
        await context.crm.applyConversations(tx, context.run, page.conversations);
        return { records: page.conversations.length, cursor: next !== undefined ? { startAfterDate: next } : (context.cursor ?? null) };
      });
      if (page.conversations.length < limit || next === undefined) return;
      startAfterDate = next;
    }
  },
};

const messages: SetupSyncStep = {
  name: 'messages',
  dependsOn: ['conversations'],
  isRequired: false,
  async run(context) {
    if (context.settings.messagesStrategy === 'export') await syncMessagesByExport(context);
    else await syncMessagesPerConversation(context);
  },
};

const conversationOf = (message: Record<string, unknown>) => String(message['conversationId'] ?? '');

/**
 * Without a `channel` GHL's export leaves emails out (spec), so it runs twice: every other channel,
 * then `channel=Email`. The checkpoint names the pass and its cursor.
 */
const EXPORT_PASSES = [undefined, 'Email'] as const;

async function syncMessagesByExport(context: StepContext): Promise<void> {
  if (context.cursor?.['isComplete'] === true) return;
  let pass = Number(context.cursor?.['pass'] ?? 0);
  let cursor = str(context.cursor?.['exportCursor']) ?? undefined;
  const startDate = new Date(context.run.startedAt.getTime() - context.settings.messagesPastDays * DAY_MS).toISOString();
  while (pass < EXPORT_PASSES.length) {
    const channel = EXPORT_PASSES[pass];
    const page = await context.fetch('GET /conversations/messages/export', () =>
      // Oldest first: messages arriving during the export land on later pages.
      context.client.exportMessages(context.run.ghlLocationId, { limit: 500, sortBy: 'createdAt', sortOrder: 'asc', startDate, cursor, channel }),
    );
    const nextCursor = page.nextCursor ?? undefined;
    const isLastPage = !nextCursor;
    const nextPass = isLastPage ? pass + 1 : pass;
    const checkpoint = isLastPage && nextPass >= EXPORT_PASSES.length ? { pass: nextPass, exportCursor: null, isComplete: true } : { pass: nextPass, exportCursor: isLastPage ? null : nextCursor };
    // One conversation's messages stay in one transaction (they move the same conversation row).
    await context.commitInChunks(page.messages, (tx, chunk) => context.crm.applyMessages(tx, context.run, chunk), checkpoint, conversationOf);
    pass = nextPass;
    cursor = isLastPage ? undefined : nextCursor;
  }
}

async function syncMessagesPerConversation(context: StepContext): Promise<void> {
  const conversationIds = await listConversationGhlIds(context.database.db, context.run.locationId);
  let next = Number(context.cursor?.['nextConversation'] ?? 0);
  // Checkpoint every few chunks: each commit is one transaction, requests are the scarce resource.
  const chunkSize = context.settings.messagesConcurrency * 2;
  while (next < conversationIds.length) {
    const chunk = conversationIds.slice(next, next + chunkSize);
    const pages = await mapWithConcurrency(chunk, context.settings.messagesConcurrency, (conversationId) =>
      context.fetch('GET /conversations/{conversationId}/messages', () => context.client.listMessages(context.run.ghlLocationId, conversationId, { limit: context.settings.messagesPerConversation })),
    );
    const listed = pages.flatMap((page) => {
      const body = page.messages;
      const items = Array.isArray(body) ? body : (body.messages ?? []);
      return items as unknown as Record<string, unknown>[];
    });
    next += chunk.length;
    const cursor = { nextConversation: next, conversations: conversationIds.length };
    await context.commitInChunks(listed, (tx, chunk) => context.crm.applyMessages(tx, context.run, chunk), cursor, conversationOf);
  }
}

const defaults: SetupSyncStep = {
  name: 'defaults',
  dependsOn: ['location', 'pipelines', 'calendars', 'custom-fields'],
  isRequired: false,
  async run(context) {
    await context.commit(async (tx) => {
      const sources = await readDefaultsSources(tx, context.run.locationId);
      const asGhl = sources.fields.map((field) => ({ id: field.ghlId, name: field.name, ...(field.fieldKey ? { fieldKey: field.fieldKey } : {}), ...(field.model ? { model: field.model } : {}) }));
      const customFieldIds = Object.fromEntries(REQUIRED_OPPORTUNITY_FIELDS.map((required) => [required.key, findRequiredField(asGhl, required.key)?.id ?? null]));
      const missing = Object.entries(customFieldIds).filter(([, id]) => id === null).map(([key]) => key);
      if (missing.length > 0) throw new RunStepError(`required custom fields missing locally: ${missing.join(', ')}`);
      await upsertLocationDefaults(tx, {
        locationId: context.run.locationId,
        companyId: context.run.companyId,
        pipelineGhlId: sources.pipelineGhlId ?? null,
        stageGhlId: sources.stageGhlId ?? null,
        calendarGhlId: sources.calendarGhlId ?? null,
        timezone: sources.timezone,
        customFieldIds,
      });
      return { records: 1, cursor: null };
    });
  },
};

function mirrorScope(context: StepContext) {
  return { companyId: context.run.companyId, locationId: context.run.locationId, listedAt: context.run.startedAt };
}

export const SETUP_SYNC_STEP_DEFINITIONS: readonly SetupSyncStep[] = [
  location,
  pipelines,
  calendars,
  users,
  customFields,
  customValues,
  contacts,
  opportunities,
  appointments,
  conversations,
  messages,
  defaults,
];
