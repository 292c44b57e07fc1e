import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { authorizeApp, startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import { ensureGhlLocation } from '../src/modules/tenants/index.js';
import { enqueueSetupSync } from '../src/modules/crm/index.js';
import { createTestApp, bearer, startLiveApp, type TestApp } from './support/test-app.js';
import { createAgency, createLocationUser, TEST_PASSWORD } from './support/factories.js';
import { buildGhlEvent, loadGhlExample, processGhlEvent } from './support/ghl-webhook-examples.js';
import { waitFor } from './support/spawn-service.js';

/*
 * "Another tenant's resource is 404": for every route that takes an id, a resource the caller may not
 * see must answer exactly as an id that does not exist (same status, same code). Agency A has two
 * installed, synced locations (L and L2); the callers are agency B's admin and API key, a location
 * admin of L2, a location member of L, and A's own admin reaching L's records through L2.
 */

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Ids {
  location: string;
  apiKey: string;
  locationInvite: string;
  agencyInvite: string;
  webhookEvent: string;
  ghlLocation: string;
  contact: string;
  otherContact: string;
  project: string;
  appointment: string;
  calendar: string;
  conversation: string;
  invoice: string;
  note: string;
  task: string;
  messageSend: string;
  delivery: string;
  webhookEndpoint: string;
  /** A second session of A's admin (a second login), not the one the probes are sent with. */
  session: string;
}
interface Probe {
  method: Method;
  url: string;
  payload?: Record<string, unknown>;
}
/** `at`: the location in the path for CRM routes; `ids`: A's real ids, or the same ids altered to exist nowhere. */
type Route = { template: string; kind: 'location' | 'company' | 'record'; probe: (ids: Ids, at: string) => Probe };

/** A real pipeline of each location, so a project create probes only the contact it refers to. */
const pipelineOf = new Map<string, string>();
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const crm = (at: string, rest: string) => `/api/locations/${at}${rest}`;

const ROUTES: Route[] = [
  { template: 'GET /api/locations/{locationId}', kind: 'location', probe: (ids) => ({ method: 'GET', url: `/api/locations/${ids.location}` }) },
  { template: 'PATCH /api/locations/{locationId}', kind: 'location', probe: (ids) => ({ method: 'PATCH', url: `/api/locations/${ids.location}`, payload: { name: 'Taken over' } }) },
  { template: 'GET /api/sync/progress/{locationId}', kind: 'location', probe: (ids) => ({ method: 'GET', url: `/api/sync/progress/${ids.location}` }) },
  { template: 'POST /api/sync/progress/{locationId}/resync', kind: 'location', probe: (ids) => ({ method: 'POST', url: `/api/sync/progress/${ids.location}/resync` }) },
  { template: 'GET /api/sync/reconciliation/{locationId}', kind: 'location', probe: (ids) => ({ method: 'GET', url: `/api/sync/reconciliation/${ids.location}` }) },
  { template: 'POST /api/sync/reconciliation/{locationId}', kind: 'location', probe: (ids) => ({ method: 'POST', url: `/api/sync/reconciliation/${ids.location}` }) },
  { template: 'GET /api/sync/health/{locationId}', kind: 'location', probe: (ids) => ({ method: 'GET', url: `/api/sync/health/${ids.location}` }) },
  { template: 'GET /api/locations/{locationId}/contacts', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/contacts') }) },
  { template: 'POST /api/locations/{locationId}/contacts', kind: 'location', probe: (ids) => ({ method: 'POST', url: crm(ids.location, '/contacts'), payload: { firstName: 'Intruder', email: 'intruder@example.test' } }) },
  { template: 'GET /api/locations/{locationId}/pipelines', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/pipelines') }) },
  { template: 'GET /api/locations/{locationId}/projects', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/projects') }) },
  { template: 'GET /api/locations/{locationId}/appointments', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/appointments') }) },
  { template: 'GET /api/locations/{locationId}/calendars', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/calendars') }) },
  { template: 'GET /api/locations/{locationId}/custom-fields', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/custom-fields') }) },
  { template: 'GET /api/locations/{locationId}/conversations', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/conversations') }) },
  { template: 'GET /api/locations/{locationId}/invoices', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/invoices') }) },
  { template: 'GET /api/locations/{locationId}/message-sends', kind: 'location', probe: (ids) => ({ method: 'GET', url: crm(ids.location, '/message-sends') }) },

  { template: 'DELETE /api/api-keys/{apiKeyId}', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/api-keys/${ids.apiKey}` }) },
  { template: 'DELETE /api/invites/{inviteId}', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/invites/${ids.locationInvite}` }) },
  { template: 'DELETE /api/invites/{inviteId} (agency invite)', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/invites/${ids.agencyInvite}` }) },
  { template: 'GET /api/webhooks/events/{id}', kind: 'company', probe: (ids) => ({ method: 'GET', url: `/api/webhooks/events/${ids.webhookEvent}` }) },
  { template: 'POST /api/webhooks/events/{id}/replay', kind: 'company', probe: (ids) => ({ method: 'POST', url: `/api/webhooks/events/${ids.webhookEvent}/replay` }) },
  { template: 'DELETE /api/webhooks/events/{id}', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/webhooks/events/${ids.webhookEvent}` }) },
  { template: 'POST /api/webhooks/locations/{ghlLocationId}/replay-dead', kind: 'company', probe: (ids) => ({ method: 'POST', url: `/api/webhooks/locations/${ids.ghlLocation}/replay-dead`, payload: { dryRun: true } }) },

  { template: 'GET /api/locations/{locationId}/contacts/{contactId}', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/contacts/${ids.contact}`) }) },
  { template: 'PATCH /api/locations/{locationId}/contacts/{contactId}', kind: 'record', probe: (ids, at) => ({ method: 'PATCH', url: crm(at, `/contacts/${ids.contact}`), payload: { firstName: 'Taken' } }) },
  { template: 'DELETE /api/locations/{locationId}/contacts/{contactId}', kind: 'record', probe: (ids, at) => ({ method: 'DELETE', url: crm(at, `/contacts/${ids.otherContact}`) }) },
  { template: 'GET /api/locations/{locationId}/projects/{projectId}', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/projects/${ids.project}`) }) },
  { template: 'PATCH /api/locations/{locationId}/projects/{projectId}', kind: 'record', probe: (ids, at) => ({ method: 'PATCH', url: crm(at, `/projects/${ids.project}`), payload: { name: 'Taken' } }) },
  { template: 'DELETE /api/locations/{locationId}/projects/{projectId}', kind: 'record', probe: (ids, at) => ({ method: 'DELETE', url: crm(at, `/projects/${ids.project}`) }) },
  { template: 'POST /api/locations/{locationId}/projects', kind: 'record', probe: (ids, at) => ({ method: 'POST', url: crm(at, '/projects'), payload: { name: 'Deal', contactId: ids.contact, pipelineId: pipelineOf.get(at) ?? 'none' } }) },
  { template: 'GET /api/locations/{locationId}/appointments/{appointmentId}', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/appointments/${ids.appointment}`) }) },
  { template: 'PATCH /api/locations/{locationId}/appointments/{appointmentId}', kind: 'record', probe: (ids, at) => ({ method: 'PATCH', url: crm(at, `/appointments/${ids.appointment}`), payload: { title: 'Taken' } }) },
  { template: 'DELETE /api/locations/{locationId}/appointments/{appointmentId}', kind: 'record', probe: (ids, at) => ({ method: 'DELETE', url: crm(at, `/appointments/${ids.appointment}`) }) },
  { template: 'POST /api/locations/{locationId}/appointments', kind: 'record', probe: (ids, at) => ({ method: 'POST', url: crm(at, '/appointments'), payload: { calendarId: ids.calendar, contactId: ids.contact, startTime: future(3) } }) },
  { template: 'GET /api/locations/{locationId}/calendars/{calendarId}/free-slots', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/calendars/${ids.calendar}/free-slots?from=${encodeURIComponent(future(1))}&to=${encodeURIComponent(future(2))}`) }) },
  { template: 'GET /api/locations/{locationId}/conversations/{conversationId}/messages', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/conversations/${ids.conversation}/messages`) }) },
  { template: 'GET /api/locations/{locationId}/invoices/{invoiceId}', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/invoices/${ids.invoice}`) }) },
  { template: 'POST /api/locations/{locationId}/contacts/{contactId}/notes', kind: 'record', probe: (ids, at) => ({ method: 'POST', url: crm(at, `/contacts/${ids.contact}/notes`), payload: { body: 'planted' } }) },
  { template: 'PATCH /api/locations/{locationId}/contacts/{contactId}/notes/{noteId}', kind: 'record', probe: (ids, at) => ({ method: 'PATCH', url: crm(at, `/contacts/${ids.contact}/notes/${ids.note}`), payload: { body: 'changed' } }) },
  { template: 'DELETE /api/locations/{locationId}/contacts/{contactId}/notes/{noteId}', kind: 'record', probe: (ids, at) => ({ method: 'DELETE', url: crm(at, `/contacts/${ids.contact}/notes/${ids.note}`) }) },
  { template: 'POST /api/locations/{locationId}/contacts/{contactId}/tasks', kind: 'record', probe: (ids, at) => ({ method: 'POST', url: crm(at, `/contacts/${ids.contact}/tasks`), payload: { title: 'planted', dueAt: future(5) } }) },
  { template: 'PATCH /api/locations/{locationId}/contacts/{contactId}/tasks/{taskId}', kind: 'record', probe: (ids, at) => ({ method: 'PATCH', url: crm(at, `/contacts/${ids.contact}/tasks/${ids.task}`), payload: { completed: true } }) },
  { template: 'DELETE /api/locations/{locationId}/contacts/{contactId}/tasks/{taskId}', kind: 'record', probe: (ids, at) => ({ method: 'DELETE', url: crm(at, `/contacts/${ids.contact}/tasks/${ids.task}`) }) },
  { template: 'POST /api/locations/{locationId}/contacts/{contactId}/messages', kind: 'record', probe: (ids, at) => ({ method: 'POST', url: crm(at, `/contacts/${ids.contact}/messages`), payload: { channel: 'SMS', message: 'hello' } }) },
  { template: 'GET /api/locations/{locationId}/message-sends/{sendId}', kind: 'record', probe: (ids, at) => ({ method: 'GET', url: crm(at, `/message-sends/${ids.messageSend}`) }) },
  { template: 'GET /api/notifications/deliveries/{deliveryId}', kind: 'company', probe: (ids) => ({ method: 'GET', url: `/api/notifications/deliveries/${ids.delivery}` }) },
  { template: 'POST /api/notifications/deliveries/{deliveryId}/resend', kind: 'company', probe: (ids) => ({ method: 'POST', url: `/api/notifications/deliveries/${ids.delivery}/resend` }) },
  { template: 'GET /api/notifications/webhook-endpoints/{endpointId}', kind: 'company', probe: (ids) => ({ method: 'GET', url: `/api/notifications/webhook-endpoints/${ids.webhookEndpoint}` }) },
  { template: 'PATCH /api/notifications/webhook-endpoints/{endpointId}', kind: 'company', probe: (ids) => ({ method: 'PATCH', url: `/api/notifications/webhook-endpoints/${ids.webhookEndpoint}`, payload: { description: 'Taken over' } }) },
  { template: 'POST /api/notifications/webhook-endpoints/{endpointId}/rotate-secret', kind: 'company', probe: (ids) => ({ method: 'POST', url: `/api/notifications/webhook-endpoints/${ids.webhookEndpoint}/rotate-secret` }) },
  { template: 'POST /api/notifications/webhook-endpoints/{endpointId}/test', kind: 'company', probe: (ids) => ({ method: 'POST', url: `/api/notifications/webhook-endpoints/${ids.webhookEndpoint}/test` }) },
  { template: 'DELETE /api/auth/sessions/{sessionId}', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/auth/sessions/${ids.session}` }) },
  // Last: the owner's probe deletes it.
  { template: 'DELETE /api/notifications/webhook-endpoints/{endpointId}', kind: 'company', probe: (ids) => ({ method: 'DELETE', url: `/api/notifications/webhook-endpoints/${ids.webhookEndpoint}` }) },
];

/** Path parameters that name no resource: every agency has its own template of any event and its own statement of any month. */
const NOT_IDS = ['/api/notifications/templates/{event}/{channel}', '/api/notifications/statements/{month}'];

const ALPHABETS = ['0123456789', 'abcdef', 'ABCDEF', 'ghijklmnopqrstuvwxyz', 'GHIJKLMNOPQRSTUVWXYZ'];

/** The same id, in the same alphabet (hex stays hex) and length, pointing nowhere. */
function alterId(id: string): string {
  const shift = (char: string) => {
    const alphabet = ALPHABETS.find((letters) => letters.includes(char));
    return alphabet ? (alphabet[(alphabet.indexOf(char) + 1) % alphabet.length] as string) : char;
  };
  return `${id.slice(0, -6)}${[...id.slice(-6)].map(shift).join('')}`;
}

let sandbox: SandboxHandle;
let app: TestApp;
let ids: Ids;
let siblingLocation: string;
const callers: Record<'otherAdmin' | 'otherApiKey' | 'siblingAdmin' | 'locationMember' | 'ownerThroughSibling', Record<string, string>> = {
  otherAdmin: {},
  otherApiKey: {},
  siblingAdmin: {},
  locationMember: {},
  ownerThroughSibling: {},
};
let ownerHeaders: Record<string, string>;
let stopLive: () => Promise<void> = async () => undefined;

async function rowId(query: ReturnType<typeof sql>, what: string): Promise<string> {
  const [row] = await queryRows<{ id: string }>(app.database.db, query);
  if (!row) throw new Error(`fixture: no ${what}`);
  return row.id;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 77, locations: 2, contacts: 6, quirks: { sendLegacyRsaSignature: false } });
  app = await createTestApp({ sandbox });
  const ghl = app.ghl;
  if (!ghl) throw new Error('the sandbox-wired app has no GHL');
  stopLive = await startLiveApp(app, sandbox);

  const owner = await createAgency(app, 0);
  ownerHeaders = bearer(owner.token);
  await app.database.system((tx) => tx.execute(sql`update companies set ghl_company_id = ${sandbox.companyId} where id = ${owner.companyId}`));
  const installed: { locationId: string; ghlLocationId: string }[] = [];
  for (const ghlLocationId of sandbox.locationIds) {
    const token = await authorizeApp(sandbox, { userType: 'Location', locationIds: [ghlLocationId] });
    installed.push(
      await app.database.system(async (tx) => {
        const ref = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
        await ghl.tokens.saveTokens(tx, { companyId: ref.companyId, locationId: ref.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
        await enqueueSetupSync(tx, generateId, { companyId: ref.companyId, locationId: ref.locationId, ghlLocationId, trigger: 'install' });
        return { locationId: ref.locationId, ghlLocationId };
      }),
    );
  }
  await waitFor(async () => {
    const runs = await queryRows<{ status: string }>(app.database.db, sql`select distinct on (location_id) status from runs where kind = 'setup-sync' and company_id = ${owner.companyId} order by location_id, created_at desc`);
    return runs.length === 2 && runs.every((run) => run.status === 'done') ? true : undefined;
  }, 90_000, 'both setup syncs');
  const [home, sibling] = installed as [{ locationId: string; ghlLocationId: string }, { locationId: string; ghlLocationId: string }];
  siblingLocation = sibling.locationId;
  const L = home.locationId;

  for (const { locationId } of installed) pipelineOf.set(locationId, await rowId(sql`select ghl_id as id from ghl_pipelines where location_id = ${locationId} order by ghl_id limit 1`, 'pipeline'));
  const contacts = await queryRows<{ id: string }>(app.database.db, sql`select id from contacts where location_id = ${L} and deleted_at is null order by id limit 2`);
  const [contact, otherContact] = contacts.map((row) => row.id) as [string, string];
  const note = await app.app.inject({ method: 'POST', url: crm(L, `/contacts/${contact}/notes`), headers: ownerHeaders, payload: { body: 'a note' } });
  const task = await app.app.inject({ method: 'POST', url: crm(L, `/contacts/${contact}/tasks`), headers: ownerHeaders, payload: { title: 'a task', dueAt: future(2) } });
  const send = await app.app.inject({ method: 'POST', url: crm(L, `/contacts/${contact}/messages`), headers: ownerHeaders, payload: { channel: 'SMS', message: 'hi' } });
  const apiKey = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: ownerHeaders, payload: { name: 'A key', locationId: L } });
  const locationInvite = await app.app.inject({ method: 'POST', url: '/api/invites', headers: ownerHeaders, payload: { role: 'location_member', locationId: L } });
  const agencyInvite = await app.app.inject({ method: 'POST', url: '/api/invites', headers: ownerHeaders, payload: { role: 'member' } });
  // No provider is configured here and no URL is allow-listed: the delivery fails and the endpoint is never called.
  const delivery = await app.app.inject({ method: 'POST', url: '/api/notifications/send', headers: ownerHeaders, payload: { event: 'isolation.test', recipients: [{ email: 'isolation@example.com' }] } });
  const webhookEndpoint = await app.database.system(async (tx) => {
    const id = generateId('whe');
    const secretId = await app.vault.storeSecret(tx, { companyId: owner.companyId, purpose: 'notifications.webhook_secret', plaintext: 'whsec_aXNvbGF0aW9uLXRlc3Qtc2VjcmV0LWJ5dGVz' });
    await tx.execute(sql`insert into webhook_endpoints (id, company_id, url, secret_id) values (${id}, ${owner.companyId}, 'http://127.0.0.1:9/never-called', ${secretId})`);
    return id;
  });
  for (const created of [note, task, send, apiKey, locationInvite, agencyInvite, delivery]) if (created.statusCode >= 300) throw new Error(`fixture: ${created.body}`);
  const invoice = await processGhlEvent(app.database, app.processors, buildGhlEvent('InvoiceCreate', { ...loadGhlExample('InvoiceCreate'), altId: home.ghlLocationId, _id: 'inv-isolation-1' }));
  if (invoice.status !== 'done') throw new Error(`fixture: the invoice event ended ${invoice.status}`);
  // Our write reaches GHL through the outbox and comes back as a signed webhook: a stored event of L.
  const webhookEvent = await waitFor(async () => {
    const [row] = await queryRows<{ id: string }>(app.database.db, sql`select id::text as id from webhook_events where ghl_location_id = ${home.ghlLocationId} and status in ('done', 'skipped', 'dead') order by id limit 1`);
    return row?.id;
  }, 30_000, 'a stored webhook event of L');

  const secondLogin = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: owner.email, password: TEST_PASSWORD } });
  const secondSessions = await app.app.inject({ method: 'GET', url: '/api/auth/sessions', headers: bearer(secondLogin.json<{ token: string }>().token) });
  const secondSession = secondSessions.json<{ items: { id: string; isCurrent: boolean }[] }>().items.find((item) => item.isCurrent)?.id;
  if (!secondSession) throw new Error(`fixture: no second session: ${secondSessions.body}`);

  ids = {
    location: L,
    apiKey: apiKey.json<{ apiKey: { id: string } }>().apiKey.id,
    locationInvite: locationInvite.json<{ invite: { id: string } }>().invite.id,
    agencyInvite: agencyInvite.json<{ invite: { id: string } }>().invite.id,
    webhookEvent,
    ghlLocation: home.ghlLocationId,
    contact,
    otherContact,
    project: await rowId(sql`select id from opportunities where location_id = ${L} and deleted_at is null order by id limit 1`, 'project'),
    appointment: await rowId(sql`select id from appointments where location_id = ${L} and deleted_at is null order by id limit 1`, 'appointment'),
    calendar: await rowId(sql`select ghl_id as id from ghl_calendars where location_id = ${L} and deleted_at is null order by id limit 1`, 'calendar'),
    conversation: await rowId(sql`select id from conversations where location_id = ${L} and deleted_at is null order by id limit 1`, 'conversation'),
    invoice: await rowId(sql`select id from invoices where location_id = ${L} and deleted_at is null order by id limit 1`, 'invoice'),
    note: note.json<{ id: string }>().id,
    task: task.json<{ id: string }>().id,
    messageSend: send.json<{ id: string }>().id,
    delivery: delivery.json<{ deliveries: { id: string }[] }>().deliveries[0]?.id ?? '',
    webhookEndpoint,
    session: secondSession,
  };

  const other = await createAgency(app, 1);
  callers.otherAdmin = bearer(other.token);
  const otherKey = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(other.token), payload: { name: 'B key', locationId: other.locationIds[0], role: 'location_admin' } });
  callers.otherApiKey = { 'x-api-key': otherKey.json<{ key: string }>().key };
  callers.siblingAdmin = bearer((await createLocationUser(app, owner.token, sibling.locationId, 'location_admin')).token);
  callers.locationMember = bearer((await createLocationUser(app, owner.token, L, 'location_member')).token);
  callers.ownerThroughSibling = ownerHeaders;
}, 180_000);

afterAll(async () => {
  await stopLive();
  await app?.close();
  await sandbox?.close();
});

describe('404 means 404', () => {
  it('covers every route of the OpenAPI document that takes an id', () => {
    const doc = app.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const withIds = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/') && path.includes('{') && !path.startsWith('/api/webhooks/ghl') && !path.startsWith('/api/webhooks/integrations') && !NOT_IDS.includes(path))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    const covered = new Set(ROUTES.map((route) => route.template.replace(/ \(.*\)$/, '')));
    expect(withIds.filter((route) => !covered.has(route))).toEqual([]);
  });

  const table = ROUTES.flatMap((route) => {
    const who = route.kind === 'record' ? (['otherAdmin', 'otherApiKey', 'siblingAdmin', 'ownerThroughSibling'] as const) : route.kind === 'location' ? (['otherAdmin', 'otherApiKey', 'siblingAdmin'] as const) : (['otherAdmin', 'otherApiKey', 'siblingAdmin', 'locationMember'] as const);
    return who.map((caller) => ({ caller, route }));
  });

  it.each(table)('$route.template as $caller: the resource answers as an unknown id', async ({ caller, route }) => {
    const at = caller === 'ownerThroughSibling' ? siblingLocation : ids.location;
    const unknownIds = Object.fromEntries(Object.entries(ids).map(([name, value]) => [name, alterId(value)])) as unknown as Ids;
    // Record routes keep the path's location and alter only the record ids.
    const unknownAt = route.kind === 'record' ? at : alterId(at);
    const send = (probe: Probe) => app.app.inject({ method: probe.method, url: probe.url, headers: callers[caller], ...(probe.payload ? { payload: probe.payload } : {}) });
    const existing = await send(route.probe(ids, at));
    const unknown = await send(route.probe(unknownIds, unknownAt));
    const summary = (response: Awaited<ReturnType<typeof send>>) => ({ status: response.statusCode, code: response.statusCode >= 400 ? response.json<{ error: { code: string } }>().error.code : 'ok' });
    expect(summary(existing)).toEqual(summary(unknown));
    // A filter route (replay-dead) may answer 200 to both, with nothing matched: then with the same body.
    if (existing.statusCode < 400) expect(existing.json()).toEqual(unknown.json());
  });

  it('left every resource of A in place', async () => {
    const [counts] = await queryRows<{ notes: number; tasks: number; keys: number; invites: number; events: number }>(
      app.database.db,
      sql`select (select count(*)::int from notes where id = ${ids.note} and deleted_at is null) as notes,
        (select count(*)::int from tasks where id = ${ids.task} and deleted_at is null) as tasks,
        (select count(*)::int from api_keys where id = ${ids.apiKey} and revoked_at is null) as keys,
        (select count(*)::int from invites where id in (${ids.locationInvite}, ${ids.agencyInvite}) and revoked_at is null) as invites,
        (select count(*)::int from webhook_events where id = ${ids.webhookEvent}::bigint) as events`,
    );
    expect(counts).toEqual({ notes: 1, tasks: 1, keys: 1, invites: 2, events: 1 });
    const [session] = await queryRows<{ revokedAt: string | null }>(app.database.db, sql`select revoked_at as "revokedAt" from user_sessions where id = ${ids.session}`);
    expect(session).toEqual({ revokedAt: null });
    const location = await app.app.inject({ method: 'GET', url: `/api/locations/${ids.location}`, headers: ownerHeaders });
    expect(location.json<{ name: string }>().name).not.toBe('Taken over');
  });

  it('the same probes by A\'s own admin find every resource (the ids above are real)', async () => {
    const missed: string[] = [];
    // Location routes last: the resync and reconciliation they start may repair the fixture invoice away (it is not in GHL).
    for (const route of [...ROUTES.filter((item) => item.kind !== 'location'), ...ROUTES.filter((item) => item.kind === 'location')]) {
      const probe = route.probe(ids, ids.location);
      const response = await app.app.inject({ method: probe.method, url: probe.url, headers: ownerHeaders, ...(probe.payload ? { payload: probe.payload } : {}) });
      if (response.statusCode === 404) missed.push(`${route.template}: ${response.body}`);
    }
    expect(missed).toEqual([]);
  });
});
