import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { createTestApp, bearer, type TestApp } from '../../../test/support/test-app.js';
import { createAgency } from '../../../test/support/factories.js';
import { startSandbox, type SandboxHandle } from '../../sandbox/index.js';

let sandbox: SandboxHandle;
let app: TestApp;
let agency: Awaited<ReturnType<typeof createAgency>>;
let ticket: string;

/** The routes that answer Server-Sent Events; every other route must refuse a ticket. */
const EVENT_STREAM_ROUTES = new Set(['GET /api/sync/progress/{locationId}', 'GET /api/sync/health/{locationId}', 'GET /api/ghl/installations', 'GET /api/webhooks/overview', 'GET /api/notifications/deliveries/summary']);

interface Operation {
  method: string;
  path: string;
  isPublic: boolean;
}

function listOperations(): Operation[] {
  const doc = app.app.swagger() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      // `security: []` marks a public route; the install route is public but reads credentials when sent.
      isPublic: (Array.isArray(operation.security) && operation.security.length === 0) || path === '/api/oauth/install',
    })),
  );
}

function urlOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'locationId' ? (agency.locationIds[0] as string) : `unknown_${name}`));
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 3, locations: 1, contacts: 1 });
  app = await createTestApp({ sandbox });
  agency = await createAgency(app, 1);
  const issued = await app.app.inject({ method: 'POST', url: '/api/auth/stream-ticket', headers: bearer(agency.token) });
  expect(issued.statusCode).toBe(200);
  ticket = issued.json<{ ticket: string }>().ticket;
});

afterAll(async () => {
  await app.close();
  await sandbox.close();
});

describe('stream tickets', () => {
  it('are refused with 401 by every route of the OpenAPI document that is not an event stream, whatever the headers', async () => {
    const operations = listOperations().filter((operation) => operation.path.startsWith('/api/') && !operation.isPublic && !EVENT_STREAM_ROUTES.has(`${operation.method} ${operation.path}`));
    expect(operations.filter((operation) => operation.method === 'GET').length).toBeGreaterThan(20);
    const accepted: string[] = [];
    for (const operation of operations) {
      const url = `${urlOf(operation.path)}?ticket=${encodeURIComponent(ticket)}`;
      const method = operation.method as 'GET' | 'POST' | 'PATCH' | 'DELETE';
      for (const accept of ['text/event-stream', 'application/json', '*/*']) {
        const response = await app.app.inject({ method, url, headers: { accept } });
        if (response.statusCode !== 401) accepted.push(`${operation.method} ${operation.path} (accept ${accept}): ${response.statusCode}`);
        else expect(response.json().error.code).toBe('unauthenticated');
      }
      // The same request with the user's session gets past authentication: the ticket was the problem.
      if (method === 'GET') {
        const withSession = await app.app.inject({ method, url: urlOf(operation.path), headers: bearer(agency.token) });
        expect(withSession.statusCode, `${operation.method} ${operation.path}`).not.toBe(401);
      }
    }
    expect(accepted).toEqual([]);
  });

  it('do not act as credentials on a public route that reads them', async () => {
    const asTicket = await app.app.inject({ method: 'GET', url: `/api/oauth/install?userType=Company&redirect=false&ticket=${encodeURIComponent(ticket)}`, headers: { accept: 'text/event-stream' } });
    const asSession = await app.app.inject({ method: 'GET', url: '/api/oauth/install?userType=Company&redirect=false', headers: bearer(agency.token) });
    const companyInState = (response: { json: () => { url: string } }) => decodeJwt(new URL(response.json().url).searchParams.get('state') ?? '').companyId;
    expect(companyInState(asSession)).toBe(agency.companyId);
    expect(companyInState(asTicket)).toBeUndefined();
  });

  it('open the event stream route only for the stream itself', async () => {
    const url = `/api/sync/progress/${agency.locationIds[0]}?ticket=${encodeURIComponent(ticket)}`;
    expect((await app.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect((await app.app.inject({ method: 'GET', url, headers: { accept: 'application/json' } })).statusCode).toBe(401);
    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    const aborter = new AbortController();
    try {
      const response = await fetch(`${address}${url}`, { headers: { accept: 'text/event-stream' }, signal: aborter.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    } finally {
      aborter.abort();
    }
  });
});
