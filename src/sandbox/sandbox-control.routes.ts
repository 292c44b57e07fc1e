import { insertContact, normalizePhone, updateContact } from './contacts.routes.js';
import { addConversationMessage } from './conversations.routes.js';
import { createFakeContactInput } from './data-generator.js';
import { asRecord, fail, failValidation, ok, readNumber, readString, readStringArray, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { changeOpportunity } from './opportunities.routes.js';
import { installApp, sendUninstallEvent } from './oauth.routes.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import type { LocationData } from './sandbox-store.js';
import type { FaultConfig, SandboxStats } from './sandbox.types.js';

const MAX_BULK_IMPORT = 100_000;

export interface RouteUsage {
  method: string;
  path: string;
  family: string | null;
  hits: number;
}

export interface ControlDependencies {
  runtime: SandboxRuntime;
  publicKeys: { ed25519Pem: string; rsaPem: string };
  setFaults: (faults: FaultConfig, locationId?: string) => void;
  readStats: () => SandboxStats;
  listRoutes: () => RouteUsage[];
}

function requireLocationData(runtime: SandboxRuntime, locationId: string | undefined): { locationId: string; data: LocationData } {
  const id = locationId ?? [...runtime.store.locations.keys()][0];
  const data = id ? runtime.store.getLocationData(id) : undefined;
  if (!id || !data) fail(404, `Location ${locationId ?? ''} not found`);
  return { locationId: id, data };
}

function readFaultConfig(body: Record<string, unknown>): FaultConfig {
  const source = typeof body['faults'] === 'object' && body['faults'] !== null ? asRecord(body['faults']) : body;
  const faults: FaultConfig = {};
  const numberKeys = ['latencyMs', 'latencyJitterMs', 'serverErrorRate', 'rateLimitStormRate', 'webhookDuplicateRate', 'webhookReorderRate', 'webhookReorderDelayMs', 'webhookDropRate'] as const;
  for (const key of numberKeys) {
    const value = readNumber(source, key);
    if (value !== undefined) faults[key] = value;
  }
  const status = readNumber(source, 'serverErrorStatus');
  if (status === 500 || status === 502 || status === 503 || status === 504) faults.serverErrorStatus = status;
  if (source['revokeTokens'] === true) faults.revokeTokens = true;
  return faults;
}

/** "A customer texts in": finds or creates the contact by phone, then delivers an inbound message. */
function simulateInboundMessage(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const { locationId, data } = requireLocationData(runtime, readString(body, 'locationId'));
  const channel = readString(body, 'channel') ?? 'SMS';
  const contactId = readString(body, 'contactId');
  let contact = contactId ? data.contacts.get(contactId) : undefined;
  if (contactId && !contact) fail(404, 'Contact not found');
  if (!contact) {
    const phone = readString(body, 'phone');
    const existingId = phone ? data.contactIdByPhone.get(normalizePhone(phone)) : undefined;
    contact = existingId ? data.contacts.get(existingId) : undefined;
    if (!contact) {
      // An unknown sender becomes a contact with nothing but the number, as in GHL.
      const fake = createFakeContactInput(runtime.random, locationId, data.contacts.size + 1);
      const email = readString(body, 'email');
      const input: Record<string, unknown> = { locationId, source: channel === 'Email' ? 'inbound email' : channel === 'Call' ? 'inbound call' : 'inbound sms' };
      if (channel === 'Email') input['email'] = email ?? fake['email'];
      else input['phone'] = phone ?? fake['phone'];
      contact = insertContact(runtime, data, locationId, input, runtime.now());
    }
  }
  const isCall = channel === 'Call';
  const isEmail = channel === 'Email';
  const message = addConversationMessage(
    runtime,
    data,
    contact,
    {
      direction: 'inbound',
      messageType: isCall ? 'TYPE_CALL' : isEmail ? 'TYPE_EMAIL' : 'TYPE_SMS',
      typeNumber: isCall ? 1 : isEmail ? 3 : 2,
      body: readString(body, 'body') ?? (isCall ? '' : 'Hi, is this still available?'),
      status: isCall ? (readString(body, 'callStatus') ?? 'completed') : 'delivered',
      callDurationSeconds: readNumber(body, 'callDurationSeconds') ?? 60,
      source: 'api',
      userId: '',
      contentType: isEmail ? 'text/html' : 'text/plain',
    },
    runtime.now(),
  );
  return ok({ contactId: contact.id, conversationId: message.conversationId, messageId: message.id });
}

/** "A user moves an opportunity": to the given stage, or one stage further along its pipeline. */
function simulateMoveOpportunity(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const { data } = requireLocationData(runtime, readString(body, 'locationId') ?? runtime.store.findRecordLocationId(readString(body, 'opportunityId') ?? ''));
  const opportunityId = readString(body, 'opportunityId');
  const opportunity = opportunityId ? data.opportunities.get(opportunityId) : [...data.opportunities.values()].find((candidate) => candidate.status === 'open');
  if (!opportunity) fail(404, 'Opportunity not found');
  const pipeline = data.pipelines.get(opportunity.pipelineId);
  if (!pipeline) fail(404, 'Pipeline not found');
  const index = pipeline.stages.findIndex((stage) => stage.id === opportunity.pipelineStageId);
  const nextStageId = readString(body, 'pipelineStageId') ?? pipeline.stages[(index + 1) % pipeline.stages.length]?.id ?? opportunity.pipelineStageId;
  const status = readString(body, 'status');
  const changes: Parameters<typeof changeOpportunity>[3] = { pipelineStageId: nextStageId };
  if (status === 'open' || status === 'won' || status === 'lost' || status === 'abandoned') changes.status = status;
  changeOpportunity(runtime, data, opportunity, changes, runtime.now());
  return ok({ opportunityId: opportunity.id, pipelineStageId: opportunity.pipelineStageId, status: opportunity.status });
}

/** "Bulk import N contacts": each one sends ContactCreate, like a CSV import in GHL. */
function simulateBulkImport(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const { locationId, data } = requireLocationData(runtime, readString(body, 'locationId'));
  const count = readNumber(body, 'count') ?? 100;
  if (!Number.isInteger(count) || count < 1 || count > MAX_BULK_IMPORT) failValidation([`count must be an integer between 1 and ${MAX_BULK_IMPORT}`]);
  const nowMs = runtime.now();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const contact = insertContact(runtime, data, locationId, createFakeContactInput(runtime.random, locationId, data.contacts.size + 1), nowMs + i);
    ids.push(contact.id);
  }
  return ok({ locationId, imported: ids.length, firstContactId: ids[0], lastContactId: ids[ids.length - 1] });
}

