import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, bearer, type TestApp } from '../../../test/support/test-app.js';
import { createAgency, createLocationUser, TEST_PASSWORD, uniqueEmail } from '../../../test/support/factories.js';
import { loadConfig } from '../../config/index.js';
import { createLogger } from '../../platform/log/index.js';
import { KeyRing, generateVaultKey } from '../../platform/crypto/index.js';
import { wireApp } from '../../main/wire.js';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { DEMO_ACCOUNTS } from './seed-demo-tenant.js';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3', LOGIN_MAX_ATTEMPTS_PER_IP: '1000' } });
});
afterAll(async () => app.close());

/** The `name=value` of the session cookie a response sets, and its attributes. */
function sessionCookieOf(response: { headers: Record<string, unknown> }) {
  const header = response.headers['set-cookie'];
  const line = (Array.isArray(header) ? header : [header]).find((value): value is string => typeof value === 'string' && value.startsWith('sb_session='));
  if (!line) throw new Error('no session cookie set');
  const [pair, ...attributes] = line.split('; ');
  return { pair: pair ?? '', attributes };
}

async function browserLogin(email: string, password = TEST_PASSWORD, headers: Record<string, string> = {}) {
  const response = await app.app.inject({ method: 'POST', url: '/api/auth/session', payload: { email, password }, headers });
  return { response, cookie: response.statusCode === 200 ? sessionCookieOf(response) : undefined, csrfToken: response.statusCode === 200 ? response.json<{ csrfToken: string }>().csrfToken : '' };
}

