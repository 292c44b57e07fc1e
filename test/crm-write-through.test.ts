import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/platform/db/index.js';
import { recordCreatedGhlId } from '../src/modules/crm/index.js';
import { startCrmApiKit, type CrmApiKit } from './crm-api-kit.js';
import { bearer } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { checkGhlExchanges } from './support/ghl-contract.js';

/*
 * The CRM write API end to end: writes land in Postgres, the outbox pushes them to the GHL sandbox
 * over HTTP, the webhooks GHL sends back are recognised as our own echoes, and GHL-side edits merge
 * per field with pending local edits.
 */

let kit: CrmApiKit;
let base = '';
const headers = () => bearer(kit.agency.token);

interface SyncState {
  state: 'synced' | 'pending' | 'failed';
  pendingFields: string[];
  error: string | null;
}
interface ContactBody {
  id: string;
  ghlId: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  companyName: string | null;
  tags: string[];
  sync: SyncState;
}
interface ErrorBody {
  error: { code: string; message: string };
}

async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, auth: Record<string, string> = headers()) {
  const response = await kit.server.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  return { status: response.statusCode, body: response.json<T>() };
}

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return queryRows<T>(kit.app.database.db, query);
}

const ghl = () => {
  const client = kit.app.ghl?.client;
  if (!client) throw new Error('no GHL client');
  return client;
};

/** Waits until the record's pushes are confirmed (or failed) and returns it. */
async function settled<T extends { sync: SyncState }>(url: string): Promise<T> {
  return waitFor(
    async () => {
      const { body } = await call<T>('GET', `${url}?includeDeleted=true`);
      return body.sync.state === 'pending' ? undefined : body;
    },
    20_000,
    `${url} to settle`,
  );
}

/** Retries parked by a fault are due at once (the runner's backoff would make the test wait). */
async function retryPushesNow() {
  await kit.app.database.db.execute(sql`update jobs set run_at = now() where kind like 'crm.push-%' and status = 'retry'`);
  kit.runner.wake();
}

async function sandboxContact(ghlId: string) {
  const result = await ghl().getContact(kit.installed.ghlLocationId, ghlId);
  if (!result.ok) throw new Error(`sandbox contact ${ghlId}: ${result.error.message}`);
  return result.data.contact as unknown as Record<string, unknown>;
}

