import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSessionTokens, STREAM_TICKET_TTL_SECONDS } from './session-tokens.js';

const SECRET = 'test-secret-that-is-at-least-32-characters-long';
const claims = { userId: 'usr_1', sessionId: 'ses_1' };

describe('stream tickets', () => {
  it('are not session tokens (nor the reverse), carry their session and expire after a minute', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const tokens = createSessionTokens({ secret: SECRET, ttlSeconds: 604_800, now: () => now });
    const { ticket, expiresAt } = await tokens.issueStreamTicket(claims);
    expect(expiresAt.getTime() - now.getTime()).toBe(STREAM_TICKET_TTL_SECONDS * 1000);
    expect(await tokens.verifyStreamTicket(ticket)).toEqual(claims);
    expect(await tokens.verify(ticket)).toBeUndefined();
    const { token } = await tokens.issue(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verifyStreamTicket(token)).toBeUndefined();
    now = new Date(now.getTime() + (STREAM_TICKET_TTL_SECONDS + 1) * 1000);
    expect(await tokens.verifyStreamTicket(ticket)).toBeUndefined();
  });
});

describe('session tokens', () => {
  it('refuse a correctly signed token that names no session (one issued before sessions were recorded)', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const tokens = createSessionTokens({ secret: SECRET, ttlSeconds: 604_800, now: () => now });
    const issuedAt = Math.floor(now.getTime() / 1000);
    const withoutSession = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('usr_1')
      .setIssuer('switchboard')
      .setAudience('switchboard-api')
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 3600)
      .sign(new TextEncoder().encode(SECRET));
    expect(await tokens.verify(withoutSession)).toBeUndefined();
  });
});