describe('browser sessions (httpOnly cookie + CSRF token)', () => {
  it('logs in with a cookie scripts cannot read, never putting the token in the body', async () => {
    const agency = await createAgency(app);
    const { response, cookie, csrfToken } = await browserLogin(agency.email);
    expect(response.statusCode).toBe(200);
    expect(cookie?.attributes).toEqual(expect.arrayContaining(['Path=/api', 'HttpOnly', 'SameSite=Strict', `Max-Age=${7 * 24 * 3600}`]));
    expect(cookie?.attributes).not.toContain('Secure');
    expect(response.json()).not.toHaveProperty('token');
    expect(response.body).not.toContain(cookie?.pair.split('=')[1] ?? 'x');
    expect(csrfToken).toMatch(/^[0-9a-f]{64}$/);

    const me = await app.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: cookie?.pair ?? '' } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: agency.email.toLowerCase(), role: 'agency_admin' });
    const state = await app.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: cookie?.pair ?? '' } });
    expect(state.json()).toMatchObject({ isAuthenticated: true, csrfToken, user: { email: agency.email.toLowerCase() }, isDemoAvailable: true });
    expect(state.headers['cache-control']).toBe('no-store');
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    const agency = await createAgency(app);
    const { cookie } = await browserLogin(agency.email, TEST_PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(cookie?.attributes).toContain('Secure');
  });

  it('requires the CSRF token on state-changing requests authenticated by the cookie', async () => {
    const agency = await createAgency(app, 0);
    const { cookie, csrfToken } = await browserLogin(agency.email);
    const headers = { cookie: cookie?.pair ?? '' };
    const forged = await app.app.inject({ method: 'POST', url: '/api/locations', headers, payload: { name: 'Forged' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf_token_invalid');
    const wrong = await app.app.inject({ method: 'POST', url: '/api/locations', headers: { ...headers, 'x-csrf-token': 'f'.repeat(64) }, payload: { name: 'Forged' } });
    expect(wrong.statusCode).toBe(403);
    const created = await app.app.inject({ method: 'POST', url: '/api/locations', headers: { ...headers, 'x-csrf-token': csrfToken }, payload: { name: 'Real' } });
    expect(created.statusCode).toBe(201);
    const list = await app.app.inject({ method: 'GET', url: '/api/locations', headers });
    expect(list.json<{ items: { name: string }[] }>().items.map((item) => item.name)).toEqual(['Real']);
    // Another session's CSRF token does not fit this cookie.
    const other = await browserLogin((await createAgency(app, 0)).email);
    const crossed = await app.app.inject({ method: 'POST', url: '/api/locations', headers: { ...headers, 'x-csrf-token': other.csrfToken }, payload: { name: 'Crossed' } });
    expect(other.csrfToken).not.toBe(csrfToken);
    expect(crossed.statusCode).toBe(403);
  });

  it('leaves bearer tokens and API keys as they were (no CSRF token needed, a header wins over the cookie)', async () => {
    const agency = await createAgency(app, 0);
    const created = await app.app.inject({ method: 'POST', url: '/api/locations', headers: bearer(agency.token), payload: { name: 'By token' } });
    expect(created.statusCode).toBe(201);
    const other = await createAgency(app);
    const { cookie } = await browserLogin(other.email);
    const both = await app.app.inject({ method: 'GET', url: '/api/locations', headers: { ...bearer(agency.token), cookie: cookie?.pair ?? '' } });
    expect(both.json<{ items: { name: string }[] }>().items.map((item) => item.name)).toEqual(['By token']);
  });

  it('answers a wrong password with 401 and sets no cookie; bad input is 400', async () => {
    const agency = await createAgency(app);
    const wrong = await app.app.inject({ method: 'POST', url: '/api/auth/session', payload: { email: agency.email, password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const bad = await app.app.inject({ method: 'POST', url: '/api/auth/session', payload: { email: agency.email } });
    expect(bad.statusCode).toBe(400);
  });

  it('logs out by clearing the cookie; an expired or forged cookie is no session', async () => {
    const agency = await createAgency(app);
    const { cookie } = await browserLogin(agency.email);
    const logout = await app.app.inject({ method: 'DELETE', url: '/api/auth/session', headers: { cookie: cookie?.pair ?? '' } });
    expect(logout.statusCode).toBe(204);
    expect(sessionCookieOf(logout).attributes).toContain('Max-Age=0');
    expect(sessionCookieOf(logout).pair).toBe('sb_session=');
    const forged = await app.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: 'sb_session=eyJhbGciOiJIUzI1NiJ9.e30.x' } });
    expect(forged.statusCode).toBe(401);
    const none = await app.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie: 'sb_session=expired' } });
    expect(none.json()).toMatchObject({ isAuthenticated: false, user: null, csrfToken: null });
  });

  it('expires with the session: a cookie past its JWT expiry is refused', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const clock = { now: () => now };
    const database = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_TTL_SECONDS: '60' });
    const wired = await wireApp({ config, database, logger: createLogger({ level: 'silent' }), jwtSecret: 'test-secret-that-is-at-least-32-characters-long', keyRing: new KeyRing(new Map([['k', Buffer.from(generateVaultKey(), 'base64')]]), 'k'), clock });
    try {
      const email = uniqueEmail('expiring');
      const signup = await wired.app.inject({ method: 'POST', url: '/api/auth/session/register', payload: { email, password: TEST_PASSWORD, name: 'Exp', companyName: 'Expiring Agency' } });
      expect(signup.statusCode).toBe(201);
      const cookie = sessionCookieOf(signup).pair;
      expect((await wired.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(200);
      now = new Date(now.getTime() + 61_000);
      expect((await wired.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
      expect((await wired.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).json()).toMatchObject({ isAuthenticated: false });
    } finally {
      await wired.app.close();
      await database.close();
    }
  });

  it('signs up an agency (or joins with an invite) straight into a cookie session', async () => {
    const email = uniqueEmail('signup');
    const signup = await app.app.inject({ method: 'POST', url: '/api/auth/session/register', payload: { email, password: TEST_PASSWORD, name: 'New', companyName: 'New Agency' } });
    expect(signup.statusCode).toBe(201);
    expect(signup.json()).toMatchObject({ user: { email, role: 'agency_admin' }, csrfToken: expect.any(String) });
    const again = await app.app.inject({ method: 'POST', url: '/api/auth/session/register', payload: { email, password: TEST_PASSWORD, name: 'New', companyName: 'New Agency' } });
    expect(again.statusCode).toBe(409);
    const short = await app.app.inject({ method: 'POST', url: '/api/auth/session/register', payload: { email: uniqueEmail(), password: 'short', name: 'N', companyName: 'A' } });
    expect(short.statusCode).toBe(400);
  });

  it('opens the demo agency in one click (idempotent) outside production, as its admin', async () => {
    const first = await app.app.inject({ method: 'POST', url: '/api/auth/demo-session', payload: {} });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ user: { email: DEMO_ACCOUNTS.adminEmail, role: 'agency_admin' }, demo: { isNew: true } });
    expect(first.json<{ demo: { locationIds: string[] } }>().demo.locationIds).toHaveLength(2);
    const second = await app.app.inject({ method: 'POST', url: '/api/auth/demo-session', payload: {} });
    expect(second.json()).toMatchObject({ demo: { isNew: false, companyId: first.json<{ demo: { companyId: string } }>().demo.companyId } });
    const cookie = sessionCookieOf(second).pair;
    const locations = await app.app.inject({ method: 'GET', url: '/api/locations', headers: { cookie } });
    expect(locations.json<{ total: number }>().total).toBe(2);
    // The demo password works for the documented accounts, member included.
    const member = await browserLogin(DEMO_ACCOUNTS.memberEmail, DEMO_ACCOUNTS.password);
    expect(member.response.statusCode).toBe(200);
    const bad = await app.app.inject({ method: 'POST', url: '/api/auth/demo-session', payload: { password: 'short' } });
    expect(bad.statusCode).toBe(400);
  });

  it('has no demo session in production', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', JWT_TTL_SECONDS: '60', JWT_SECRET: 'x'.repeat(40), VAULT_KEYS: `k:${generateVaultKey()}` });
    const wired = await wireApp({ config, database, logger: createLogger({ level: 'silent' }), jwtSecret: 'x'.repeat(40), keyRing: new KeyRing(new Map([['k', Buffer.from(generateVaultKey(), 'base64')]]), 'k') });
    try {
      const demo = await wired.app.inject({ method: 'POST', url: '/api/auth/demo-session', payload: {} });
      expect(demo.statusCode).toBe(404);
      expect((await wired.app.inject({ method: 'GET', url: '/api/auth/session' })).json()).toMatchObject({ isDemoAvailable: false });
    } finally {
      await wired.app.close();
      await database.close();
    }
  });

  it('lets a location member see only their location through the cookie', async () => {
    const agency = await createAgency(app, 2);
    const member = await createLocationUser(app, agency.token, agency.locationIds[0] ?? '', 'location_member');
    const { cookie } = await browserLogin(member.email);
    const locations = await app.app.inject({ method: 'GET', url: '/api/locations', headers: { cookie: cookie?.pair ?? '' } });
    expect(locations.json<{ items: { id: string }[] }>().items.map((item) => item.id)).toEqual([agency.locationIds[0]]);
    const foreign = await app.app.inject({ method: 'GET', url: `/api/locations/${agency.locationIds[1] ?? ''}`, headers: { cookie: cookie?.pair ?? '' } });
    expect(foreign.statusCode).toBe(404);
  });
});