async function editInSandbox(contactGhlId: string, changes: Record<string, unknown>) {
  const response = await fetch(`${kit.sandbox.baseUrl}/sandbox/simulate/edit-contact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId: contactGhlId, changes }) });
  expect(response.status).toBe(200);
}

async function waitForWebhooksIdle() {
  await fetch(`${kit.sandbox.baseUrl}/sandbox/webhooks/wait-idle`, { method: 'POST' });
  await waitFor(
    async () => {
      const [pending] = await rows<{ total: number }>(sql`select count(*)::int as total from webhook_events where status in ('pending', 'running', 'retry')`);
      return pending?.total === 0 ? true : undefined;
    },
    20_000,
    'webhook inbox to drain',
  );
}

/** How many requests the sandbox has served on one of its routes (e.g. `POST /contacts/`). */
async function sandboxHits(method: string, path: string): Promise<number> {
  const response = await fetch(`${kit.sandbox.baseUrl}/sandbox/routes`);
  const { routes } = (await response.json()) as { routes: { method: string; path: string; hits: number }[] };
  const route = routes.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route) throw new Error(`the sandbox has no route ${method} ${path}`);
  return route.hits;
}

beforeAll(async () => {
  kit = await startCrmApiKit({ contacts: 20, withWebhooks: true });
  base = `/api/locations/${kit.installed.locationId}`;
}, 120_000);

afterAll(async () => {
  await kit?.close();
});

describe('contacts', () => {
  let contact: ContactBody;

  it('creates locally first (pending, no GHL id) and the outbox creates it in GHL', async () => {
    const created = await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com', phone: '+15550001111', tags: ['vip'] });
    expect(created.status).toBe(201);
    expect(created.body.ghlId).toBeNull();
    expect((created.body as unknown as { sourceUpdatedAt: string | null }).sourceUpdatedAt).toBeNull();
    expect(created.body.email).toBe('ada@example.com');
    expect(created.body.sync.state).toBe('pending');
    contact = await settled<ContactBody>(`${base}/contacts/${created.body.id}`);
    expect(contact.id).toBe(created.body.id);
    expect(contact.sync).toMatchObject({ state: 'synced', pendingFields: [] });
    expect(contact.ghlId).toEqual(expect.any(String));
    const remote = await sandboxContact(contact.ghlId as string);
    expect(remote).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', tags: ['vip'] });
    // GHL's ContactCreate echo never becomes a second row.
    await waitForWebhooksIdle();
    const copies = await rows<{ total: number }>(sql`select count(*)::int as total from contacts where ghl_id = ${contact.ghlId}`);
    expect(copies[0]?.total).toBe(1);
    const metrics = (await kit.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/switchboard_ghl_pushes_total\{entity="contacts",outcome="created"\} [1-9]/);
  });

  it('pushes only the changed fields and recognises the webhook GHL sends back as our own echo', async () => {
    const updated = await call<ContactBody>('PATCH', `${base}/contacts/${contact.id}`, { companyName: 'Analytical Engines' });
    expect(updated.status).toBe(200);
    expect(updated.body.sync.pendingFields).toEqual(['companyName']);
    contact = await settled<ContactBody>(`${base}/contacts/${contact.id}`);
    expect(contact.companyName).toBe('Analytical Engines');
    expect((await sandboxContact(contact.ghlId as string))['companyName']).toBe('Analytical Engines');
    await waitForWebhooksIdle();
    const echoes = await rows<{ status: string; lastError: string | null }>(
      sql`select status, last_error as "lastError" from webhook_events where event_type = 'ContactUpdate' and payload->>'id' = ${contact.ghlId} order by id`,
    );
    expect(echoes.length).toBeGreaterThan(0);
    expect(echoes.every((event) => event.status === 'skipped' && /echo of our own change/.test(event.lastError ?? ''))).toBe(true);
    const [stored] = await rows<{ companyName: string }>(sql`select company_name as "companyName" from contacts where id = ${contact.id}`);
    expect(stored?.companyName).toBe('Analytical Engines');
  });

  it('keeps the local write during a GHL outage, merges a GHL edit of another field, and pushes when GHL is back', async () => {
    kit.sandbox.setFaults({ serverErrorRate: 1 }, kit.installed.ghlLocationId);
    try {
      const updated = await call<ContactBody>('PATCH', `${base}/contacts/${contact.id}`, { phone: '+15550002222' });
      expect(updated.status).toBe(200);
      expect(updated.body.phone).toBe('+15550002222');
      // The push fails (5xx) and waits for a retry; the edit stays pending, never lost.
      await waitFor(async () => ((await rows<{ total: number }>(sql`select count(*)::int as total from jobs where kind = 'crm.push-contact' and status = 'retry'`))[0]?.total ?? 0) > 0 || undefined, 20_000, 'the push to be parked for retry');
      const during = await call<ContactBody>('GET', `${base}/contacts/${contact.id}`);
      expect(during.body.sync).toMatchObject({ state: 'pending', pendingFields: ['phone'] });
      // Meanwhile someone edits the company name in GHL (the control API is not affected by the fault).
      await editInSandbox(contact.ghlId as string, { companyName: 'Edited in GHL' });
      await waitForWebhooksIdle();
      const merged = await call<ContactBody>('GET', `${base}/contacts/${contact.id}`);
      expect(merged.body.companyName).toBe('Edited in GHL');
      expect(merged.body.phone).toBe('+15550002222');
      expect(merged.body.sync.pendingFields).toEqual(['phone']);
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    await retryPushesNow();
    contact = await settled<ContactBody>(`${base}/contacts/${contact.id}`);
    expect(contact.sync.state).toBe('synced');
    const remote = await sandboxContact(contact.ghlId as string);
    expect(remote).toMatchObject({ phone: '+15550002222', companyName: 'Edited in GHL' });
  });

  it('resolves a field both sides changed by the newer change', async () => {
    kit.sandbox.setFaults({ serverErrorRate: 1 }, kit.installed.ghlLocationId);
    try {
      await call<ContactBody>('PATCH', `${base}/contacts/${contact.id}`, { lastName: 'Local', firstName: 'Augusta' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      // GHL's change of lastName is newer than ours: GHL wins it; our firstName stays pending.
      await editInSandbox(contact.ghlId as string, { lastName: 'Remote' });
      await waitForWebhooksIdle();
      const merged = await call<ContactBody>('GET', `${base}/contacts/${contact.id}`);
      expect(merged.body.lastName).toBe('Remote');
      expect(merged.body.firstName).toBe('Augusta');
      // fullName is derived; GHL's newer name wins it until our firstName lands.
      expect(merged.body.sync.pendingFields).toEqual(['firstName']);
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    await retryPushesNow();
    contact = await settled<ContactBody>(`${base}/contacts/${contact.id}`);
    expect(await sandboxContact(contact.ghlId as string)).toMatchObject({ firstName: 'Augusta', lastName: 'Remote' });
    expect(contact).toMatchObject({ firstName: 'Augusta', lastName: 'Remote' });
  });

  it('never creates a record twice when a create reached GHL but its confirmation did not (no email or phone to find it by)', async () => {
    kit.sandbox.setFaults({ serverErrorRate: 1 }, kit.installed.ghlLocationId);
    let localId: string;
    try {
      localId = (await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Crashy', lastName: 'Create' })).body.id;
      await waitFor(async () => ((await rows<{ total: number }>(sql`select count(*)::int as total from jobs where ordering_key = ${`crm.push:${localId}`} and status = 'retry'`))[0]?.total ?? 0) > 0 || undefined, 20_000, 'the push to wait for a retry');
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    // As if an earlier attempt had created it in GHL and recorded the id, then died before confirming.
    const created = await ghl().createContact(kit.installed.ghlLocationId, { firstName: 'Crashy', lastName: 'Create' });
    if (!created.ok) throw new Error(created.error.message);
    const createdGhlId = created.data.contact.id;
    await kit.app.database.system((tx) => recordCreatedGhlId(tx, 'contacts', localId, createdGhlId, new Date()));
    await retryPushesNow();
    const settledContact = await settled<ContactBody>(`${base}/contacts/${localId}`);
    expect(settledContact.ghlId).toBe(createdGhlId);
    expect(settledContact.sync).toMatchObject({ state: 'synced', pendingFields: [] });
    const found = await ghl().searchContacts(kit.installed.ghlLocationId, { pageLimit: 100, filters: [{ field: 'firstName', operator: 'eq', value: 'Crashy' }] });
    expect(found.ok && found.data.contacts.map((contact) => contact.id)).toEqual([createdGhlId]);
  });

  it('finds a create that reached GHL but whose GHL id was never recorded, and creates nothing twice (lookup by email)', async () => {
    kit.sandbox.setFaults({ serverErrorRate: 1 }, kit.installed.ghlLocationId);
    let localId: string;
    try {
      localId = (await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Lost', lastName: 'Answer', email: 'lost.answer@example.com' })).body.id;
      await waitFor(async () => ((await rows<{ total: number }>(sql`select count(*)::int as total from jobs where ordering_key = ${`crm.push:${localId}`} and status = 'retry'`))[0]?.total ?? 0) > 0 || undefined, 20_000, 'the push to wait for a retry');
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    // The crash window: an attempt's create reached GHL, and the process died before it wrote GHL's id
    // anywhere (neither ghl_id nor created_ghl_id is set), so only a lookup can find the record.
    const created = await ghl().createContact(kit.installed.ghlLocationId, { firstName: 'Lost', lastName: 'Answer', email: 'lost.answer@example.com' });
    if (!created.ok) throw new Error(created.error.message);
    const [before] = await rows<{ ghlId: string | null; createdGhlId: string | null }>(sql`select ghl_id as "ghlId", created_ghl_id as "createdGhlId" from contacts where id = ${localId}`);
    expect(before).toEqual({ ghlId: null, createdGhlId: null });
    const createsBefore = await sandboxHits('POST', '/contacts/');
    await retryPushesNow();
    const settledContact = await settled<ContactBody>(`${base}/contacts/${localId}`);
    expect(settledContact.ghlId).toBe(created.data.contact.id);
    expect(settledContact.sync).toMatchObject({ state: 'synced', pendingFields: [] });
    // The retry looked the record up instead of creating it again.
    expect(await sandboxHits('POST', '/contacts/')).toBe(createsBefore);
    const found = await ghl().searchContacts(kit.installed.ghlLocationId, { pageLimit: 100, filters: [{ field: 'email', operator: 'eq', value: 'lost.answer@example.com' }] });
    expect(found.ok && found.data.contacts.map((item) => item.id)).toEqual([created.data.contact.id]);
  });

  it('keeps a PATCH made while the previous push is in flight, and pushes it after', async () => {
    const created = await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'In', lastName: 'Flight', email: 'in.flight@example.com' });
    const record = await settled<ContactBody>(`${base}/contacts/${created.body.id}`);
    const updatesBefore = await sandboxHits('PUT', '/contacts/:contactId');
    // GHL holds every answer for this location for 3 s: the first push is in flight while we PATCH again.
    kit.sandbox.setFaults({ latencyMs: 3000 }, kit.installed.ghlLocationId);
    try {
      expect((await call<ContactBody>('PATCH', `${base}/contacts/${record.id}`, { companyName: 'First Co' })).status).toBe(200);
      await waitFor(async () => ((await sandboxHits('PUT', '/contacts/:contactId')) > updatesBefore ? true : undefined), 20_000, 'the first push to reach GHL');
      const [job] = await rows<{ status: string }>(sql`select status from jobs where ordering_key = ${`crm.push:${record.id}`} order by id desc limit 1`);
      expect(job?.status).toBe('running');
      const second = await call<ContactBody>('PATCH', `${base}/contacts/${record.id}`, { companyName: 'Second Co', lastName: 'Landed' });
      expect(second.status).toBe(200);
      // fullName follows lastName.
      expect(second.body.sync.pendingFields.sort()).toEqual(['companyName', 'fullName', 'lastName']);
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    const final = await settled<ContactBody>(`${base}/contacts/${record.id}`);
    expect(final).toMatchObject({ companyName: 'Second Co', lastName: 'Landed', sync: { state: 'synced', pendingFields: [] } });
    expect(await sandboxContact(record.ghlId as string)).toMatchObject({ companyName: 'Second Co', lastName: 'Landed' });
  });

  it('applies two concurrent PATCHes of one record, each with its own field, here and in GHL', async () => {
    const created = await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Two', lastName: 'Writers', email: 'two.writers@example.com' });
    const record = await settled<ContactBody>(`${base}/contacts/${created.body.id}`);
    // On PostgreSQL the two requests run in two transactions on two pool connections at once.
    const [first, second] = await Promise.all([
      call<ContactBody>('PATCH', `${base}/contacts/${record.id}`, { companyName: 'Concurrent Co' }),
      call<ContactBody>('PATCH', `${base}/contacts/${record.id}`, { phone: '+15550003333' }),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const final = await settled<ContactBody>(`${base}/contacts/${record.id}`);
    expect(final).toMatchObject({ companyName: 'Concurrent Co', phone: '+15550003333', sync: { state: 'synced', pendingFields: [] } });
    expect(await sandboxContact(record.ghlId as string)).toMatchObject({ companyName: 'Concurrent Co', phone: '+15550003333' });
  });

  it('refuses bad input with stable codes and stores nothing', async () => {
    const [before] = await rows<{ total: number }>(sql`select count(*)::int as total from contacts where location_id = ${kit.installed.locationId}`);
    const cases: [unknown, number, string][] = [
      [{}, 400, 'contact_identity_required'],
      [{ email: 'not-an-email' }, 400, 'validation_failed'],
      [{ firstName: 'X', unknown: 1 }, 400, 'validation_failed'],
      [{ firstName: 'X', customFields: [{ key: 'no_such_field', value: 'x' }] }, 400, 'unknown_custom_field'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await call<ErrorBody>('POST', `${base}/contacts`, payload);
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
    }
    const [after] = await rows<{ total: number }>(sql`select count(*)::int as total from contacts where location_id = ${kit.installed.locationId}`);
    expect(after?.total).toBe(before?.total);
    // A location of the agency that is not connected to GHL: nothing could ever be pushed.
    const unlinked = await call<ErrorBody>('POST', `/api/locations/${kit.agency.locationIds[0] as string}/contacts`, { firstName: 'Nowhere' });
    expect(unlinked.status).toBe(409);
    expect(unlinked.body.error.code).toBe('not_linked');
    const foreign = await call<ErrorBody>('PATCH', `${base}/contacts/${contact.id}`, { firstName: 'Mallory' }, bearer(kit.otherAgency.token));
    expect(foreign.status).toBe(404);
    const unauthenticated = await kit.server.inject({ method: 'POST', url: `${base}/contacts`, payload: { firstName: 'X' } });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('sends an SMS through GHL and refuses DND contacts', async () => {
    const queued = await call<{ id: string; status: string }>('POST', `${base}/contacts/${contact.id}/messages`, { channel: 'SMS', message: 'Your installer arrives at 9' });
    expect(queued.status).toBe(202);
    expect(queued.body.status).toBe('queued');
    const sent = await waitFor(
      async () => {
        const { body } = await call<{ status: string; ghlMessageId: string | null; ghlConversationId: string | null }>('GET', `${base}/message-sends/${queued.body.id}`);
        return body.status === 'sent' ? body : undefined;
      },
      20_000,
      'the SMS to be sent',
    );
    expect(sent.ghlMessageId).toEqual(expect.any(String));
    // GHL's OutboundMessage webhook brings the message into the conversation.
    await waitForWebhooksIdle();
    const [message] = await rows<{ body: string; direction: string }>(sql`select body, direction from messages where ghl_id = ${sent.ghlMessageId}`);
    expect(message).toEqual({ body: 'Your installer arrives at 9', direction: 'outbound' });
    const invalid = await call<ErrorBody>('POST', `${base}/contacts/${contact.id}/messages`, { channel: 'Email', message: 'no subject' });
    expect(invalid.body.error.code).toBe('invalid_message');
    await call('PATCH', `${base}/contacts/${contact.id}`, { isDnd: true });
    const refused = await call<ErrorBody>('POST', `${base}/contacts/${contact.id}/messages`, { channel: 'SMS', message: 'hi' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('contact_dnd');
    const listed = await call<{ total: number }>('GET', `${base}/message-sends?contactId=${contact.id}`);
    expect(listed.body.total).toBe(1);
  });

  it('deletes here at once and in GHL by the outbox', async () => {
    const deleted = await call<ContactBody & { deletedAt: string | null }>('DELETE', `${base}/contacts/${contact.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.deletedAt).not.toBeNull();
    expect(deleted.body.sync.pendingFields).toEqual(['deleted']);
    await settled<ContactBody>(`${base}/contacts/${contact.id}`);
    const remote = await ghl().getContact(kit.installed.ghlLocationId, contact.ghlId as string);
    expect(remote.ok).toBe(false);
    expect((await call<ErrorBody>('GET', `${base}/contacts/${contact.id}`)).status).toBe(404);
  });
});

