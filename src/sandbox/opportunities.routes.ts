import { asRecord, fail, failValidation, ok, readNumber, readString, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { emitEvent, requireLocationAccess, requireRecordLocation, toIso, type SandboxRuntime } from './sandbox-runtime.js';
import type { LocationData, Opportunity, OpportunityStatus } from './sandbox-store.js';
import { buildOpportunityPayload, type OpportunityEventType } from './webhook-payloads.js';

const STATUSES: readonly OpportunityStatus[] = ['open', 'won', 'lost', 'abandoned'];
const MAX_LIMIT = 100;

const opportunityJsonCache = new WeakMap<Opportunity, { contact: unknown; json: string }>();
const sortedCache = new WeakMap<LocationData, Map<string, { version: number; rows: Opportunity[] }>>();

/** Opportunities are changed in place, so every writer must call this. */
function markOpportunitiesChanged(data: LocationData, opportunity: Opportunity): void {
  data.opportunitiesVersion++;
  opportunityJsonCache.delete(opportunity);
}

function serializeOpportunity(data: LocationData, opportunity: Opportunity): string {
  const contact = data.contacts.get(opportunity.contactId);
  const cached = opportunityJsonCache.get(opportunity);
  if (cached && cached.contact === contact) return cached.json;
  const json = JSON.stringify(toOpportunityJson(data, opportunity));
  opportunityJsonCache.set(opportunity, { contact, json });
  return json;
}

function listSortedOpportunities(data: LocationData, isAscending: boolean): Opportunity[] {
  let byOrder = sortedCache.get(data);
  if (!byOrder) {
    byOrder = new Map();
    sortedCache.set(data, byOrder);
  }
  const key = isAscending ? 'asc' : 'desc';
  const cached = byOrder.get(key);
  if (cached && cached.version === data.opportunitiesVersion) return cached.rows;
  const rows = [...data.opportunities.values()].sort((a, b) => {
    const order = a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return isAscending ? order : -order;
  });
  byOrder.set(key, { version: data.opportunitiesVersion, rows });
  return rows;
}

function toOpportunityJson(data: LocationData, opportunity: Opportunity): Record<string, unknown> {
  const { createdAtMs: _createdAtMs, ...json } = opportunity;
  const contact = data.contacts.get(opportunity.contactId);
  return {
    ...json,
    lastActionDate: opportunity.updatedAt,
    contact: contact ? { id: contact.id, name: contact.name, companyName: contact.companyName, email: contact.email, phone: contact.phone, tags: contact.tags } : { id: opportunity.contactId },
    notes: [],
    tasks: [],
    calendarEvents: [],
    followers: [],
  };
}

function readStatus(value: unknown, isRequired: boolean): OpportunityStatus | undefined {
  if (value === undefined && !isRequired) return undefined;
  if (typeof value !== 'string' || !STATUSES.includes(value as OpportunityStatus)) failValidation(['status must be one of the following values: open, won, lost, abandoned']);
  return value as OpportunityStatus;
}

function readOpportunityCustomFields(raw: unknown): { id: string; fieldValue: unknown }[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map(asRecord).flatMap((entry) => {
    const id = readString(entry, 'id') ?? readString(entry, 'key');
    return id ? [{ id, fieldValue: entry['field_value'] ?? entry['fieldValue'] ?? '' }] : [];
  });
}

function createOpportunity(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  for (const field of ['pipelineId', 'locationId', 'name', 'contactId'] as const) if (!readString(body, field)) problems.push(`${field} should not be empty`);
  if (body['status'] === undefined) problems.push('status must be one of the following values: open, won, lost, abandoned');
  if (problems.length > 0) failValidation(problems);
  const { location, data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const status = readStatus(body['status'], true) ?? 'open';
  const pipeline = data.pipelines.get(readString(body, 'pipelineId') ?? '');
  if (!pipeline) fail(400, 'Pipeline not found');
  const contactId = readString(body, 'contactId') ?? '';
  if (!data.contacts.has(contactId)) fail(400, 'Contact not found');
  const stageId = readString(body, 'pipelineStageId') ?? pipeline.stages[0]?.id ?? '';
  if (!pipeline.stages.some((stage) => stage.id === stageId)) fail(400, 'Pipeline stage not found');
  if (!location.settings.allowDuplicateOpportunity) {
    for (const existing of data.opportunities.values()) {
      if (existing.contactId === contactId && existing.pipelineId === pipeline.id && existing.status === 'open') fail(400, 'Can not create duplicate opportunity for the contact.');
    }
  }
  const nowIso = toIso(context.nowMs);
  const opportunity: Opportunity = {
    id: runtime.random.createGhlId(),
    name: readString(body, 'name') ?? '',
    monetaryValue: readNumber(body, 'monetaryValue') ?? 0,
    pipelineId: pipeline.id,
    pipelineStageId: stageId,
    assignedTo: readString(body, 'assignedTo') ?? '',
    status,
    source: readString(body, 'source') ?? 'api',
    lastStatusChangeAt: nowIso,
    lastStageChangeAt: nowIso,
    createdAt: nowIso,
    updatedAt: nowIso,
    contactId,
    locationId: location.id,
    lostReasonId: '',
    customFields: readOpportunityCustomFields(body['customFields']) ?? [],
    createdAtMs: context.nowMs,
  };
  data.opportunities.set(opportunity.id, opportunity);
  markOpportunitiesChanged(data, opportunity);
  runtime.store.indexRecord(opportunity.id, location.id);
  // GHL fans a create out into OpportunityCreate + OpportunityUpdate (highlevel-api-docs issue #27).
  emitEvent(runtime, location.id, buildOpportunityPayload('OpportunityCreate', opportunity));
  emitEvent(runtime, location.id, buildOpportunityPayload('OpportunityUpdate', opportunity));
  return ok({ opportunity: toOpportunityJson(data, opportunity) }, 201);
}

function findOpportunity(runtime: SandboxRuntime, context: RequestContext): { data: LocationData; opportunity: Opportunity } {
  const id = context.params['id'] ?? '';
  const { data } = requireRecordLocation(runtime, context, id, 'Opportunity');
  const opportunity = data.opportunities.get(id);
  if (!opportunity) fail(404, 'Opportunity not found');
  return { data, opportunity };
}

/** Applies changes and sends OpportunityUpdate plus one specific event per changed aspect. */
export function changeOpportunity(runtime: SandboxRuntime, data: LocationData, opportunity: Opportunity, changes: Partial<Opportunity>, nowMs: number): Opportunity {
  const nowIso = toIso(nowMs);
  const events: OpportunityEventType[] = [];
  if (changes.pipelineId !== undefined && changes.pipelineId !== opportunity.pipelineId && !data.pipelines.has(changes.pipelineId)) fail(400, 'Pipeline not found');
  const pipeline = data.pipelines.get(changes.pipelineId ?? opportunity.pipelineId);
  if (changes.pipelineStageId !== undefined && !pipeline?.stages.some((stage) => stage.id === changes.pipelineStageId)) fail(400, 'Pipeline stage not found');
  if (changes.status !== undefined && changes.status !== opportunity.status) {
    events.push('OpportunityStatusUpdate');
    opportunity.lastStatusChangeAt = nowIso;
  }
  if ((changes.pipelineStageId !== undefined && changes.pipelineStageId !== opportunity.pipelineStageId) || (changes.pipelineId !== undefined && changes.pipelineId !== opportunity.pipelineId)) {
    events.push('OpportunityStageUpdate');
    opportunity.lastStageChangeAt = nowIso;
  }
  if (changes.assignedTo !== undefined && changes.assignedTo !== opportunity.assignedTo) events.push('OpportunityAssignedToUpdate');
  if (changes.monetaryValue !== undefined && changes.monetaryValue !== opportunity.monetaryValue) events.push('OpportunityMonetaryValueUpdate');
  Object.assign(opportunity, changes);
  markOpportunitiesChanged(data, opportunity);
  if (changes.pipelineId !== undefined && changes.pipelineStageId === undefined && pipeline && !pipeline.stages.some((stage) => stage.id === opportunity.pipelineStageId)) {
    opportunity.pipelineStageId = pipeline.stages[0]?.id ?? '';
  }
  opportunity.updatedAt = nowIso;
  emitEvent(runtime, opportunity.locationId, buildOpportunityPayload('OpportunityUpdate', opportunity));
  for (const type of events) emitEvent(runtime, opportunity.locationId, buildOpportunityPayload(type, opportunity));
  return opportunity;
}

function updateOpportunity(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, opportunity } = findOpportunity(runtime, context);
  const body = asRecord(context.body);
  const changes: Partial<Opportunity> = {};
  for (const field of ['pipelineId', 'name', 'pipelineStageId', 'assignedTo'] as const) {
    const value = readString(body, field);
    if (value !== undefined) changes[field] = value;
  }
  const status = readStatus(body['status'], false);
  if (status) changes.status = status;
  const monetaryValue = readNumber(body, 'monetaryValue');
  if (monetaryValue !== undefined) changes.monetaryValue = monetaryValue;
  const customFields = readOpportunityCustomFields(body['customFields']);
  if (customFields) changes.customFields = customFields;
  changeOpportunity(runtime, data, opportunity, changes, context.nowMs);
  return ok({ opportunity: toOpportunityJson(data, opportunity) });
}

function updateOpportunityStatus(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, opportunity } = findOpportunity(runtime, context);
  const body = asRecord(context.body);
  const status = readStatus(body['status'], true) ?? 'open';
  const changes: Partial<Opportunity> = { status };
  const lostReasonId = readString(body, 'lostReasonId');
  if (lostReasonId !== undefined) changes.lostReasonId = lostReasonId;
  changeOpportunity(runtime, data, opportunity, changes, context.nowMs);
  return ok({ succeded: true });
}

