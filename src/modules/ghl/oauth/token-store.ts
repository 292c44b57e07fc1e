import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { Logger } from '../../../platform/log/index.js';
import type { Vault } from '../../vault/index.js';
import type { GhlTokenSource } from '../client/ghl-client.js';
import { GhlAccessUnavailableError, subjectKey, type GhlSubject } from '../client/ghl-http.js';
import { findToken, findTokenByIdForUpdate, insertToken, listExpiringSubjects, recordTokenRefresh, releaseRefreshLease, updateToken, type TokenRow } from './ghl-tokens.repo.js';
import type { GhlOAuthClient, GhlUserType, TokenCallResult, TokenResponse } from './oauth-client.js';

export class GhlReauthRequiredError extends GhlAccessUnavailableError {
  constructor(readonly subjectKey: string, readonly reason: string) {
    super(`GHL authorization for ${subjectKey} needs to be renewed: ${reason}`);
    this.name = 'GhlReauthRequiredError';
  }
}

export class GhlNotInstalledError extends GhlAccessUnavailableError {
  constructor(readonly subjectKey: string) {
    super(`No GHL tokens are stored for ${subjectKey}`);
    this.name = 'GhlNotInstalledError';
  }
}

export class GhlTokenRefreshFailedError extends Error {
  constructor(readonly subjectKey: string, reason: string) {
    super(`Refreshing the GHL token for ${subjectKey} failed: ${reason}`);
    this.name = 'GhlTokenRefreshFailedError';
  }
}

