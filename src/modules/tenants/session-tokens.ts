import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

/** Who a valid token speaks for: the user and the session row it belongs to (user_sessions). */
export interface SessionClaims {
  userId: string;
  sessionId: string;
}

/**
 * Signs and checks session JWTs. A token is only half the check: it names its session (`sid`), and
 * the authenticator also requires that session to be live in the database, so logging out ends it.
 */
export interface SessionTokens {
  issue(claims: SessionClaims): Promise<{ token: string; expiresAt: Date }>;
  /** The claims, or undefined for any invalid, expired or foreign token (or one without a session). */
  verify(token: string): Promise<SessionClaims | undefined>;
  /**
   * A short-lived ticket for one Server-Sent Events connection: browsers' EventSource cannot send an
   * Authorization header, so the ticket travels in the query string (and is masked in logs). It
   * carries its session, and ends with it.
   */
  issueStreamTicket(claims: SessionClaims): Promise<{ ticket: string; expiresAt: Date }>;
  verifyStreamTicket(ticket: string): Promise<SessionClaims | undefined>;
}

export const STREAM_TICKET_TTL_SECONDS = 60;

const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-api';
/** A different audience: a ticket is not a session token, and a session token is not a ticket. */
const STREAM_AUDIENCE = 'switchboard-stream';

export function createSessionTokens(options: { secret: string; ttlSeconds: number; now: () => Date }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  const sign = async (claims: SessionClaims, audience: string, ttlSeconds: number) => {
    const issuedAt = Math.floor(options.now().getTime() / 1000);
    const expiresAtSeconds = issuedAt + ttlSeconds;
    const token = await new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .sign(key);
    return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
  };
  const check = async (token: string, audience: string): Promise<SessionClaims | undefined> => {
    try {
      const { payload } = await jwtVerify(token, key, { issuer: ISSUER, audience, algorithms: ['HS256'], currentDate: options.now() });
      // A token from before sessions were recorded has no sid: it cannot be revoked, so it is refused.
      return typeof payload.sub === 'string' && typeof payload.sid === 'string' && payload.sid.length > 0 ? { userId: payload.sub, sessionId: payload.sid } : undefined;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return undefined;
      throw error;
    }
  };
  return {
    issue: (claims) => sign(claims, AUDIENCE, options.ttlSeconds),
    verify: (token) => check(token, AUDIENCE),
    async issueStreamTicket(claims) {
      const { token, expiresAt } = await sign(claims, STREAM_AUDIENCE, STREAM_TICKET_TTL_SECONDS);
      return { ticket: token, expiresAt };
    },
    verifyStreamTicket: (ticket) => check(ticket, STREAM_AUDIENCE),
  };
}
