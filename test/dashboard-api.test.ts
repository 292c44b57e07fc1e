import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgency, createLocationUser } from './support/factories.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';

let sandbox: SandboxHandle;
let app: TestApp;
let base: string;
let agencyA: Awaited<ReturnType<typeof createAgency>>;
let agencyB: Awaited<ReturnType<typeof createAgency>>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 3, locations: 1, contacts: 1 });
  app = await createTestApp({ sandbox });
  base = await app.app.listen({ host: '127.0.0.1', port: 0 });
  agencyA = await createAgency(app, 1);
  agencyB = await createAgency(app, 1);
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

/** Opens an event stream and returns its first event (name and data), then disconnects. */
async function firstEvent(path: string, headers: Record<string, string>): Promise<{ status: number; event?: string; data?: unknown; contentType: string | null }> {
  const controller = new AbortController();
  const response = await fetch(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (!response.headers.get('content-type')?.includes('text/event-stream')) {
    controller.abort();
    return { status: response.status, contentType: response.headers.get('content-type') };
  }
  const reader = response.body?.getReader();
  let text = '';
  while (reader && !text.includes('\n\n')) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += new TextDecoder().decode(chunk.value);
  }
  controller.abort();
  const event = /event: (.+)\n/.exec(text)?.[1];
  const data = /data: (.+)\n/.exec(text)?.[1];
  return { status: response.status, contentType: response.headers.get('content-type'), ...(event ? { event } : {}), ...(data ? { data: JSON.parse(data) as unknown } : {}) };
}

async function ticketFor(token: string): Promise<string> {
  const response = await app.app.inject({ method: 'POST', url: '/api/auth/stream-ticket', headers: bearer(token) });
  return response.json<{ ticket: string }>().ticket;
}

describe('live streams the dashboard subscribes to', () => {
  it('streams sync health of a location to a stream ticket (EventSource sends no headers)', async () => {
    const locationId = agencyA.locationIds[0] ?? '';
    const ticket = await ticketFor(agencyA.token);
    const stream = await firstEvent(`/api/sync/health/${locationId}?ticket=${encodeURIComponent(ticket)}`, {});
    expect(stream.status).toBe(200);
    expect(stream.event).toBe('health');
    expect(stream.data).toMatchObject({ locationId, entities: expect.any(Array) });
  });

  it('answers another tenant’s location 404 and no credentials 401 before any stream starts', async () => {
    const foreign = await firstEvent(`/api/sync/health/${agencyB.locationIds[0] ?? ''}`, bearer(agencyA.token));
    expect(foreign.status).toBe(404);
    expect(foreign.contentType).toContain('application/json');
    const anonymous = await firstEvent(`/api/sync/health/${agencyA.locationIds[0] ?? ''}`, {});
    expect(anonymous.status).toBe(401);
    const badTicket = await firstEvent(`/api/sync/health/${agencyA.locationIds[0] ?? ''}?ticket=not-a-ticket`, {});
    expect(badTicket.status).toBe(401);
  });

  it('streams the installations of the caller’s agency', async () => {
    const stream = await firstEvent('/api/ghl/installations', bearer(agencyA.token));
    expect(stream).toMatchObject({ status: 200, event: 'installations', data: { items: [] } });
    expect((await firstEvent('/api/ghl/installations', {})).status).toBe(401);
    // Each stream the dashboard opens accepts a ticket (the route declares itself an event stream).
    for (const path of ['/api/ghl/installations', '/api/webhooks/overview']) {
      const ticket = await ticketFor(agencyA.token);
      expect((await firstEvent(`${path}?ticket=${encodeURIComponent(ticket)}`, {})).status, path).toBe(200);
    }
  });

  it('streams the notifications summary to a ticket; outside sandbox mode it says there is no sandbox inbox, whose route answers 404', async () => {
    const ticket = await ticketFor(agencyA.token);
    const stream = await firstEvent(`/api/notifications/deliveries/summary?hours=168&ticket=${encodeURIComponent(ticket)}`, {});
    expect(stream).toMatchObject({ status: 200, event: 'summary', data: { hasSandboxInbox: false, byChannel: [], endpoints: [] } });
    expect((await firstEvent('/api/notifications/deliveries/summary', {})).status).toBe(401);
    const member = await createLocationUser(app, agencyA.token, agencyA.locationIds[0] ?? '', 'location_member');
    const refused = await firstEvent('/api/notifications/deliveries/summary', bearer(member.token));
    expect(refused).toMatchObject({ status: 403, contentType: expect.stringContaining('application/json') });
    const inbox = await app.app.inject({ method: 'GET', url: '/api/notifications/sandbox/messages', headers: bearer(agencyA.token) });
    expect(inbox.statusCode).toBe(404);
    expect(inbox.json().error.code).toBeDefined();
  });

  it('lets a location member stream their own location only', async () => {
    const member = await createLocationUser(app, agencyA.token, agencyA.locationIds[0] ?? '', 'location_member');
    expect((await firstEvent(`/api/sync/health/${agencyA.locationIds[0] ?? ''}`, bearer(member.token))).status).toBe(200);
    expect((await firstEvent(`/api/sync/health/${agencyB.locationIds[0] ?? ''}`, bearer(member.token))).status).toBe(404);
    expect((await firstEvent('/api/webhooks/overview', bearer(member.token))).status).toBe(403);
  });

  it('reads up to 200 reconciliation runs for the coverage chart and checks the limit', async () => {
    const locationId = agencyA.locationIds[0] ?? '';
    const ok = await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${locationId}?limit=50`, headers: bearer(agencyA.token) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ locationId, runs: [] });
    for (const limit of ['0', '201', 'many']) {
      const bad = await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${locationId}?limit=${limit}`, headers: bearer(agencyA.token) });
      expect(bad.statusCode).toBe(400);
    }
    const foreign = await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${agencyB.locationIds[0] ?? ''}?limit=5`, headers: bearer(agencyA.token) });
    expect(foreign.statusCode).toBe(404);
  });

  it('documents the dashboard’s endpoints in the OpenAPI document', async () => {
    const doc = (await app.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { summary?: string }>> }>();
    for (const path of ['/api/auth/session', '/api/auth/session/register', '/api/auth/demo-session', '/api/webhooks/series', '/api/webhooks/overview', '/api/notifications/deliveries/summary']) expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/sync/health/{locationId}']?.get?.summary).toContain('text/event-stream');
    expect(doc.paths['/api/notifications/deliveries/summary']?.get?.summary).toContain('text/event-stream');
    expect(doc.paths['/dashboard/']).toBeUndefined();
  });
});