export interface TokenStoreDeps {
  database: Database;
  vault: Vault;
  oauth: GhlOAuthClient;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
  /** Refresh when the access token expires within this many seconds. */
  refreshWindowSeconds: number;
  /**
   * How long a refresh may hold the lease on a token row: longer than the slowest refresh (every
   * retry of the grant), since a second process takes over once it has passed. Default 90 s.
   */
  refreshLeaseSeconds?: number;
  /** How often a caller waiting for another process's refresh looks again (default 50 ms). */
  leasePollMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SaveTokensInput {
  companyId: string;
  locationId: string | null;
  userType: GhlUserType;
  ghlCompanyId: string;
  ghlLocationId: string | null;
  token: TokenResponse;
}


type LeaseStep =
  | { kind: 'fresh'; token: string; expiresAtMs: number }
  | { kind: 'reauth'; reason: string }
  | { kind: 'held' }
  | { kind: 'leased'; row: TokenRow; refreshToken: string | undefined; companyToken: string | undefined };

const NO_REFRESH_PATH: TokenCallResult = {
  ok: false,
  kind: 'invalid_grant',
  error: { status: 0, code: 'unauthorized', message: 'no refresh token and no agency token', traceId: undefined },
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Stores GHL tokens in the vault and hands out fresh access tokens. Refresh runs under a lease on
 * the token row, so only one process refreshes a subject at a time, no transaction stays open while
 * GHL answers, and the new refresh token is committed before the new access token is used.
 */
export class GhlTokenStore implements GhlTokenSource {
  private readonly cache = new Map<string, { token: string; expiresAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private refreshCalls = 0;

  private readonly sleep: (ms: number) => Promise<void>;
  private readonly leaseSeconds: number;

  constructor(private readonly deps: TokenStoreDeps) {
    this.sleep = deps.sleep ?? defaultSleep;
    this.leaseSeconds = deps.refreshLeaseSeconds ?? 90;
  }

  /** How many refresh grants this instance sent to GHL (for tests and metrics). */
  get refreshGrantsSent(): number {
    return this.refreshCalls;
  }

  async saveTokens(tx: Executor, input: SaveTokensInput): Promise<void> {
    const key = input.userType === 'Location' && input.ghlLocationId ? `location:${input.ghlLocationId}` : `company:${input.ghlCompanyId}`;
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + input.token.expires_in * 1000);
    const existing = await findToken(tx, key, { lock: 'update' });
    const accessSecretId = await this.putSecret(tx, input.companyId, 'ghl.access_token', input.token.access_token, existing?.accessSecretId ?? null);
    const refreshSecretId = input.token.refresh_token
      ? await this.putSecret(tx, input.companyId, 'ghl.refresh_token', input.token.refresh_token, existing?.refreshSecretId ?? null)
      : (existing?.refreshSecretId ?? null);
    const values = {
      companyId: input.companyId,
      locationId: input.locationId,
      userType: input.userType,
      ghlCompanyId: input.ghlCompanyId,
      ghlLocationId: input.ghlLocationId,
      accessSecretId,
      refreshSecretId,
      accessExpiresAt: expiresAt,
      scopes: input.token.scope ?? existing?.scopes ?? '',
      ghlUserId: input.token.userId ?? existing?.ghlUserId ?? null,
      planId: input.token.planId ?? existing?.planId ?? null,
      status: 'active',
      statusReason: null,
      refreshLeaseId: null,
      refreshLeaseUntil: null,
      updatedAt: now,
    };
    if (existing) await updateToken(tx, existing.id, values);
    else await insertToken(tx, { id: this.deps.generateId('ghltok'), subjectKey: key, createdAt: now, ...values });
    this.cache.delete(key);
  }

  async getAccessToken(subject: GhlSubject): Promise<string> {
    const key = subjectKey(subject);
    const windowMs = this.deps.refreshWindowSeconds * 1000;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAtMs - windowMs > this.deps.clock.now().getTime()) return cached.token;
    const current = await this.deps.database.system(async (tx) => {
      // Shared lock: the token and its expiry as one version (see findToken), never a torn pair.
      const row = await findToken(tx, key, { lock: 'share' });
      if (!row) throw new GhlNotInstalledError(key);
      if (row.status !== 'active') throw new GhlReauthRequiredError(key, row.statusReason ?? row.status);
      const token = row.accessSecretId ? await this.deps.vault.readSecret(tx, row.accessSecretId) : undefined;
      return { token, expiresAtMs: row.accessExpiresAt?.getTime() ?? 0 };
    });
    if (current.token && current.expiresAtMs - windowMs > this.deps.clock.now().getTime()) {
      this.cache.set(key, { token: current.token, expiresAtMs: current.expiresAtMs });
      return current.token;
    }
    return this.refresh(key, current.token);
  }

  refreshAfterUnauthorized(subject: GhlSubject, rejectedToken: string): Promise<string> {
    const key = subjectKey(subject);
    this.cache.delete(key);
    return this.refresh(key, rejectedToken);
  }

  /** Refreshes every active token expiring within the window (the scheduled job). */
  async refreshExpiring(): Promise<{ refreshed: number; failed: number }> {
    const horizon = new Date(this.deps.clock.now().getTime() + this.deps.refreshWindowSeconds * 1000);
    const subjectKeys = await this.deps.database.system((tx) => listExpiringSubjects(tx, horizon));
    let refreshed = 0;
    let failed = 0;
    for (const key of subjectKeys) {
      try {
        await this.refresh(key, undefined);
        refreshed += 1;
      } catch (error) {
        failed += 1;
        this.deps.logger.warn({ subjectKey: key, err: error instanceof Error ? error.message : String(error) }, 'scheduled GHL token refresh failed');
      }
    }
    return { refreshed, failed };
  }

  /** Uninstall: the tokens are deleted from the vault; the row stays as a record with status revoked. */
  async revokeSubject(tx: Executor, key: string, reason: string): Promise<boolean> {
    const row = await findToken(tx, key, { lock: 'update' });
    if (!row) return false;
    if (row.accessSecretId) await this.deps.vault.deleteSecret(tx, row.accessSecretId);
    if (row.refreshSecretId) await this.deps.vault.deleteSecret(tx, row.refreshSecretId);
    await updateToken(tx, row.id, { accessSecretId: null, refreshSecretId: null, accessExpiresAt: null, status: 'revoked', statusReason: reason, refreshLeaseId: null, refreshLeaseUntil: null, updatedAt: this.deps.clock.now() });
    this.cache.delete(key);
    return true;
  }

  private refresh(key: string, rejectedToken: string | undefined): Promise<string> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const work = this.refreshUnderLease(key, rejectedToken).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /**
   * Single-flight across processes without holding a transaction over the network: a short
   * transaction takes the lease on the row, GHL is called outside any transaction, and a second one
   * stores the result. Callers that find the lease held poll until the holder's token appears, or
   * until the lease expires (its holder died) and they may take it themselves.
   */
  private async refreshUnderLease(key: string, rejectedToken: string | undefined): Promise<string> {
    const leaseId = this.deps.generateId('lease');
    const leaseMs = this.leaseSeconds * 1000;
    const startedAtMs = this.deps.clock.now().getTime();
    for (;;) {
      const step = await this.takeLease(key, leaseId, rejectedToken);
      if (step.kind === 'fresh') {
        this.cache.set(key, { token: step.token, expiresAtMs: step.expiresAtMs });
        return step.token;
      }
      if (step.kind === 'reauth') throw new GhlReauthRequiredError(key, step.reason);
      if (step.kind === 'leased') return this.refreshLeased(key, leaseId, step);
      // Two lease lengths: the holder's, then our own turn should the holder have died.
      if (this.deps.clock.now().getTime() - startedAtMs > 2 * leaseMs) {
        throw new GhlTokenRefreshFailedError(key, 'timed out waiting for another refresh of this token');
      }
      await this.sleep(this.deps.leasePollMs ?? 50);
    }
  }

  private takeLease(key: string, leaseId: string, rejectedToken: string | undefined): Promise<LeaseStep> {
    return this.deps.database.system(async (tx): Promise<LeaseStep> => {
      const row = await findToken(tx, key, { lock: 'update' });
      if (!row) throw new GhlNotInstalledError(key);
      if (row.status !== 'active') return { kind: 'reauth', reason: row.statusReason ?? row.status };
      const now = this.deps.clock.now();
      const current = row.accessSecretId ? await this.deps.vault.readSecret(tx, row.accessSecretId) : undefined;
      const expiresAtMs = row.accessExpiresAt?.getTime() ?? 0;
      // Someone refreshed since the caller looked: use that token.
      if (current && current !== rejectedToken && expiresAtMs - this.deps.refreshWindowSeconds * 1000 > now.getTime()) {
        return { kind: 'fresh', token: current, expiresAtMs };
      }
      if (row.refreshLeaseId && row.refreshLeaseId !== leaseId && (row.refreshLeaseUntil?.getTime() ?? 0) > now.getTime()) return { kind: 'held' };
      const leaseUntil = new Date(now.getTime() + this.leaseSeconds * 1000);
      await updateToken(tx, row.id, { refreshLeaseId: leaseId, refreshLeaseUntil: leaseUntil });
      const refreshToken = row.refreshSecretId ? await this.deps.vault.readSecret(tx, row.refreshSecretId) : undefined;
      return { kind: 'leased', row, refreshToken, companyToken: await this.readCompanyToken(tx, row) };
    });
  }

  private async refreshLeased(key: string, leaseId: string, leased: Extract<LeaseStep, { kind: 'leased' }>): Promise<string> {
    const { row } = leased;
    let call: TokenCallResult;
    try {
      call = await this.callGhl(leased);
    } catch (error) {
      await this.deps.database.system((tx) => this.releaseLease(tx, row.id, leaseId));
      throw error;
    }
    const outcome = await this.deps.database.system(async (tx): Promise<{ token: string; expiresAtMs: number } | { failure: 'reauth' | 'transient'; reason: string }> => {
      const latest = await findTokenByIdForUpdate(tx, row.id);
      if (!latest) throw new GhlNotInstalledError(key);
      if (call.ok) return this.storeRefreshed(tx, latest, leaseId, call.token);
      await this.releaseLease(tx, row.id, leaseId);
      if (call.kind === 'transient') return { failure: 'transient', reason: call.error.message };
      // A newer token was stored while we called (our lease had expired): ours lost the race, not the grant.
      if (latest.refreshCount !== row.refreshCount && latest.status === 'active' && latest.accessSecretId) {
        const token = await this.deps.vault.readSecret(tx, latest.accessSecretId);
        if (token) return { token, expiresAtMs: latest.accessExpiresAt?.getTime() ?? 0 };
      }
      if (latest.status !== 'active') return { failure: 'reauth', reason: latest.statusReason ?? latest.status };
      const reason = `invalid_grant: ${call.error.message}`;
      await updateToken(tx, row.id, { status: 'needs_reauth', statusReason: reason, updatedAt: this.deps.clock.now() });
      return { failure: 'reauth', reason };
    });
    if ('failure' in outcome) {
      if (outcome.failure === 'reauth') throw new GhlReauthRequiredError(key, outcome.reason);
      throw new GhlTokenRefreshFailedError(key, outcome.reason);
    }
    this.cache.set(key, outcome);
    return outcome.token;
  }

  /** The refresh grant; a location token that cannot be refreshed is minted again from the agency token. */
  private async callGhl(leased: Extract<LeaseStep, { kind: 'leased' }>): Promise<TokenCallResult> {
    const { row } = leased;
    const refreshed = leased.refreshToken ? await this.sendRefresh(row, leased.refreshToken) : undefined;
    if (refreshed && (refreshed.ok || refreshed.kind === 'transient')) return refreshed;
    const reminted = await this.remintFromCompany(row, leased.companyToken);
    if (reminted && (reminted.ok || reminted.kind === 'transient')) return reminted;
    return refreshed ?? reminted ?? NO_REFRESH_PATH;
  }

  private sendRefresh(row: TokenRow, refreshToken: string) {
    this.refreshCalls += 1;
    return this.deps.oauth.refresh({ refreshToken, userType: row.userType as GhlUserType });
  }

  /** The agency token of a location row, when it is usable for a re-mint (the SDK's fallback, §2.6). */
  private async readCompanyToken(tx: Executor, row: TokenRow): Promise<string | undefined> {
    if (row.userType !== 'Location' || !row.ghlLocationId) return undefined;
    const company = await findToken(tx, `company:${row.ghlCompanyId}`, { lock: 'share' });
    if (!company || company.status !== 'active' || !company.accessSecretId) return undefined;
    if ((company.accessExpiresAt?.getTime() ?? 0) <= this.deps.clock.now().getTime()) return undefined;
    return this.deps.vault.readSecret(tx, company.accessSecretId);
  }

  private async remintFromCompany(row: TokenRow, companyToken: string | undefined): Promise<TokenCallResult | undefined> {
    if (!companyToken || !row.ghlLocationId) return undefined;
    return this.deps.oauth.mintLocationToken({ companyAccessToken: companyToken, ghlCompanyId: row.ghlCompanyId, ghlLocationId: row.ghlLocationId });
  }

  private async releaseLease(tx: Executor, rowId: string, leaseId: string): Promise<void> {
    await releaseRefreshLease(tx, rowId, leaseId);
  }

  private async storeRefreshed(tx: Executor, row: TokenRow, leaseId: string, token: TokenResponse) {
    const now = this.deps.clock.now();
    const accessSecretId = await this.putSecret(tx, row.companyId, 'ghl.access_token', token.access_token, row.accessSecretId);
    const refreshSecretId = token.refresh_token ? await this.putSecret(tx, row.companyId, 'ghl.refresh_token', token.refresh_token, row.refreshSecretId) : row.refreshSecretId;
    const expiresAt = new Date(now.getTime() + token.expires_in * 1000);
    // GHL refresh tokens are single-use: the new one is stored even if our lease expired meanwhile.
    const isLeaseOurs = row.refreshLeaseId === leaseId;
    await recordTokenRefresh(tx, row.id, {
        accessSecretId,
        refreshSecretId,
        accessExpiresAt: expiresAt,
        refreshedAt: now,
        updatedAt: now,
        ...(isLeaseOurs ? { refreshLeaseId: null, refreshLeaseUntil: null } : {}),
        ...(token.scope ? { scopes: token.scope } : {}),
      });
    return { token: token.access_token, expiresAtMs: expiresAt.getTime() };
  }

  private async putSecret(tx: Executor, companyId: string, purpose: string, plaintext: string, existingId: string | null): Promise<string> {
    if (existingId) {
      await this.deps.vault.replaceSecret(tx, existingId, plaintext);
      return existingId;
    }
    return this.deps.vault.storeSecret(tx, { companyId, purpose, plaintext });
  }
}