function deleteOpportunity(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, opportunity } = findOpportunity(runtime, context);
  data.opportunities.delete(opportunity.id);
  markOpportunitiesChanged(data, opportunity);
  runtime.store.locationIdByRecordId.delete(opportunity.id);
  emitEvent(runtime, opportunity.locationId, buildOpportunityPayload('OpportunityDelete', opportunity));
  emitEvent(runtime, opportunity.locationId, buildOpportunityPayload('OpportunityUpdate', opportunity));
  return ok({ succeded: true });
}

function searchOpportunities(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const query = context.query;
  const locationId = query.get('location_id') ?? undefined;
  if (!locationId) failValidation(['location_id should not be empty']);
  const { data } = requireLocationAccess(runtime, context, locationId);
  const limit = Number(query.get('limit') ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) failValidation([`limit must not be greater than ${MAX_LIMIT}`]);
  const status = query.get('status');
  if (status && status !== 'all' && !STATUSES.includes(status as OpportunityStatus)) failValidation(['status must be one of the following values: open, won, lost, abandoned, all']);
  const pipelineId = query.get('pipeline_id');
  const stageId = query.get('pipeline_stage_id');
  const contactId = query.get('contact_id');
  const assignedTo = query.get('assigned_to');
  const id = query.get('id');
  const needle = query.get('q')?.toLowerCase();
  const order = query.get('order') ?? 'added_desc';
  const isAscending = order.endsWith('_asc');
  const hasFilter = Boolean(status && status !== 'all') || Boolean(pipelineId || stageId || contactId || assignedTo || id || needle);
  let rows = listSortedOpportunities(data, isAscending);
  if (hasFilter) rows = rows.filter(
    (opportunity) =>
      (!status || status === 'all' || opportunity.status === status) &&
      (!pipelineId || opportunity.pipelineId === pipelineId) &&
      (!stageId || opportunity.pipelineStageId === stageId) &&
      (!contactId || opportunity.contactId === contactId) &&
      (!assignedTo || opportunity.assignedTo === assignedTo) &&
      (!id || opportunity.id === id) &&
      (!needle || opportunity.name.toLowerCase().includes(needle) || (data.contacts.get(opportunity.contactId)?.email.includes(needle) ?? false)),
  );
  const total = rows.length;
  const startAfter = query.get('startAfter');
  const startAfterId = query.get('startAfterId');
  const page = Number(query.get('page') ?? '1') || 1;
  if (startAfter && startAfterId) {
    const cursorMs = Number(startAfter);
    const firstAfter = rows.findIndex((opportunity) => {
      const order = opportunity.createdAtMs - cursorMs || (opportunity.id < startAfterId ? -1 : opportunity.id > startAfterId ? 1 : 0);
      return isAscending ? order > 0 : order < 0;
    });
    rows = firstAfter < 0 ? [] : rows.slice(firstAfter);
  } else {
    rows = rows.slice((page - 1) * limit);
  }
  const pageRows = rows.slice(0, limit);
  const last = pageRows[pageRows.length - 1];
  const meta: Record<string, unknown> = { total, currentPage: page };
  if (last && rows.length > limit) {
    const next = new URL(`${runtime.baseUrl}/opportunities/search`);
    for (const [key, value] of query) if (key !== 'startAfter' && key !== 'startAfterId' && key !== 'page') next.searchParams.set(key, value);
    next.searchParams.set('startAfter', String(last.createdAtMs));
    next.searchParams.set('startAfterId', last.id);
    meta['nextPageUrl'] = next.toString();
    meta['startAfterId'] = last.id;
    meta['startAfter'] = last.createdAtMs;
    meta['nextPage'] = page + 1;
  }
  if (page > 1) meta['prevPage'] = page - 1;
  const items = pageRows.map((opportunity) => serializeOpportunity(data, opportunity)).join(',');
  return { status: 200, body: undefined, rawJson: `{"opportunities":[${items}],"meta":${JSON.stringify(meta)},"aggregations":{}}` };
}

