import { randomBytes } from 'node:crypto';
import type { TestApp } from './test-app.js';
import { bearer } from './test-app.js';

export const TEST_PASSWORD = 'correct-horse-battery';

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(5).toString('hex')}@example.test`;
}

interface SessionBody {
  token: string;
  user: { id: string; companyId: string | null };
}

/** An agency with an admin and `locationCount` locations, created through the public API. */
export async function createAgency(app: TestApp, locationCount = 1) {
  const email = uniqueEmail('admin');
  const registered = await app.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password: TEST_PASSWORD, name: 'Admin', companyName: `Agency ${email}` },
  });
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.body}`);
  const session = registered.json<SessionBody>();
  const locationIds: string[] = [];
  for (let index = 0; index < locationCount; index += 1) {
    const created = await app.app.inject({ method: 'POST', url: '/api/locations', headers: bearer(session.token), payload: { name: `Location ${index + 1}` } });
    if (created.statusCode !== 201) throw new Error(`create location failed: ${created.body}`);
    locationIds.push(created.json<{ id: string }>().id);
  }
  return { email, token: session.token, userId: session.user.id, companyId: session.user.companyId as string, locationIds };
}

/** A user who joins `locationId` with a location role through an invite. */
export async function createLocationUser(app: TestApp, adminToken: string, locationId: string, role: 'location_admin' | 'location_member') {
  const invite = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(adminToken), payload: { role, locationId } });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.body}`);
  const email = uniqueEmail(role);
  const joined = await app.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email, password: TEST_PASSWORD, name: 'Joiner', inviteCode: invite.json<{ code: string }>().code },
  });
  if (joined.statusCode !== 201) throw new Error(`join failed: ${joined.body}`);
  const session = joined.json<SessionBody>();
  return { email, token: session.token, userId: session.user.id };
}