describe('notes and tasks', () => {
  interface ChildBody {
    id: string;
    ghlId: string | null;
    body: string | null;
    title?: string | null;
    isCompleted?: boolean;
    sync: SyncState;
  }
  interface DetailBody extends ContactBody {
    notes: ChildBody[];
    tasks: ChildBody[];
  }

  /** The contact's notes and tasks once none is pending. */
  /**
   * Waits until every note and task is synced. A push that failed once is retried by the outbox (its
   * state reads 'failed' meanwhile, which a loaded machine's timeouts can cause), so 'not pending' is
   * not yet 'written to GHL'; a timeout names the states it last saw.
   */
  async function settledChildren(contactId: string): Promise<DetailBody> {
    let states = '';
    try {
      return await waitFor(
        async () => {
          const { body } = await call<DetailBody>('GET', `${base}/contacts/${contactId}`);
          const children = [...body.notes, ...body.tasks];
          states = children.map((child) => `${child.id}: ${child.sync.state}${child.sync.error ? ` (${child.sync.error})` : ''}`).join(', ');
          return children.every((child) => child.sync.state === 'synced') ? body : undefined;
        },
        60_000,
        'notes and tasks to be synced',
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${states}`, { cause: error });
    }
  }

  it('adds, edits and deletes a note, and adds, completes and reopens a task, all written through to GHL', async () => {
    const { body: page } = await call<{ items: ContactBody[] }>('GET', `${base}/contacts?limit=1&sort=dateAdded&order=asc`);
    const contact = page.items[0] as ContactBody;
    const contactGhlId = contact.ghlId as string;
    const note = await call<ChildBody>('POST', `${base}/contacts/${contact.id}/notes`, { body: 'Prefers morning visits' });
    expect(note.status).toBe(201);
    expect(note.body).toMatchObject({ ghlId: null, body: 'Prefers morning visits', sync: { state: 'pending' } });
    const task = await call<ChildBody>('POST', `${base}/contacts/${contactGhlId}/tasks`, { title: 'Call back', dueAt: '2031-03-01T09:00:00Z' });
    expect(task.status).toBe(201);
    const detail = await settledChildren(contact.id);
    const storedNote = detail.notes.find((item) => item.id === note.body.id) as ChildBody;
    const storedTask = detail.tasks.find((item) => item.id === task.body.id) as ChildBody;
    expect(storedNote.sync.state).toBe('synced');
    expect(storedTask.sync.state).toBe('synced');
    const remoteNote = await ghl().getNote(kit.installed.ghlLocationId, contactGhlId, storedNote.ghlId as string);
    expect(remoteNote.ok && remoteNote.data.note.body).toBe('Prefers morning visits');

    expect((await call('PATCH', `${base}/contacts/${contact.id}/notes/${storedNote.id}`, { body: 'Prefers afternoons' })).status).toBe(200);
    expect((await call<ChildBody>('PATCH', `${base}/contacts/${contact.id}/tasks/${storedTask.id}`, { completed: true })).body.isCompleted).toBe(true);
    await settledChildren(contact.id);
    const edited = await ghl().getNote(kit.installed.ghlLocationId, contactGhlId, storedNote.ghlId as string);
    expect(edited.ok && edited.data.note.body).toBe('Prefers afternoons');
    const completed = await ghl().getTask(kit.installed.ghlLocationId, contactGhlId, storedTask.ghlId as string);
    expect(completed.ok && completed.data.task.completed).toBe(true);
    await call('PATCH', `${base}/contacts/${contact.id}/tasks/${storedTask.id}`, { completed: false });
    await settledChildren(contact.id);
    const reopened = await ghl().getTask(kit.installed.ghlLocationId, contactGhlId, storedTask.ghlId as string);
    expect(reopened.ok && reopened.data.task.completed).toBe(false);

    // Reached under another contact, a note is not found; deleted, it is gone in GHL too.
    const other = (await call<{ items: ContactBody[] }>('GET', `${base}/contacts?limit=2&sort=dateAdded&order=asc`)).body.items[1] as ContactBody;
    expect((await call<ErrorBody>('DELETE', `${base}/contacts/${other.id}/notes/${storedNote.id}`)).status).toBe(404);
    expect((await call('DELETE', `${base}/contacts/${contact.id}/notes/${storedNote.id}`)).status).toBe(200);
    await waitFor(async () => ((await ghl().getNote(kit.installed.ghlLocationId, contactGhlId, storedNote.ghlId as string)).ok ? undefined : true), 20_000, 'the note to be deleted in GHL');
    expect((await call<DetailBody>('GET', `${base}/contacts/${contact.id}`)).body.notes.map((item) => item.id)).not.toContain(storedNote.id);
  });

  it('adds a note to a contact created here once the contact reached GHL', async () => {
    const created = await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Noted', email: 'noted@example.com' });
    const note = await call<ChildBody>('POST', `${base}/contacts/${created.body.id}/notes`, { body: 'First contact by phone' });
    expect(note.status).toBe(201);
    const detail = await settledChildren(created.body.id);
    expect(detail.notes.map((item) => item.body)).toEqual(['First contact by phone']);
    const contact = await settled<ContactBody>(`${base}/contacts/${created.body.id}`);
    const remote = await ghl().getNote(kit.installed.ghlLocationId, contact.ghlId as string, detail.notes[0]?.ghlId as string);
    expect(remote.ok && remote.data.note.body).toBe('First contact by phone');
    const invalid = await call<ErrorBody>('POST', `${base}/contacts/${created.body.id}/tasks`, { title: 'No due date' });
    expect(invalid.status).toBe(400);
  });
});

describe('projects and appointments', () => {
  interface ProjectBody {
    id: string;
    ghlId: string | null;
    status: string;
    stageId: string;
    amountCents: number | null;
    customFields: { id: string | null; value: unknown }[];
    sync: SyncState;
  }
  interface AppointmentBody {
    id: string;
    ghlId: string | null;
    status: string;
    startTime: string;
    endTime: string | null;
    sync: SyncState;
  }

  it('creates a project for a contact created here, with a required custom field, and moves it to won', async () => {
    const { body: pipelines } = await call<{ items: { ghlId: string; stages: { ghlId: string }[] }[] }>('GET', `${base}/pipelines`);
    const pipeline = pipelines.items[0];
    if (!pipeline) throw new Error('no pipeline synced');
    const fields = await call<{ items: { key: string | null; model: string | null }[] }>('GET', `${base}/custom-fields?model=opportunity`);
    expect(fields.body.items.map((field) => field.key)).toEqual(expect.arrayContaining(['opportunity.project_title', 'opportunity.quote_number', 'opportunity.signed_date']));
    expect(fields.body.items.every((field) => field.model === 'opportunity')).toBe(true);
    const contact = await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Grace', email: 'grace@example.com' });
    const invalidStatus = await call<ErrorBody>('POST', `${base}/projects`, { name: 'Roof', contactId: contact.body.id, pipelineId: pipeline.ghlId, status: 'closed' });
    expect(invalidStatus.status).toBe(400);
    const unknownStage = await call<ErrorBody>('POST', `${base}/projects`, { name: 'Roof', contactId: contact.body.id, pipelineId: pipeline.ghlId, stageId: 'nope' });
    expect(unknownStage.body.error.code).toBe('unknown_stage');
    // Named by our contact id before the contact reached GHL: the push waits for the contact.
    const created = await call<ProjectBody>('POST', `${base}/projects`, {
      name: 'Roof',
      contactId: contact.body.id,
      pipelineId: pipeline.ghlId,
      amountCents: 1_234_567,
      customFields: [{ key: 'project_title', value: 'Roof replacement' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.stageId).toBe(pipeline.stages[0]?.ghlId);
    const project = await settled<ProjectBody>(`${base}/projects/${created.body.id}`);
    expect(project.sync.state).toBe('synced');
    const remote = await ghl().getOpportunity(kit.installed.ghlLocationId, project.ghlId as string);
    if (!remote.ok) throw new Error(remote.error.message);
    const settledContact = await settled<ContactBody>(`${base}/contacts/${contact.body.id}`);
    expect(remote.data.opportunity).toMatchObject({ name: 'Roof', monetaryValue: 12345.67, contactId: settledContact.ghlId, status: 'open' });
    expect(JSON.stringify(remote.data.opportunity.customFields)).toContain('Roof replacement');

    // The contact's projects, by our contact id or GHL's.
    for (const id of [contact.body.id, settledContact.ghlId as string]) {
      const listed = await call<{ items: { id: string }[] }>('GET', `${base}/projects?contactId=${id}`);
      expect(listed.body.items.map((item) => item.id)).toEqual([project.id]);
    }
    const won = await call<ProjectBody>('PATCH', `${base}/projects/${project.id}`, { status: 'won' });
    expect(won.body.sync.pendingFields).toEqual(['status']);
    await settled<ProjectBody>(`${base}/projects/${project.id}`);
    const after = await ghl().getOpportunity(kit.installed.ghlLocationId, project.ghlId as string);
    expect(after.ok && after.data.opportunity.status).toBe('won');
  });

  it('creates a contact and its project during a GHL outage; both reach GHL, in order, when it is back', async () => {
    const { body: pipelines } = await call<{ items: { ghlId: string }[] }>('GET', `${base}/pipelines`);
    const pipelineId = (pipelines.items[0] as { ghlId: string }).ghlId;
    kit.sandbox.setFaults({ serverErrorRate: 1 }, kit.installed.ghlLocationId);
    let projectId: string;
    let contactId: string;
    try {
      contactId = (await call<ContactBody>('POST', `${base}/contacts`, { firstName: 'Outage', email: 'outage@example.com' })).body.id;
      const project = await call<ProjectBody>('POST', `${base}/projects`, { name: 'Outage job', contactId, pipelineId });
      expect(project.status).toBe(201);
      projectId = project.body.id;
      await waitFor(async () => ((await rows<{ total: number }>(sql`select count(*)::int as total from jobs where ordering_key = ${`crm.push:${contactId}`} and status = 'retry'`))[0]?.total ?? 0) > 0 || undefined, 20_000, 'the contact push to wait for a retry');
      // The project's push waits behind the contact's (same ordering key) instead of burning attempts.
      const [projectJob] = await rows<{ status: string; attempts: number }>(sql`select status, attempts from jobs where kind = 'crm.push-opportunity' and payload->>'id' = ${projectId}`);
      expect(projectJob).toEqual({ status: 'pending', attempts: 0 });
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
    await retryPushesNow();
    const project = await settled<ProjectBody>(`${base}/projects/${projectId}`);
    const contact = await settled<ContactBody>(`${base}/contacts/${contactId}`);
    expect(project.sync.state).toBe('synced');
    const remote = await ghl().getOpportunity(kit.installed.ghlLocationId, project.ghlId as string);
    expect(remote.ok && remote.data.opportunity.contactId).toBe(contact.ghlId);
  });

  it('books an appointment on a GHL calendar and cancels it', async () => {
    const { body: calendars } = await call<{ items: { ghlId: string }[] }>('GET', `${base}/calendars`);
    const calendar = calendars.items[0];
    if (!calendar) throw new Error('no calendar synced');
    const { body: contacts } = await call<{ items: ContactBody[] }>('GET', `${base}/contacts?limit=1`);
    const contact = contacts.items[0] as ContactBody;
    const start = new Date(Date.UTC(2031, 0, 6, 15, 0, 0));
    const badWindow = await call<ErrorBody>('POST', `${base}/appointments`, { calendarId: calendar.ghlId, contactId: contact.id, startTime: start.toISOString(), endTime: start.toISOString() });
    expect(badWindow.body.error.code).toBe('invalid_window');
    const created = await call<AppointmentBody>('POST', `${base}/appointments`, { calendarId: calendar.ghlId, contactId: contact.id, startTime: start.toISOString(), title: 'Site survey' });
    expect(created.status).toBe(201);
    const booked = await settled<AppointmentBody>(`${base}/appointments/${created.body.id}`);
    expect(booked.sync.state).toBe('synced');
    expect(booked.endTime).not.toBeNull();
    const mine = await call<{ items: { id: string }[] }>('GET', `${base}/appointments?contactId=${contact.id}&q=survey&limit=200`);
    expect(mine.body.items.map((item) => item.id)).toContain(booked.id);
    const cancelled = await call<AppointmentBody>('PATCH', `${base}/appointments/${booked.id}`, { status: 'cancelled' });
    expect(cancelled.body.status).toBe('cancelled');
    await settled<AppointmentBody>(`${base}/appointments/${booked.id}`);
    const events = await ghl().listCalendarEvents(kit.installed.ghlLocationId, { calendarId: calendar.ghlId, startTimeMs: start.getTime() - 1, endTimeMs: start.getTime() + 3_600_000 });
    expect(events.ok && events.data.events.find((event) => event.id === booked.ghlId)?.appointmentStatus).toBe('cancelled');
  });

  it('shows a push GHL refused as failed, with the reason, and keeps the edit', async () => {
    const { body: calendars } = await call<{ items: { ghlId: string }[] }>('GET', `${base}/calendars`);
    const calendar = calendars.items[0] as { ghlId: string };
    const { body: contacts } = await call<{ items: ContactBody[] }>('GET', `${base}/contacts?limit=2`);
    const start = new Date(Date.UTC(2031, 0, 7, 15, 0, 0));
    const first = await call<AppointmentBody>('POST', `${base}/appointments`, { calendarId: calendar.ghlId, contactId: (contacts.items[0] as ContactBody).id, startTime: start.toISOString() });
    await settled<AppointmentBody>(`${base}/appointments/${first.body.id}`);
    // The same slot again: GHL refuses it (slot no longer available).
    const second = await call<AppointmentBody>('POST', `${base}/appointments`, { calendarId: calendar.ghlId, contactId: (contacts.items[1] as ContactBody).id, startTime: start.toISOString() });
    const refused = await settled<AppointmentBody>(`${base}/appointments/${second.body.id}`);
    expect(refused.sync.state).toBe('failed');
    expect(refused.sync.error).toMatch(/400/);
    expect(refused.ghlId).toBeNull();
    const health = await call<{ entities: { entity: string; failures: number; pendingPushes: number; refusedRecords: number; unconfirmedRecords: number }[] }>('GET', `/api/sync/health/${kit.installed.locationId}`);
    expect(health.status).toBe(200);
    expect(health.body.entities.find((entity) => entity.entity === 'appointments')).toMatchObject({ failures: expect.any(Number), refusedRecords: 1, unconfirmedRecords: 1 });
    expect(health.body.entities.find((entity) => entity.entity === 'appointments')?.failures).toBeGreaterThan(0);
  });
});

describe('openapi', () => {
  it('documents every CRM write route with its request and response schema', async () => {
    const spec = (await kit.server.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> }>();
    const routes: [string, string, string][] = [
      ['post', 'contacts', '201'],
      ['patch', 'contacts/{contactId}', '200'],
      ['delete', 'contacts/{contactId}', '200'],
      ['post', 'projects', '201'],
      ['patch', 'projects/{projectId}', '200'],
      ['post', 'appointments', '201'],
      ['patch', 'appointments/{appointmentId}', '200'],
      ['post', 'contacts/{contactId}/messages', '202'],
      ['get', 'message-sends', '200'],
      ['get', 'custom-fields', '200'],
    ];
    for (const [method, path, status] of routes) {
      const operation = spec.paths[`/api/locations/{locationId}/${path}`]?.[method];
      expect(operation?.responses[status], `${method} ${path}`).toBeDefined();
      if (method === 'post' || method === 'patch') expect(operation?.requestBody, `${method} ${path} body`).toBeDefined();
    }
  });
});

describe('the requests the product sent to GHL', () => {
  it('follow the official OpenAPI documents, and the run ends with no unexpected dead job or error log', async () => {
    await waitForWebhooksIdle();
    const report = await checkGhlExchanges(kit.app.ghlExchanges, kit.sandbox.baseUrl);
    expect(report.failures).toEqual([]);
    // Setup sync, pushes of every entity, messages, lookups, free slots and OAuth all went through the client.
    expect(report.checked).toBeGreaterThan(100);
    expect([...report.operations]).toEqual(
      expect.arrayContaining(['contacts:create-contact', 'contacts:update-contact', 'contacts:search-contacts-advanced', 'opportunities:create-opportunity', 'calendars:create-appointment', 'conversations:send-a-new-message']),
    );
    await kit.expectCleanEnd({
      // The refused booking of a taken slot ends its push job dead on purpose.
      isExpectedDeadJob: (job) => job.kind === 'crm.push-appointment' && /GHL refused the push/.test(job.lastError ?? ''),
    });
  });
});
