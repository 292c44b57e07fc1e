import { z } from 'zod';
import type { HttpClient } from '../../../platform/http-client/index.js';
import { buildUrl, GHL_VERSIONS, readGhlError, type GhlError } from '../client/ghl-http.js';

export type GhlUserType = 'Company' | 'Location';

/** §2.4: documented fields, lenient about the many extras and about missing optional ones. */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.coerce.number().int().positive(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  userType: z.enum(['Company', 'Location']).optional(),
  companyId: z.string().optional(),
  locationId: z.string().optional(),
  userId: z.string().optional(),
  planId: z.string().optional(),
  approvedLocations: z.array(z.string()).optional(),
  isBulkInstallation: z.unknown().optional(),
});

export type TokenResponse = z.infer<typeof tokenResponseSchema>;

export type TokenCallResult =
  | { ok: true; token: TokenResponse }
  /** invalid_grant: the code or refresh token is used, expired or revoked; only a reinstall helps. */
  | { ok: false; kind: 'invalid_grant'; error: GhlError }
  | { ok: false; kind: 'transient'; error: GhlError };

export interface OAuthClientOptions {
  http: HttpClient;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** GHL's app id is the part of the client id before the first `-` (§2.1). */
export function appIdOf(clientId: string): string {
  return clientId.split('-')[0] ?? clientId;
}

export class GhlOAuthClient {
  constructor(private readonly options: OAuthClientOptions) {}

  exchangeCode(input: { code: string; redirectUri: string; userType?: GhlUserType | undefined }): Promise<TokenCallResult> {
    return this.tokenCall({ grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri, ...(input.userType ? { user_type: input.userType } : {}) });
  }

  refresh(input: { refreshToken: string; userType: GhlUserType }): Promise<TokenCallResult> {
    return this.tokenCall({ grant_type: 'refresh_token', refresh_token: input.refreshToken, user_type: input.userType });
  }

  /** §2.6: an agency token mints a location token (form-encoded, Version 2021-07-28). */
  async mintLocationToken(input: { companyAccessToken: string; ghlCompanyId: string; ghlLocationId: string }): Promise<TokenCallResult> {
    const response = await this.options.http.send({
      method: 'POST',
      url: buildUrl(this.options.apiBaseUrl, '/oauth/locationToken'),
      headers: { authorization: `Bearer ${input.companyAccessToken}`, version: GHL_VERSIONS.default, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ companyId: input.ghlCompanyId, locationId: input.ghlLocationId }),
      endpoint: 'POST /oauth/locationToken',
      rateKey: `ghl:${this.options.clientId}:company:${input.ghlCompanyId}`,
    });
    return this.readTokenResponse(response);
  }

  /** §2.7: every installed location of an agency, all pages. */
  async listInstalledLocations(input: { companyAccessToken: string; ghlCompanyId: string }): Promise<{ ok: true; locations: { id: string; name: string }[] } | { ok: false; error: GhlError }> {
    const locations: { id: string; name: string }[] = [];
    const limit = 100;
    for (let skip = 0; ; skip += limit) {
      const response = await this.options.http.send({
        method: 'GET',
        url: buildUrl(this.options.apiBaseUrl, '/oauth/installedLocations', { companyId: input.ghlCompanyId, appId: appIdOf(this.options.clientId), isInstalled: true, skip: String(skip), limit: String(limit) }),
        headers: { authorization: `Bearer ${input.companyAccessToken}`, version: GHL_VERSIONS.default, accept: 'application/json' },
        endpoint: 'GET /oauth/installedLocations',
        rateKey: `ghl:${this.options.clientId}:company:${input.ghlCompanyId}`,
      });
      if (response.status !== 200) return { ok: false, error: readGhlError(response) };
      const body = JSON.parse(response.text) as { locations?: { _id?: string; id?: string; name?: string; isInstalled?: boolean }[] };
      const page = body.locations ?? [];
      for (const item of page) {
        const id = item._id ?? item.id;
        if (id && item.isInstalled !== false) locations.push({ id, name: item.name ?? id });
      }
      if (page.length < limit) return { ok: true, locations };
    }
  }

  private async tokenCall(fields: Record<string, string>): Promise<TokenCallResult> {
    const response = await this.options.http.send({
      method: 'POST',
      url: buildUrl(this.options.apiBaseUrl, '/oauth/token'),
      // §2.3: form-encoded, no Version header, no bearer token.
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: this.options.clientId, client_secret: this.options.clientSecret, ...fields }),
      endpoint: 'POST /oauth/token',
    });
    return this.readTokenResponse(response);
  }

  private readTokenResponse(response: { status: number; text: string; headers: Headers }): TokenCallResult {
    if (response.status >= 200 && response.status < 300) {
      const parsed = tokenResponseSchema.safeParse(JSON.parse(response.text));
      if (parsed.success) return { ok: true, token: parsed.data };
      return { ok: false, kind: 'transient', error: { status: response.status, code: 'bad_request', message: 'token response did not match the documented shape', traceId: undefined } };
    }
    const error = readGhlError(response);
    // 400/401/403/422 from the token endpoint mean the grant itself is bad; 429/5xx may pass.
    const isGrantProblem = response.status === 400 || response.status === 401 || response.status === 403 || response.status === 422;
    return { ok: false, kind: isGrantProblem ? 'invalid_grant' : 'transient', error };
  }
}
