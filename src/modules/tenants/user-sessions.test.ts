import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, bearer, type TestApp } from '../../../test/support/test-app.js';
import { createAgency, createLocationUser, TEST_PASSWORD, uniqueEmail } from '../../../test/support/factories.js';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { loadConfig } from '../../config/index.js';
import { KeyRing, generateVaultKey } from '../../platform/crypto/index.js';
import { queryRows } from '../../platform/db/index.js';
import { createLogger } from '../../platform/log/index.js';
import { wireApp } from '../../main/wire.js';
import { ENDED_SESSION_RETENTION_DAYS, purgeEndedSessionsJob } from './user-sessions.js';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_IP: '1000', LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3' } });
});
afterAll(async () => app.close());

async function logIn(email: string, userAgent = 'vitest'): Promise<string> {
  const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD }, headers: { 'user-agent': userAgent } });
  expect(response.statusCode).toBe(200);
  return response.json<{ token: string }>().token;
}

const me = (headers: Record<string, string>) => app.app.inject({ method: 'GET', url: '/api/auth/me', headers });
const sessionsOf = async (token: string) => {
  const response = await app.app.inject({ method: 'GET', url: '/api/auth/sessions', headers: bearer(token) });
  expect(response.statusCode).toBe(200);
  return response.json<{ items: { id: string; userAgent: string | null; ip: string | null; isCurrent: boolean; createdAt: string; expiresAt: string }[] }>().items;
};

/** The status an event stream answers (the stream itself is closed at once). */
async function openStream(url: string): Promise<number> {
  const address = await app.app.listen({ host: '127.0.0.1', port: 0 }).catch(() => `http://127.0.0.1:${(app.app.server.address() as { port: number }).port}`);
  const aborter = new AbortController();
  try {
    const response = await fetch(`${address}${url}`, { headers: { accept: 'text/event-stream' }, signal: aborter.signal });
    return response.status;
  } finally {
    aborter.abort();
  }
}