/**
 * `POST /opportunities/search` (2026): newest first, `page` paging or a `searchAfter` cursor. The filter
 * grammar lives in an external document (ghl-api.md §7.4); `query` matches the name or the contact's
 * email. Each row carries its `searchAfter` value like contact search rows (UNCONFIRMED for this route).
 */
function searchOpportunitiesAdvanced(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const limit = readNumber(body, 'limit') ?? 20;
  const problems: string[] = [];
  if (!readString(body, 'locationId')) problems.push('locationId should not be empty');
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) problems.push(`limit must not be greater than ${MAX_LIMIT}`);
  const searchAfter = body['searchAfter'];
  if (searchAfter !== undefined && !Array.isArray(searchAfter)) problems.push('searchAfter must be an array');
  if (problems.length > 0) failValidation(problems);
  const { data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const needle = readString(body, 'query')?.toLowerCase();
  let rows = listSortedOpportunities(data, false);
  if (needle) rows = rows.filter((opportunity) => opportunity.name.toLowerCase().includes(needle) || (data.contacts.get(opportunity.contactId)?.email.includes(needle) ?? false));
  const total = rows.length;
  let start: number;
  if (Array.isArray(searchAfter) && searchAfter.length >= 2) {
    const cursorMs = Number(searchAfter[0]);
    const cursorId = String(searchAfter[1]);
    start = rows.findIndex((opportunity) => opportunity.createdAtMs < cursorMs || (opportunity.createdAtMs === cursorMs && opportunity.id < cursorId));
    if (start < 0) start = rows.length;
  } else {
    const page = readNumber(body, 'page') ?? 1;
    if (!Number.isInteger(page) || page < 1) failValidation(['page must not be less than 1']);
    start = (page - 1) * limit;
  }
  const items = rows.slice(start, start + limit).map((opportunity) => `${serializeOpportunity(data, opportunity).slice(0, -1)},"searchAfter":${JSON.stringify([String(opportunity.createdAtMs), opportunity.id])}}`);
  return { status: 200, body: undefined, rawJson: `{"opportunities":[${items.join(',')}],"total":${total},"aggregations":{}}` };
}

