import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { createTestApp, bearer, type TestApp } from '../../../test/support/test-app.js';
import { createAgency, createLocationUser, TEST_PASSWORD, uniqueEmail } from '../../../test/support/factories.js';
import { queryRows } from '../../platform/db/index.js';

let app: TestApp;

beforeAll(async () => {
  app = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '3', LOGIN_MAX_ATTEMPTS_PER_IP: '1000' } });
});
afterAll(async () => app.close());

describe('register, login, me', () => {
  it('registers an agency admin, logs in with a 7-day JWT and reads /me', async () => {
    const email = uniqueEmail('Owner');
    const registered = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: TEST_PASSWORD, name: 'Owner', companyName: 'Owner Agency' } });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().user).toMatchObject({ email: email.toLowerCase(), role: 'agency_admin' });

    const login = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: email.toUpperCase(), password: TEST_PASSWORD } });
    expect(login.statusCode).toBe(200);
    const { token } = login.json<{ token: string }>();
    const claims = decodeJwt(token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(7 * 24 * 3600);

    const me = await app.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email: email.toLowerCase(), role: 'agency_admin' });
    expect(me.body).not.toContain('passwordHash');

    const [stored] = await queryRows<{ hash: string }>(app.database.db, sql`select password_hash as hash from users where email = ${email.toLowerCase()}`);
    expect(stored?.hash.startsWith('$argon2id$')).toBe(true);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const agency = await createAgency(app);
    const wrong = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: agency.email, password: 'not-the-password' } });
    const unknown = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: uniqueEmail('ghost'), password: 'not-the-password' } });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    expect(unknown.json().error.code).toBe('invalid_credentials');
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
  });

  it('rate limits login per account, even with the right password', async () => {
    const agency = await createAgency(app);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: agency.email, password: 'wrong-password!' } });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: agency.email, password: TEST_PASSWORD } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('rate limits login per IP across accounts', async () => {
    const limited = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '100', LOGIN_MAX_ATTEMPTS_PER_IP: '3' } });
    try {
      const agency = await createAgency(limited);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const response = await limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.7', payload: { email: uniqueEmail('guess'), password: 'wrong-password!' } });
        expect(response.statusCode).toBe(401);
      }
      const blocked = await limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.7', payload: { email: agency.email, password: TEST_PASSWORD } });
      expect(blocked.statusCode).toBe(429);
      const otherIp = await limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.8', payload: { email: agency.email, password: TEST_PASSWORD } });
      expect(otherIp.statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('checks at most the limit of 50 parallel wrong-password logins, per account and per IP; the rest get 429 with Retry-After', async () => {
    const limited = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '10', LOGIN_MAX_ATTEMPTS_PER_IP: '10' } });
    try {
      const countStatuses = (responses: { statusCode: number }[]) => ({
        checked: responses.filter((response) => response.statusCode === 401).length,
        refused: responses.filter((response) => response.statusCode === 429).length,
      });
      const agency = await createAgency(limited);
      // One account, 50 addresses: only the account's limit applies.
      const onAccount = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: `198.51.100.${index + 1}`, payload: { email: agency.email, password: 'wrong-password!' } }),
        ),
      );
      expect(countStatuses(onAccount)).toEqual({ checked: 10, refused: 40 });
      for (const response of onAccount.filter((item) => item.statusCode === 429)) {
        expect(response.json().error.code).toBe('too_many_attempts');
        expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      }
      const rightPassword = await limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '198.51.100.200', payload: { email: agency.email, password: TEST_PASSWORD } });
      expect(rightPassword.statusCode).toBe(429);

      // One address, 50 accounts: only the address's limit applies.
      const onIp = await Promise.all(
        Array.from({ length: 50 }, () =>
          limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.50', payload: { email: uniqueEmail('spray'), password: 'wrong-password!' } }),
        ),
      );
      expect(countStatuses(onIp)).toEqual({ checked: 10, refused: 40 });
      for (const response of onIp.filter((item) => item.statusCode === 429)) expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });

  it('gives a successful login its slot back: only failures use up the limit', async () => {
    const limited = await createTestApp({ env: { LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: '100', LOGIN_MAX_ATTEMPTS_PER_IP: '3' } });
    try {
      const agency = await createAgency(limited);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const response = await limited.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.60', payload: { email: agency.email, password: TEST_PASSWORD } });
        expect(response.statusCode).toBe(200);
      }
    } finally {
      await limited.close();
    }
  });

  it('throttles registration per IP, counting every attempt', async () => {
    const limited = await createTestApp({ env: { REGISTER_MAX_ATTEMPTS_PER_IP: '3' } });
    try {
      const register = (remoteAddress: string, password = TEST_PASSWORD) =>
        limited.app.inject({ method: 'POST', url: '/api/auth/register', remoteAddress, payload: { email: uniqueEmail('signup'), password, name: 'S', companyName: 'S' } });
      expect((await register('203.0.113.70')).statusCode).toBe(201);
      expect((await register('203.0.113.70', 'password123')).statusCode).toBe(400);
      expect((await register('203.0.113.70')).statusCode).toBe(201);
      const blocked = await register('203.0.113.70');
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('too_many_attempts');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // In parallel, from a fresh address: exactly the limit gets through.
      const burst = await Promise.all(Array.from({ length: 10 }, () => register('203.0.113.71')));
      expect(burst.filter((response) => response.statusCode === 201)).toHaveLength(3);
      expect(burst.filter((response) => response.statusCode === 429)).toHaveLength(7);
      expect((await register('203.0.113.72')).statusCode).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('refuses a password equal to the email or on the common-password list, with its own code', async () => {
    const email = uniqueEmail('careful');
    const asEmail = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: email.toUpperCase(), name: 'C', companyName: 'C' } });
    expect(asEmail.statusCode).toBe(400);
    expect(asEmail.json().error.code).toBe('password_matches_email');
    for (const password of ['password123', 'Qwertyuiop', '1234567890']) {
      const common = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password, name: 'C', companyName: 'C' } });
      expect(common.statusCode).toBe(400);
      expect(common.json().error.code).toBe('password_too_common');
    }
    const agency = await createAgency(app, 1);
    const invite = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'member' } });
    const joining = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'iloveyou123', name: 'C', inviteCode: invite.json().code } });
    expect(joining.json().error.code).toBe('password_too_common');
    const fine = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: TEST_PASSWORD, name: 'C', companyName: 'C' } });
    expect(fine.statusCode).toBe(201);
  });

  it('rejects bad input, duplicate email and missing or forged credentials', async () => {
    const bad = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'not-an-email', password: 'short', name: '', companyName: 'X' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');

    const agency = await createAgency(app);
    const duplicate = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: agency.email, password: TEST_PASSWORD, name: 'Again', companyName: 'Again' } });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('email_taken');

    const none = await app.app.inject({ method: 'GET', url: '/api/auth/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error).toMatchObject({ code: 'unauthenticated' });
    const forged = await app.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(`${agency.token.slice(0, -4)}AAAA`) });
    expect(forged.statusCode).toBe(401);
  });
});

