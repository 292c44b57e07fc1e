import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';

const PURPOSE = 'ghl-install';

/**
 * `state` for installs we start: a short-lived signed token, so a callback carrying a forged or
 * stale state is refused. GHL's marketplace can also start an install without us (no state at all,
 * ghl-api.md §2.2), so a missing state is allowed; a present but invalid one is not.
 */
export function createInstallState(options: { secret: string; ttlSeconds: number; now: () => Date }) {
  const key = new TextEncoder().encode(options.secret);
  return {
    async issue(payload: { userType: 'Company' | 'Location'; companyId?: string | undefined }): Promise<string> {
      const issuedAt = Math.floor(options.now().getTime() / 1000);
      return new SignJWT({ purpose: PURPOSE, userType: payload.userType, ...(payload.companyId ? { companyId: payload.companyId } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + options.ttlSeconds)
        .sign(key);
    },
    async verify(state: string): Promise<{ userType: 'Company' | 'Location'; companyId: string | undefined } | undefined> {
      try {
        const { payload } = await jwtVerify(state, key, { algorithms: ['HS256'], currentDate: options.now() });
        if (payload.purpose !== PURPOSE) return undefined;
        return { userType: payload.userType === 'Company' ? 'Company' : 'Location', companyId: typeof payload.companyId === 'string' ? payload.companyId : undefined };
      } catch (error) {
        if (error instanceof joseErrors.JOSEError) return undefined;
        throw error;
      }
    },
  };
}

export type InstallState = ReturnType<typeof createInstallState>;