/** "A user edits a contact" in the GHL UI. */
function simulateContactEdit(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const contactId = readString(body, 'contactId') ?? '';
  const { data } = requireLocationData(runtime, runtime.store.findRecordLocationId(contactId));
  const contact = data.contacts.get(contactId);
  if (!contact) fail(404, 'Contact not found');
  const changes = asRecord(body['changes']);
  const updated = updateContact(runtime, data, contact, Object.keys(changes).length > 0 ? changes : { companyName: `Edited ${runtime.now()}` }, runtime.now());
  return ok({ contactId: updated.id, dateUpdated: updated.dateUpdated });
}

function uninstall(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const locationId = readString(body, 'locationId');
  if (locationId !== undefined) {
    if (!runtime.store.locations.has(locationId)) fail(404, 'Location not found');
    runtime.installations.uninstall(locationId);
    runtime.vault.revoke(locationId, false);
    sendUninstallEvent(runtime, locationId);
    return ok({ uninstalled: [locationId] });
  }
  const locationIds = [...runtime.installations.installedAtMsByLocation.keys()];
  for (const id of locationIds) runtime.installations.uninstall(id);
  runtime.installations.isCompanyInstalled = false;
  runtime.installations.installToFutureLocations = false;
  runtime.vault.revoke(undefined, true);
  sendUninstallEvent(runtime, undefined);
  return ok({ uninstalled: locationIds });
}