describe('locations and tenancy', () => {
  it("lets an agency manage its own locations and answers 404 for another tenant's", async () => {
    const a = await createAgency(app, 2);
    const b = await createAgency(app, 1);
    const list = await app.app.inject({ method: 'GET', url: '/api/locations', headers: bearer(a.token) });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((item: { id: string }) => item.id).sort()).toEqual([...a.locationIds].sort());

    const foreign = b.locationIds[0] as string;
    const read = await app.app.inject({ method: 'GET', url: `/api/locations/${foreign}`, headers: bearer(a.token) });
    expect(read.statusCode).toBe(404);
    const write = await app.app.inject({ method: 'PATCH', url: `/api/locations/${foreign}`, headers: bearer(a.token), payload: { name: 'Stolen' } });
    expect(write.statusCode).toBe(404);
    const stillB = await app.app.inject({ method: 'GET', url: `/api/locations/${foreign}`, headers: bearer(b.token) });
    expect(stillB.json().name).toBe('Location 1');

    const renamed = await app.app.inject({ method: 'PATCH', url: `/api/locations/${a.locationIds[0]}`, headers: bearer(a.token), payload: { name: 'Renamed', timezone: 'America/Denver' } });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Renamed', timezone: 'America/Denver' });
  });

  it('limits a location member to their location and forbids admin actions', async () => {
    const agency = await createAgency(app, 2);
    const [first, second] = agency.locationIds as [string, string];
    const member = await createLocationUser(app, agency.token, first, 'location_member');
    const list = await app.app.inject({ method: 'GET', url: '/api/locations', headers: bearer(member.token) });
    expect(list.json().items.map((item: { id: string }) => item.id)).toEqual([first]);
    expect((await app.app.inject({ method: 'GET', url: `/api/locations/${second}`, headers: bearer(member.token) })).statusCode).toBe(404);
    expect((await app.app.inject({ method: 'PATCH', url: `/api/locations/${first}`, headers: bearer(member.token), payload: { name: 'x' } })).statusCode).toBe(403);
    expect((await app.app.inject({ method: 'POST', url: '/api/locations', headers: bearer(member.token), payload: { name: 'x' } })).statusCode).toBe(403);
    expect((await app.app.inject({ method: 'GET', url: '/api/users', headers: bearer(member.token) })).statusCode).toBe(403);

    const users = await app.app.inject({ method: 'GET', url: '/api/users', headers: bearer(agency.token) });
    expect(users.statusCode).toBe(200);
    expect(users.json().total).toBe(2);
  });
});

