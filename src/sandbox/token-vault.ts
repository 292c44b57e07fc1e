import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export type UserType = 'Company' | 'Location';

/** Every scope the sandbox knows; a consent without `scope` grants all of them. */
export const ALL_SCOPES = [
  'contacts.readonly', 'contacts.write',
  'opportunities.readonly', 'opportunities.write',
  'calendars.readonly', 'calendars.write', 'calendars/events.readonly', 'calendars/events.write', 'calendars/groups.readonly',
  'users.readonly', 'users.write',
  'locations.readonly', 'locations/customFields.readonly', 'locations/customFields.write',
  'locations/customValues.readonly', 'locations/customValues.write', 'locations/tags.readonly', 'locations/tags.write', 'locations/tasks.readonly',
  'conversations.readonly', 'conversations.write', 'conversations/message.readonly', 'conversations/message.write',
  'invoices.readonly', 'invoices.write',
  'oauth.readonly', 'oauth.write',
] as const;

export interface TokenRecord {
  accessToken: string;
  userType: UserType;
  companyId: string;
  locationId: string | undefined;
  clientId: string;
  userId: string;
  scope: string;
  scopes: ReadonlySet<string>;
  expiresAtMs: number;
  isRevoked: boolean;
}

export interface InstallGrant {
  userType: UserType;
  companyId: string;
  locationId: string | undefined;
  userId: string;
  scope: string;
  approvedLocations: string[];
  isBulkInstallation: boolean;
  approveAllLocations: boolean;
}

interface AuthorizationCode extends InstallGrant {
  clientId: string;
  redirectUri: string;
  expiresAtMs: number;
}

interface RefreshRecord extends InstallGrant {
  refreshTokenId: string;
  clientId: string;
  isUsed: boolean;
  isRevoked: boolean;
}

export interface IssuedTokens {
  access: TokenRecord;
  refreshToken: string;
  refreshTokenId: string;
  grant: InstallGrant;
}

const CODE_TTL_MS = 10 * 60_000;

function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Issues and checks tokens. Tokens are JWT-shaped like GHL's (apps must treat them as opaque);
 * validity is decided by lookup, so revocation and expiry are exact.
 */
export class TokenVault {
  private readonly secret = randomBytes(32);
  private readonly accessTokens = new Map<string, TokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly codes = new Map<string, AuthorizationCode>();

  constructor(
    private accessTokenTtlSeconds: number,
    private readonly appId: string,
  ) {}

  get ttlSeconds(): number {
    return this.accessTokenTtlSeconds;
  }

  createCode(clientId: string, redirectUri: string, grant: InstallGrant, nowMs: number): string {
    const code = randomBytes(20).toString('hex');
    this.codes.set(code, { ...grant, clientId, redirectUri, expiresAtMs: nowMs + CODE_TTL_MS });
    return code;
  }

  /** Codes are single-use: the entry is removed whether or not the exchange succeeds. */
  consumeCode(code: string, clientId: string, nowMs: number): (InstallGrant & { redirectUri: string }) | undefined {
    const entry = this.codes.get(code);
    this.codes.delete(code);
    if (!entry || entry.clientId !== clientId || entry.expiresAtMs < nowMs) return undefined;
    return entry;
  }

  issue(clientId: string, grant: InstallGrant, nowMs: number): IssuedTokens {
    const access = this.createAccessToken(clientId, grant, nowMs);
    const refreshTokenId = randomUUID();
    const refreshToken = this.signJwt({
      authClass: grant.userType,
      authClassId: grant.locationId ?? grant.companyId,
      source: 'INTEGRATION',
      sourceId: clientId,
      channel: 'OAUTH',
      refreshTokenId,
      iat: Math.floor(nowMs / 1000),
      // Refresh tokens live a year unless used (ghl-api.md §2.5).
      exp: Math.floor(nowMs / 1000) + 365 * 86_400,
    });
    this.refreshTokens.set(refreshToken, { ...grant, refreshTokenId, clientId, isUsed: false, isRevoked: false });
    return { access, refreshToken, refreshTokenId, grant };
  }

  createAccessToken(clientId: string, grant: InstallGrant, nowMs: number): TokenRecord {
    const expiresAtMs = nowMs + this.accessTokenTtlSeconds * 1000;
    const accessToken = this.signJwt({
      authClass: grant.userType,
      authClassId: grant.locationId ?? grant.companyId,
      source: 'INTEGRATION',
      sourceId: clientId,
      channel: 'OAUTH',
      primaryAuthClassId: grant.locationId ?? grant.companyId,
      oauthMeta: { scopes: grant.scope.split(' '), client: this.appId, versionId: this.appId, clientKey: clientId },
      iat: Math.floor(nowMs / 1000),
      exp: Math.floor(expiresAtMs / 1000),
      jti: randomUUID(),
    });
    const record: TokenRecord = {
      accessToken,
      userType: grant.userType,
      companyId: grant.companyId,
      locationId: grant.locationId,
      clientId,
      userId: grant.userId,
      scope: grant.scope,
      scopes: new Set(grant.scope.split(' ')),
      expiresAtMs,
      isRevoked: false,
    };
    this.accessTokens.set(accessToken, record);
    return record;
  }

  /** Single-use refresh: a token seen before answers 'reused' (ghl-api.md §2.5). */
  refresh(refreshToken: string, clientId: string, nowMs: number): IssuedTokens | 'invalid' | 'reused' {
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.clientId !== clientId || record.isRevoked) return 'invalid';
    if (record.isUsed) return 'reused';
    record.isUsed = true;
    return this.issue(clientId, record, nowMs);
  }

  findAccessToken(accessToken: string): TokenRecord | undefined {
    return this.accessTokens.get(accessToken);
  }

  /** Revokes every token of a location (or, without one, every token) — fault injection and uninstall. */
  revoke(locationId: string | undefined, companyLevelToo: boolean): number {
    let count = 0;
    for (const record of this.accessTokens.values()) {
      const isMatch = locationId === undefined || record.locationId === locationId || (companyLevelToo && record.locationId === undefined);
      if (isMatch && !record.isRevoked) {
        record.isRevoked = true;
        count++;
      }
    }
    for (const record of this.refreshTokens.values()) {
      const isMatch = locationId === undefined || record.locationId === locationId || (companyLevelToo && record.locationId === undefined);
      if (isMatch) record.isRevoked = true;
    }
    return count;
  }

  /** Drops dead entries so long benchmarks do not grow memory without bound. */
  sweep(nowMs: number): void {
    for (const [token, record] of this.accessTokens) if (record.expiresAtMs < nowMs || record.isRevoked) this.accessTokens.delete(token);
    for (const [token, record] of this.refreshTokens) if (record.isUsed || record.isRevoked) this.refreshTokens.delete(token);
    for (const [code, entry] of this.codes) if (entry.expiresAtMs < nowMs) this.codes.delete(code);
  }

  private signJwt(payload: object): string {
    const head = encodeSegment({ alg: 'HS256', typ: 'JWT' });
    const body = encodeSegment(payload);
    const signature = createHmac('sha256', this.secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${signature}`;
  }
}
