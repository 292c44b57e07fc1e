import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface JsonSchema {
  type?: string;
  enum?: string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}
interface Operation {
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}
type Paths = Record<string, Record<string, Operation>>;

let sandbox: SandboxHandle;
let app: TestApp;
let paths: Paths;
beforeAll(async () => {
  // Wired to the sandbox so the GHL routes (OAuth install and callback) are registered too.
  sandbox = await startSandbox({ port: 0, seed: 3, locations: 1, contacts: 0 });
  app = await createTestApp({ sandbox });
  const response = await app.app.inject({ method: 'GET', url: '/docs/json' });
  expect(response.statusCode).toBe(200);
  paths = response.json<{ paths: Paths }>().paths;
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

/** The codes an operation documents for one status, read from the `error.code` enum of its JSON body. */
function codesOf(operation: Operation, status: number): string[] | undefined {
  const schema = operation.responses[String(status)]?.content?.['application/json']?.schema;
  return schema?.properties?.['error']?.properties?.['code']?.enum;
}

function operation(method: string, path: string): Operation {
  const found = paths[path]?.[method];
  if (!found) throw new Error(`${method} ${path} is not in the OpenAPI document`);
  return found;
}

function allOperations(): [string, Operation][] {
  return Object.entries(paths).flatMap(([path, operations]) => Object.entries(operations).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]));
}

