import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export interface SessionTokens {
  issue(userId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The user id, or undefined for any invalid, expired or foreign token. */
  verify(token: string): Promise<string | undefined>;
  /**
   * A short-lived ticket for one Server-Sent Events connection: browsers' EventSource cannot send an
   * Authorization header, so the ticket travels in the query string (and is masked in logs).
   */
  issueStreamTicket(userId: string): Promise<{ ticket: string; expiresAt: Date }>;
  verifyStreamTicket(ticket: string): Promise<string | undefined>;
}

export const STREAM_TICKET_TTL_SECONDS = 60;

const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-api';
/** A different audience: a ticket is not a session token, and a session token is not a ticket. */
const STREAM_AUDIENCE = 'switchboard-stream';

export function createSessionTokens(options: { secret: string; ttlSeconds: number; now: () => Date }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  const sign = async (userId: string, audience: string, ttlSeconds: number) => {
    const issuedAt = Math.floor(options.now().getTime() / 1000);
    const expiresAtSeconds = issuedAt + ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(key);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  };
  const check = async (token: string, audience: string) => {
    try {
      const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience, algorithms: ['HS256'], currentDate: options.now() });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return undefined;
      throw error;
    }
  };
  return {
    issue: (userId) => sign(userId, AUDIENCE, options.ttlSeconds),
    verify: (token) => check(token, AUDIENCE),
    async issueStreamTicket(userId) {
      const { token, expiresAt } = await sign(userId, STREAM_AUDIENCE, STREAM_TICKET_TTL_SECONDS);
      return { ticket: token, expiresAt };
    },
    verifyStreamTicket: (ticket) => check(ticket, STREAM_AUDIENCE),
  };
}