function listLostReasons(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data } = requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined);
  const needle = (context.query.get('query') ?? context.query.get('name'))?.toLowerCase();
  const rows = [...data.lostReasons.values()].filter((reason) => !needle || reason.name.toLowerCase().includes(needle));
  const skip = Number(context.query.get('skip') ?? '0') || 0;
  const limit = Number(context.query.get('limit') ?? '100') || 100;
  return ok({ lostReasons: rows.slice(skip, skip + limit), total: rows.length });
}

/** Upsert matches by `id` only; without one it creates (the 2026 spec dropped `contactId` from upsert). */
function upsertOpportunity(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  if (!readString(body, 'pipelineId')) problems.push('pipelineId should not be empty');
  if (!readString(body, 'locationId')) problems.push('locationId should not be empty');
  if (problems.length > 0) failValidation(problems);
  const { data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const existing = data.opportunities.get(readString(body, 'id') ?? '');
  if (existing) {
    const changes: Partial<Opportunity> = { pipelineId: readString(body, 'pipelineId') ?? existing.pipelineId };
    for (const field of ['name', 'pipelineStageId', 'assignedTo', 'lostReasonId'] as const) {
      const value = readString(body, field);
      if (value !== undefined) changes[field] = value;
    }
    const status = readStatus(body['status'], false);
    if (status) changes.status = status;
    const monetaryValue = readNumber(body, 'monetaryValue');
    if (monetaryValue !== undefined) changes.monetaryValue = monetaryValue;
    changeOpportunity(runtime, data, existing, changes, context.nowMs);
    return ok({ opportunity: toOpportunityJson(data, existing), new: false });
  }
  const created = createOpportunity(runtime, { ...context, body: { status: 'open', ...body } });
  const opportunity = asRecord(asRecord(created.body)['opportunity']);
  return ok({ opportunity, new: true });
}

export function createOpportunityRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const read = { family: 'opportunities', tokenRequirement: 'location', scope: 'opportunities.readonly' } as const;
  const write = { family: 'opportunities', tokenRequirement: 'location', scope: 'opportunities.write' } as const;
  return [
    {
      method: 'GET', path: '/opportunities/pipelines', ...read,
      handle: (context) => ok({ pipelines: [...requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined).data.pipelines.values()] }),
    },
    { method: 'GET', path: '/opportunities/search', ...read, handle: (context) => searchOpportunities(runtime, context) },
    { method: 'POST', path: '/opportunities/search', ...read, handle: (context) => searchOpportunitiesAdvanced(runtime, context) },
    { method: 'GET', path: '/opportunities/lost-reason', ...read, handle: (context) => listLostReasons(runtime, context) },
    { method: 'POST', path: '/opportunities/upsert', ...write, handle: (context) => upsertOpportunity(runtime, context) },
    {
      method: 'GET', path: '/opportunities/:id', ...read,
      handle: (context) => {
        const { data, opportunity } = findOpportunity(runtime, context);
        return ok({ opportunity: toOpportunityJson(data, opportunity) });
      },
    },
    { method: 'POST', path: '/opportunities/', ...write, handle: (context) => createOpportunity(runtime, context) },
    { method: 'PUT', path: '/opportunities/:id', ...write, handle: (context) => updateOpportunity(runtime, context) },
    { method: 'PUT', path: '/opportunities/:id/status', ...write, handle: (context) => updateOpportunityStatus(runtime, context) },
    { method: 'DELETE', path: '/opportunities/:id', ...write, handle: (context) => deleteOpportunity(runtime, context) },
  ];
}