describe('OpenAPI error responses', () => {
  it('names the codes of every 4xx response of every operation (and of every 5xx error envelope), in the one error envelope', () => {
    const errorResponses = allOperations().flatMap(([name, op]) =>
      Object.entries(op.responses)
        .filter(([status, response]) => (Number(status) >= 400 && Number(status) < 500) || (Number(status) >= 500 && response.content?.['application/json']?.schema.properties?.['error'] !== undefined))
        .map(([status, response]) => ({ name, status, response })),
    );
    expect(errorResponses.length).toBeGreaterThan(100);
    for (const { name, status, response } of errorResponses) {
      const schema = response.content?.['application/json']?.schema;
      const error = schema?.properties?.['error'];
      expect(schema?.required, `${name} ${status}`).toEqual(['error']);
      expect(error?.required, `${name} ${status}`).toEqual(expect.arrayContaining(['code', 'message', 'requestId']));
      const codes = error?.properties?.['code']?.enum;
      expect(codes?.length, `${name} ${status} lists its codes`).toBeGreaterThan(0);
      for (const code of codes ?? []) {
        expect(code, `${name} ${status}`).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(response.description, `${name} ${status} names ${code}`).toContain(`\`${code}\``);
      }
    }
  });

  it('documents 401 unauthenticated exactly on the routes that refuse a call without credentials', async () => {
    const apiOperations = allOperations().filter(([name]) => name.includes(' /api/'));
    expect(apiOperations.length).toBeGreaterThan(50);
    for (const [name, op] of apiOperations) {
      const [method, path] = name.split(' ') as [string, string];
      const response = await app.app.inject({ method: method as 'GET', url: path.replace(/\{[^}]+\}/g, 'x') });
      const isRefused = response.statusCode === 401 && response.json<{ error: { code: string } }>().error.code === 'unauthenticated';
      expect(codesOf(op, 401)?.includes('unauthenticated') ?? false, name).toBe(isRefused);
    }
  });

  it('documents the platform answers on input: 400 invalid text everywhere, validation wherever there is input, 414 on path parameters, 413/415 wherever there is a body', () => {
    for (const [name, op] of allOperations()) {
      if (!name.includes(' /api/')) continue;
      expect(codesOf(op, 400), name).toContain('invalid_text');
      if (op.parameters?.length || op.requestBody) expect(codesOf(op, 400), name).toContain('validation_failed');
      if (name.includes('{')) {
        expect(codesOf(op, 400), name).toContain('bad_url');
        expect(codesOf(op, 414), name).toEqual(['uri_too_long']);
      }
      if (op.requestBody) {
        expect(codesOf(op, 400), name).toEqual(expect.arrayContaining(['malformed_body', 'bad_request']));
        expect(codesOf(op, 413), name).toEqual(['payload_too_large']);
        expect(codesOf(op, 415), name).toEqual(['unsupported_media_type']);
      }
    }
  });

  it('lists exactly the codes known routes answer, per status', () => {
    const login = operation('post', '/api/auth/login');
    expect(codesOf(login, 401)).toEqual(['invalid_credentials']);
    expect(codesOf(login, 429)).toEqual(['too_many_attempts']);
    expect(codesOf(login, 400)).toEqual(['bad_request', 'invalid_text', 'malformed_body', 'validation_failed']);

    const register = operation('post', '/api/auth/register');
    expect(codesOf(register, 409)).toEqual(['email_taken']);
    expect(codesOf(register, 400)).toEqual(['bad_request', 'invalid_text', 'invite_email_mismatch', 'invite_invalid', 'malformed_body', 'password_matches_email', 'password_too_common', 'validation_failed']);
    expect(codesOf(register, 429)).toEqual(['too_many_attempts']);
    expect(register.responses['401']).toBeUndefined();

    const location = operation('get', '/api/locations/{locationId}');
    expect(codesOf(location, 401)).toEqual(['unauthenticated']);
    expect(codesOf(location, 404)).toEqual(['not_found']);
    expect(codesOf(location, 400)).toEqual(['bad_url', 'invalid_text', 'validation_failed']);
    expect(codesOf(location, 414)).toEqual(['uri_too_long']);
    expect(location.responses['403']).toBeUndefined();

    const createInvite = operation('post', '/api/invites');
    // A state-changing route can refuse a cookie-authenticated call without its CSRF token.
    expect(codesOf(createInvite, 403)).toEqual(['csrf_token_invalid', 'forbidden']);
    expect(codesOf(createInvite, 404)).toEqual(['location_not_found']);
    expect(codesOf(createInvite, 400)).toEqual(['bad_request', 'company_required', 'invalid_text', 'malformed_body', 'role_mismatch', 'validation_failed']);

    const freeSlots = operation('get', '/api/locations/{locationId}/calendars/{calendarId}/free-slots');
    expect(codesOf(freeSlots, 400)).toEqual(['bad_url', 'invalid_text', 'invalid_timezone', 'invalid_window', 'validation_failed']);
    expect(codesOf(freeSlots, 404)).toEqual(['not_found']);
    expect(codesOf(freeSlots, 409)).toEqual(['not_linked']);
    expect(codesOf(freeSlots, 502)).toEqual(['ghl_unavailable']);
    expect(codesOf(freeSlots, 503)).toEqual(['ghl_not_configured']);

    const sendMessage = operation('post', '/api/locations/{locationId}/contacts/{contactId}/messages');
    expect(codesOf(sendMessage, 409)).toEqual(['contact_dnd', 'not_linked']);
    expect(codesOf(sendMessage, 400)).toEqual(['bad_request', 'bad_url', 'invalid_message', 'invalid_text', 'malformed_body', 'unknown_contact', 'validation_failed']);

    const deleteContact = operation('delete', '/api/locations/{locationId}/contacts/{contactId}');
    expect(codesOf(deleteContact, 404)).toEqual(['not_found']);
    expect(deleteContact.responses['409']).toBeUndefined();

    const resync = operation('post', '/api/sync/progress/{locationId}/resync');
    expect(codesOf(resync, 409)).toEqual(['not_installed']);
    expect(codesOf(resync, 501)).toEqual(['not_enabled']);

    const ingest = operation('post', '/api/webhooks/ghl');
    expect(codesOf(ingest, 401)).toEqual(['webhook_replay_rejected', 'webhook_signature_invalid']);
    expect(codesOf(ingest, 429)).toEqual(['webhook_overloaded', 'webhook_store_unavailable']);
    expect(codesOf(ingest, 413)).toEqual(['payload_too_large']);

    const replay = operation('post', '/api/webhooks/events/{id}/replay');
    expect(codesOf(replay, 403)).toEqual(['csrf_token_invalid', 'forbidden']);
    expect(codesOf(replay, 404)).toEqual(['webhook_event_not_found']);
    expect(codesOf(replay, 409)).toEqual(['webhook_event_in_flight']);

    const callback = operation('get', '/api/oauth/callback');
    expect(codesOf(callback, 400)).toEqual(['code_rejected', 'invalid_text', 'state_invalid', 'token_incomplete', 'validation_failed']);
    expect(codesOf(callback, 502)).toEqual(['ghl_unavailable']);

    expect(codesOf(operation('get', '/metrics'), 401)).toEqual(['unauthenticated']);
    const status = operation('get', '/api/status');
    expect(Object.keys(status.responses).sort()).toEqual(['200', '400', '503']);
    expect(codesOf(status, 400)).toEqual(['invalid_text']);
  });

  it('answers bad input on every operation with a code its document lists for that status', async () => {
    const registered = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'probe@example.com', password: 'long-enough-password', name: 'Probe', companyName: 'Probe Co' } });
    const authorization = `Bearer ${registered.json<{ token: string }>().token}`;
    let checked = 0;
    for (const [name, op] of allOperations()) {
      const [method, path] = name.split(' ') as [string, string];
      if (!path.startsWith('/api/')) continue;
      const hasBody = method !== 'GET';
      for (const id of ['x', '%zz', 'a'.repeat(300), 'nul%00']) {
        const url = `${path.replace(/\{[^}]+\}/g, id)}?limit=abc`;
        const bodies = hasBody ? [{ 'content-type': 'application/json', payload: '{"broken' }, { 'content-type': 'application/json', payload: '[]' }, { 'content-type': 'text/xml', payload: '<x/>' }] : [undefined];
        for (const body of bodies) {
          const response = await app.app.inject({ method: method as 'GET', url, headers: { authorization, ...(body ? { 'content-type': body['content-type'] } : {}) }, ...(body ? { payload: body.payload } : {}) });
          if (response.statusCode < 400) continue;
          checked += 1;
          const code = response.json<{ error: { code: string } }>().error.code;
          expect(codesOf(op, response.statusCode), `${name} ${url} answered ${response.statusCode} ${code}`).toContain(code);
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('answers with the documented codes (the serializer holds each error body to its enum)', async () => {
    const cases: { method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string; status: number; code: string; path: string }[] = [
      { method: 'GET', url: '/api/locations/nope', status: 401, code: 'unauthenticated', path: '/api/locations/{locationId}' },
      { method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ', status: 400, code: 'malformed_body', path: '/api/auth/login' },
      { method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{}', status: 400, code: 'validation_failed', path: '/api/auth/login' },
      { method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }), status: 401, code: 'invalid_credentials', path: '/api/auth/login' },
      { method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@example.com', password: 'long-enough-password', name: 'Ada', inviteCode: 'sbi_nope-nope-nope' }), status: 400, code: 'invite_invalid', path: '/api/auth/register' },
    ];
    for (const { path, status, code, ...request } of cases) {
      const response = await app.app.inject(request);
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(status);
      expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
      expect(codesOf(operation(request.method.toLowerCase(), path), status)).toContain(code);
    }
  });
});
