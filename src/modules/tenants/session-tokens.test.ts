import { describe, expect, it } from 'vitest';
import { createSessionTokens, STREAM_TICKET_TTL_SECONDS } from './session-tokens.js';

describe('stream tickets', () => {
  it('are not session tokens (nor the reverse) and expire after a minute', async () => {
    let now = new Date('2030-01-01T00:00:00Z');
    const tokens = createSessionTokens({ secret: 'test-secret-that-is-at-least-32-characters-long', ttlSeconds: 604_800, now: () => now });
    const { ticket, expiresAt } = await tokens.issueStreamTicket('usr_1');
    expect(expiresAt.getTime() - now.getTime()).toBe(STREAM_TICKET_TTL_SECONDS * 1000);
    expect(await tokens.verifyStreamTicket(ticket)).toBe('usr_1');
    expect(await tokens.verify(ticket)).toBeUndefined();
    const { token } = await tokens.issue('usr_1');
    expect(await tokens.verifyStreamTicket(token)).toBeUndefined();
    now = new Date(now.getTime() + (STREAM_TICKET_TTL_SECONDS + 1) * 1000);
    expect(await tokens.verifyStreamTicket(ticket)).toBeUndefined();
  });
});