describe('user sessions', () => {
  it('logout ends the token at once (and its stream tickets), while the user\'s other sessions go on', async () => {
    const agency = await createAgency(app, 0);
    const laptop = await logIn(agency.email, 'laptop');
    const phone = await logIn(agency.email, 'phone');
    const ticket = (await app.app.inject({ method: 'POST', url: '/api/auth/stream-ticket', headers: bearer(laptop) })).json<{ ticket: string }>().ticket;
    const streamUrl = `/api/webhooks/overview?ticket=${encodeURIComponent(ticket)}`;
    expect((await me(bearer(laptop))).statusCode).toBe(200);
    expect(await openStream(streamUrl)).toBe(200);

    const logout = await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(laptop) });
    expect(logout.statusCode).toBe(204);
    const refused = await me(bearer(laptop));
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    // The ticket was signed for the laptop's session: it ends with it.
    expect(await openStream(streamUrl)).toBe(401);
    expect((await me(bearer(phone))).statusCode).toBe(200);
    // Logging out twice is not an error the second time: the token is simply no longer a session.
    expect((await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(laptop) })).statusCode).toBe(401);
  });

  it('browser logout ends the cookie\'s session: the same cookie replayed afterwards is refused', async () => {
    const agency = await createAgency(app, 0);
    const login = await app.app.inject({ method: 'POST', url: '/api/auth/session', payload: { email: agency.email, password: TEST_PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const csrfToken = login.json<{ csrfToken: string }>().csrfToken;
    expect((await me({ cookie })).statusCode).toBe(200);
    const logout = await app.app.inject({ method: 'DELETE', url: '/api/auth/session', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(logout.statusCode).toBe(204);
    expect((await me({ cookie })).statusCode).toBe(401);
    expect((await app.app.inject({ method: 'GET', url: '/api/auth/session', headers: { cookie } })).json()).toMatchObject({ isAuthenticated: false });
  });

  it('a cross-site logout (no CSRF token) only clears the cookie: it cannot end the session', async () => {
    const agency = await createAgency(app, 0);
    const login = await app.app.inject({ method: 'POST', url: '/api/auth/session', payload: { email: agency.email, password: TEST_PASSWORD } });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const logout = await app.app.inject({ method: 'DELETE', url: '/api/auth/session', headers: { cookie } });
    expect(logout.statusCode).toBe(204);
    expect(String(logout.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await me({ cookie })).statusCode).toBe(200);
  });

  it('lists the caller\'s live sessions only, newest first, with where they started and which one is current', async () => {
    const agency = await createAgency(app, 1);
    const first = await logIn(agency.email, 'Mozilla/5.0 (first)');
    const second = await logIn(agency.email, `Mozilla/5.0 ${'x'.repeat(300)}`);
    const member = await createLocationUser(app, agency.token, agency.locationIds[0] as string, 'location_member');
    await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(agency.token) });

    const items = await sessionsOf(second);
    expect(items.map((item) => item.userAgent?.slice(0, 20))).toEqual(['Mozilla/5.0 xxxxxxxx', 'Mozilla/5.0 (first)']);
    expect(items.map((item) => item.isCurrent)).toEqual([true, false]);
    expect(items[0]?.userAgent).toHaveLength(200);
    expect(items[0]?.ip).toBe('127.0.0.1');
    // The row expires with its token (whole seconds, JWT exp).
    expect(Math.abs(Date.parse(items[0]?.expiresAt ?? '') - Date.parse(items[0]?.createdAt ?? '') - 7 * 24 * 3600 * 1000)).toBeLessThan(1000);
    // The member's session is theirs alone; the signed-up admin session was logged out above.
    const memberItems = await sessionsOf(member.token);
    expect(memberItems).toHaveLength(1);
    expect(items.map((item) => item.id)).not.toContain(memberItems[0]?.id);
    expect((await sessionsOf(first)).find((item) => item.isCurrent)?.id).toBe(items[1]?.id);
  });

  it('ends one of your own sessions by id; another user\'s session id is 404 and stays live', async () => {
    const agency = await createAgency(app, 0);
    const other = await createAgency(app, 0);
    const mine = await logIn(agency.email);
    const [otherSession] = await sessionsOf(other.token);
    const foreign = await app.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${otherSession?.id}`, headers: bearer(mine) });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ error: { code: 'not_found' } });
    expect((await me(bearer(other.token))).statusCode).toBe(200);

    const signUpSession = (await sessionsOf(mine)).find((item) => !item.isCurrent);
    const ended = await app.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${signUpSession?.id}`, headers: bearer(mine) });
    expect(ended.statusCode).toBe(204);
    expect((await me(bearer(agency.token))).statusCode).toBe(401);
    expect((await app.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${signUpSession?.id}`, headers: bearer(mine) })).statusCode).toBe(404);
    expect((await me(bearer(mine))).statusCode).toBe(200);
  });

  it('signs out every other session of the caller and keeps the current one', async () => {
    const agency = await createAgency(app, 0);
    const others = [await logIn(agency.email), await logIn(agency.email)];
    const keeper = await logIn(agency.email);
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/sessions/sign-out-others', headers: bearer(keeper) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ended: 3 });
    for (const token of [agency.token, ...others]) expect((await me(bearer(token))).statusCode).toBe(401);
    expect((await me(bearer(keeper))).statusCode).toBe(200);
    expect((await sessionsOf(keeper)).map((item) => item.isCurrent)).toEqual([true]);
  });

  it('answers 403 users_only to an API key, which has no session', async () => {
    const agency = await createAgency(app, 1);
    const created = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'k', locationId: agency.locationIds[0] } });
    const headers = { 'x-api-key': created.json<{ key: string }>().key };
    for (const [method, url] of [['POST', '/api/auth/logout'], ['GET', '/api/auth/sessions'], ['POST', '/api/auth/sessions/sign-out-others'], ['DELETE', '/api/auth/sessions/ses_x']] as const) {
      const response = await app.app.inject({ method, url, headers });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json()).toMatchObject({ error: { code: 'users_only' } });
    }
  });

  it('keeps a logout across a restart: a new process on the same database refuses the ended token and accepts the live one', async () => {
    const database = await createTestDatabase();
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    const keyRing = new KeyRing(new Map([['k', Buffer.from(generateVaultKey(), 'base64')]]), 'k');
    const wire = () => wireApp({ config, database, logger: createLogger({ level: 'silent' }), jwtSecret: 'test-secret-that-is-at-least-32-characters-long', keyRing });
    const before = await wire();
    let tokens: string[];
    try {
      const email = uniqueEmail('restart');
      const signup = await before.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: TEST_PASSWORD, name: 'R', companyName: 'Restart Agency' } });
      const second = await before.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: TEST_PASSWORD } });
      tokens = [signup.json<{ token: string }>().token, second.json<{ token: string }>().token];
      expect((await before.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(tokens[0] as string) })).statusCode).toBe(204);
    } finally {
      await before.app.close();
    }
    const after = await wire();
    try {
      expect((await after.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(tokens[0] as string) })).statusCode).toBe(401);
      expect((await after.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(tokens[1] as string) })).statusCode).toBe(200);
    } finally {
      await after.app.close();
      await database.close();
    }
  });

  it('the daily purge deletes sessions that ended over a week ago and keeps the rest', async () => {
    const agency = await createAgency(app, 0);
    const ended = await logIn(agency.email);
    const live = await logIn(agency.email);
    const endedId = (await sessionsOf(ended)).find((item) => item.isCurrent)?.id;
    await app.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(ended) });
    const ids = async () => (await queryRows<{ id: string }>(app.database.db, sql`select s.id from user_sessions s join users u on u.id = s.user_id where u.email = ${agency.email.toLowerCase()} order by s.id`)).map((row) => row.id);
    const all = await ids();
    expect(all).toHaveLength(3);
    // A week after the logout the ended row goes; the live sessions (7-day tokens, still live by a margin) stay.
    const soon = { now: () => new Date(Date.now() + (ENDED_SESSION_RETENTION_DAYS - 1) * 86_400_000) };
    expect(await purgeEndedSessionsJob({ database: app.database, clock: soon }, '* * * * *').run()).toMatchObject({ deleted: 0 });
    const later = { now: () => new Date(Date.now() + ENDED_SESSION_RETENTION_DAYS * 86_400_000 + 60_000) };
    const result = await purgeEndedSessionsJob({ database: app.database, clock: later }, '* * * * *').run();
    expect((result as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
    expect(await ids()).toEqual(all.filter((id) => id !== endedId));
    expect((await me(bearer(live))).statusCode).toBe(200);
  });
});

describe('changing the password', () => {
  const change = (token: string, body: Record<string, string>) => app.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(token), payload: body });
  const logInWith = (email: string, password: string) => app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });

  it('needs the current password, then logs in with the new one only and ends every other session', async () => {
    const agency = await createAgency(app, 0);
    const other = await logIn(agency.email);
    const current = await logIn(agency.email);
    const response = await change(current, { currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-passphrase' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ endedSessions: 2 });
    for (const token of [agency.token, other]) expect((await me(bearer(token))).statusCode).toBe(401);
    expect((await me(bearer(current))).statusCode).toBe(200);
    expect((await logInWith(agency.email, TEST_PASSWORD)).statusCode).toBe(401);
    expect((await logInWith(agency.email, 'a-brand-new-passphrase')).statusCode).toBe(200);
  });

  it('refuses a wrong current password (400, not 401: the session is fine), the same password, and weak ones, changing nothing', async () => {
    const agency = await createAgency(app, 0);
    const wrong = await change(agency.token, { currentPassword: 'not-my-password', newPassword: 'a-brand-new-passphrase' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: { code: 'current_password_incorrect' } });
    const same = await change(agency.token, { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD });
    expect(same.json()).toMatchObject({ error: { code: 'password_unchanged' } });
    const common = await change(agency.token, { currentPassword: TEST_PASSWORD, newPassword: 'password123' });
    expect(common.json()).toMatchObject({ error: { code: 'password_too_common' } });
    const local = agency.email.split('@')[0] as string;
    expect((await change(agency.token, { currentPassword: TEST_PASSWORD, newPassword: local })).json()).toMatchObject({ error: { code: 'password_matches_email' } });
    const short = await change(agency.token, { currentPassword: TEST_PASSWORD, newPassword: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect((await me(bearer(agency.token))).statusCode).toBe(200);
    expect((await logInWith(agency.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('counts wrong current passwords against the login throttle of the account', async () => {
    const agency = await createAgency(app, 0);
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await change(agency.token, { currentPassword: `wrong-${attempt}-guess`, newPassword: 'a-brand-new-passphrase' })).statusCode).toBe(400);
    const throttled = await change(agency.token, { currentPassword: TEST_PASSWORD, newPassword: 'a-brand-new-passphrase' });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.headers['retry-after']).toMatch(/^\d+$/);
    // One budget: the login form is throttled for this account too.
    expect((await logInWith(agency.email, TEST_PASSWORD)).statusCode).toBe(429);
  });

  it('answers 403 users_only to an API key', async () => {
    const agency = await createAgency(app, 1);
    const created = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'k', locationId: agency.locationIds[0] } });
    const response = await app.app.inject({ method: 'POST', url: '/api/auth/password', headers: { 'x-api-key': created.json<{ key: string }>().key }, payload: { currentPassword: 'x', newPassword: 'a-brand-new-passphrase' } });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'users_only' } });
  });
});