describe('invites', () => {
  it('joins a location with the invited role, once, and refuses a used or revoked code', async () => {
    const agency = await createAgency(app, 1);
    const locationId = agency.locationIds[0] as string;
    const created = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'location_admin', locationId } });
    expect(created.statusCode).toBe(201);
    const { code, invite } = created.json<{ code: string; invite: { id: string } }>();

    const joined = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail('joiner'), password: TEST_PASSWORD, name: 'J', inviteCode: code } });
    expect(joined.statusCode).toBe(201);
    expect(joined.json().user.locations).toEqual([{ locationId, role: 'location_admin' }]);
    expect(joined.json().user.companyId).toBe(agency.companyId);

    const reused = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail('late'), password: TEST_PASSWORD, name: 'L', inviteCode: code } });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().error.code).toBe('invite_invalid');

    const listed = await app.app.inject({ method: 'GET', url: '/api/invites', headers: bearer(agency.token) });
    expect(listed.body).not.toContain(code);
    expect(listed.json().items[0]).toMatchObject({ id: invite.id, useCount: 1 });

    const second = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'member' } });
    const revoked = await app.app.inject({ method: 'DELETE', url: `/api/invites/${second.json().invite.id}`, headers: bearer(agency.token) });
    expect(revoked.statusCode).toBe(200);
    const afterRevoke = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail('r'), password: TEST_PASSWORD, name: 'R', inviteCode: second.json().code } });
    expect(afterRevoke.statusCode).toBe(400);

    const mismatch = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'agency_admin', locationId } });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error.code).toBe('role_mismatch');
  });

  it("cannot invite into another tenant's location", async () => {
    const a = await createAgency(app, 1);
    const b = await createAgency(app, 1);
    const response = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(a.token), payload: { role: 'location_member', locationId: b.locationIds[0] } });
    expect(response.statusCode).toBe(404);
  });
});

describe('API keys', () => {
  it('shows the key once, stores a hash, scopes it to one location and stops working when revoked', async () => {
    const agency = await createAgency(app, 2);
    const [first, second] = agency.locationIds as [string, string];
    const created = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'Zapier', locationId: first } });
    expect(created.statusCode).toBe(201);
    const { key, apiKey } = created.json<{ key: string; apiKey: { id: string; prefix: string } }>();
    expect(key.startsWith(`sbk_${apiKey.prefix}_`)).toBe(true);

    const stored = await queryRows<{ keyHash: string }>(app.database.db, sql`select key_hash as "keyHash" from api_keys where id = ${apiKey.id}`);
    expect(stored[0]?.keyHash).not.toContain(key);
    const listed = await app.app.inject({ method: 'GET', url: '/api/api-keys', headers: bearer(agency.token) });
    expect(listed.body).not.toContain(key);

    const own = await app.app.inject({ method: 'GET', url: `/api/locations/${first}`, headers: { 'x-api-key': key } });
    expect(own.statusCode).toBe(200);
    const other = await app.app.inject({ method: 'GET', url: `/api/locations/${second}`, headers: { 'x-api-key': key } });
    expect(other.statusCode).toBe(404);
    const list = await app.app.inject({ method: 'GET', url: '/api/locations', headers: bearer(key) });
    expect(list.json().items.map((item: { id: string }) => item.id)).toEqual([first]);

    const revoked = await app.app.inject({ method: 'DELETE', url: `/api/api-keys/${apiKey.id}`, headers: bearer(agency.token) });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).not.toBeNull();
    expect((await app.app.inject({ method: 'GET', url: `/api/locations/${first}`, headers: { 'x-api-key': key } })).statusCode).toBe(401);
  });

  it("cannot create or revoke keys in another tenant's location", async () => {
    const a = await createAgency(app, 1);
    const b = await createAgency(app, 1);
    const create = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(a.token), payload: { name: 'x', locationId: b.locationIds[0] } });
    expect(create.statusCode).toBe(404);
    const bKey = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(b.token), payload: { name: 'b', locationId: b.locationIds[0] } });
    const revoke = await app.app.inject({ method: 'DELETE', url: `/api/api-keys/${bKey.json().apiKey.id}`, headers: bearer(a.token) });
    expect(revoke.statusCode).toBe(404);
  });
});

describe('secrets in logs', () => {
  it('never writes passwords, tokens, API keys or invite codes to the log', async () => {
    const agency = await createAgency(app, 1);
    const key = (await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'k', locationId: agency.locationIds[0] } })).json().key as string;
    const invite = (await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'member' } })).json().code as string;
    await app.app.inject({ method: 'GET', url: '/api/auth/me', headers: { 'x-api-key': key } });
    await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: agency.email, password: TEST_PASSWORD } });
    const logText = app.logs.join('');
    expect(logText.length).toBeGreaterThan(0);
    for (const secret of [TEST_PASSWORD, agency.token, key, invite]) expect(logText).not.toContain(secret);
  });
});
