import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export interface SessionTokens {
  issue(userId: string): Promise<{ token: string; expiresAt: Date }>;
  /** The user id, or undefined for any invalid, expired or foreign token. */
  verify(token: string): Promise<string | undefined>;
}

const ISSUER = 'switchboard';
const AUDIENCE = 'switchboard-api';

export function createSessionTokens(options: { secret: string; ttlSeconds: number; now: () => Date }): SessionTokens {
  const key = new TextEncoder().encode(options.secret);
  return {
    async issue(userId) {
      const issuedAt = Math.floor(options.now().getTime() / 1000);
      const expiresAtSeconds = issuedAt + options.ttlSeconds;
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAtSeconds)
        .sign(key);
      return { token, expiresAt: new Date(expiresAtSeconds * 1000) };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          algorithms: ['HS256'],
          currentDate: options.now(),
        });
        return typeof payload.sub === 'string' ? payload.sub : undefined;
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}