export function createControlRoutes(dependencies: ControlDependencies): RouteDefinition[] {
  const { runtime } = dependencies;
  return [
    { method: 'GET', path: '/sandbox/public-keys', handle: () => ok(dependencies.publicKeys) },
    { method: 'GET', path: '/sandbox/faults', handle: () => ok(runtime.faults.describe()) },
    {
      method: 'POST', path: '/sandbox/faults',
      handle: (context) => {
        const body = asRecord(context.body);
        dependencies.setFaults(readFaultConfig(body), readString(body, 'locationId'));
        return ok(runtime.faults.describe());
      },
    },
    {
      method: 'DELETE', path: '/sandbox/faults',
      handle: () => {
        runtime.faults.clear();
        return ok(runtime.faults.describe());
      },
    },
    {
      method: 'POST', path: '/sandbox/webhook-url',
      handle: (context) => {
        const url = readString(asRecord(context.body), 'url');
        if (url !== undefined && url !== '') {
          try {
            new URL(url);
          } catch {
            failValidation(['url must be a URL address']);
          }
        }
        runtime.dispatcher.setUrl(url);
        return ok({ webhookUrl: runtime.dispatcher.getUrl() ?? null });
      },
    },
    {
      method: 'GET', path: '/sandbox/state/summary',
      handle: () =>
        ok({
          ...runtime.store.summarize(),
          clientId: runtime.clientId,
          appId: runtime.appId,
          webhookUrl: runtime.dispatcher.getUrl() ?? null,
          installedLocationIds: [...runtime.installations.installedAtMsByLocation.keys()],
          isCompanyInstalled: runtime.installations.isCompanyInstalled,
          stats: dependencies.readStats(),
          faults: runtime.faults.describe(),
        }),
    },
    { method: 'GET', path: '/sandbox/routes', handle: () => ok({ routes: dependencies.listRoutes() }) },
    { method: 'GET', path: '/sandbox/stats', handle: () => ok({ ...dependencies.readStats(), webhooksDropped: runtime.dispatcher.dropped, webhooksRetried: runtime.dispatcher.retried }) },
    {
      method: 'POST', path: '/sandbox/install',
      handle: (context) => {
        const body = asRecord(context.body);
        const userType = readString(body, 'userType') === 'Company' ? 'Company' : 'Location';
        const requested = readStringArray(body, 'locationIds') ?? [];
        const locationIds = requested.length > 0 ? requested : [...runtime.store.locations.keys()];
        for (const id of locationIds) if (!runtime.store.locations.has(id)) fail(404, `Location ${id} not found`);
        installApp(runtime, userType, locationIds, runtime.now());
        return ok({ installed: locationIds, userType });
      },
    },
    { method: 'POST', path: '/sandbox/uninstall', handle: (context) => uninstall(runtime, context) },
    { method: 'POST', path: '/sandbox/simulate/inbound-message', handle: (context) => simulateInboundMessage(runtime, context) },
    { method: 'POST', path: '/sandbox/simulate/move-opportunity', handle: (context) => simulateMoveOpportunity(runtime, context) },
    { method: 'POST', path: '/sandbox/simulate/bulk-import', handle: (context) => simulateBulkImport(runtime, context) },
    { method: 'POST', path: '/sandbox/simulate/edit-contact', handle: (context) => simulateContactEdit(runtime, context) },
    {
      method: 'GET', path: '/sandbox/webhooks/log',
      handle: (context) => ok({ deliveries: runtime.dispatcher.recentDeliveries(Number(context.query.get('limit') ?? '100') || 100) }),
    },
    {
      method: 'POST', path: '/sandbox/webhooks/wait-idle',
      handle: async () => {
        await runtime.dispatcher.waitForIdle();
        return ok(dependencies.readStats());
      },
    },
  ];
}
