import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
});
afterAll(async () => app.close());

function expectErrorBody(body: unknown, code: string) {
  expect(body).toMatchObject({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
}

describe('HTTP platform', () => {
  it('answers unknown routes with the error body', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(response.statusCode).toBe(404);
    expectErrorBody(response.json(), 'route_not_found');
    expect(response.json().error.requestId).toBe(response.headers['x-request-id']);
  });

  it('refuses malformed JSON with 400', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expect(response.statusCode).toBe(400);
    expectErrorBody(response.json(), 'malformed_body');
  });

  it('refuses oversize bodies with 413', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(10_000) }) });
    expect(response.statusCode).toBe(413);
    expectErrorBody(response.json(), 'payload_too_large');
  });

  it('refuses an unsupported content type with 415', async () => {
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
    expect(response.statusCode).toBe(415);
    expectErrorBody(response.json(), 'unsupported_media_type');
  });

  it('echoes a safe incoming request id and replaces an unsafe one', async () => {
    const safe = await app.app.inject({ method: 'GET', url: '/api/health/live', headers: { 'x-request-id': 'abc-123' } });
    expect(safe.headers['x-request-id']).toBe('abc-123');
    const unsafe = await app.app.inject({ method: 'GET', url: '/api/health/live', headers: { 'x-request-id': 'bad id with spaces' } });
    expect(unsafe.headers['x-request-id']).not.toBe('bad id with spaces');
  });

  it('serves OpenAPI 3.1 with every API route and the interactive reference', async () => {
    const spec = await app.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const document = spec.json<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
    expect(document.openapi).toBe('3.1.0');
    for (const path of ['/api/auth/login', '/api/auth/register', '/api/auth/me', '/api/locations/{locationId}', '/api/api-keys', '/api/invites', '/api/status']) {
      expect(Object.keys(document.paths)).toContain(path);
    }
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations)) expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
    }
    const ui = await app.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toContain('text/html');
  });

  it('allows configured CORS origins only', async () => {
    const withCors = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example.com' } });
    try {
      const allowed = await withCors.app.inject({ method: 'OPTIONS', url: '/api/auth/login', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      const denied = await withCors.app.inject({ method: 'OPTIONS', url: '/api/auth/login', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('request logging', () => {
  it('masks secrets carried in query strings (OAuth codes, stream tickets)', async () => {
    const logged = await createTestApp({ env: { LOG_LEVEL: 'info' } });
    try {
      await logged.app.inject({ method: 'GET', url: '/api/oauth/callback?code=SECRET-CODE&state=SECRET-STATE' });
      await logged.app.inject({ method: 'GET', url: '/api/sync/progress/loc_1?ticket=SECRET-TICKET&x=1' });
      const lines = logged.logs.join('\n');
      expect(lines).toContain('"url":"/api/oauth/callback?code=[redacted]&state=[redacted]"');
      expect(lines).toContain('ticket=[redacted]&x=1');
      expect(lines).not.toMatch(/SECRET-/);
    } finally {
      await logged.close();
    }
  });
});
