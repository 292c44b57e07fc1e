import { and, eq, lt, sql } from 'drizzle-orm';
import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { Logger } from '../../../platform/log/index.js';
import type { Vault } from '../../vault/index.js';
import type { GhlTokenSource } from '../client/ghl-client.js';
import { GhlAccessUnavailableError, subjectKey, type GhlSubject } from '../client/ghl-http.js';
import { ghlTokens } from '../ghl-tokens.tables.js';
import type { GhlOAuthClient, GhlUserType, TokenResponse } from './oauth-client.js';

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
}

export interface SaveTokensInput {
  companyId: string;
  locationId: string | null;
  userType: GhlUserType;
  ghlCompanyId: string;
  ghlLocationId: string | null;
  token: TokenResponse;
}

type TokenRow = typeof ghlTokens.$inferSelect;

/**
 * Stores GHL tokens in the vault and hands out fresh access tokens. Refresh runs under a row lock
 * (`FOR UPDATE`) so only one process refreshes a subject at a time, and the new refresh token is
 * committed before the new access token is used.
 */
export class GhlTokenStore implements GhlTokenSource {
  private readonly cache = new Map<string, { token: string; expiresAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private refreshCalls = 0;

  constructor(private readonly deps: TokenStoreDeps) {}

  /** How many refresh grants this instance sent to GHL (for tests and metrics). */
  get refreshGrantsSent(): number {
    return this.refreshCalls;
  }

  async saveTokens(tx: Executor, input: SaveTokensInput): Promise<void> {
    const key = input.userType === 'Location' && input.ghlLocationId ? `location:${input.ghlLocationId}` : `company:${input.ghlCompanyId}`;
    const now = this.deps.clock.now();
    const expiresAt = new Date(now.getTime() + input.token.expires_in * 1000);
    const [existing] = await tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, key)).for('update');
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
      updatedAt: now,
    };
    if (existing) await tx.update(ghlTokens).set(values).where(eq(ghlTokens.id, existing.id));
    else await tx.insert(ghlTokens).values({ id: this.deps.generateId('ghltok'), subjectKey: key, createdAt: now, ...values });
    this.cache.delete(key);
  }

  async getAccessToken(subject: GhlSubject): Promise<string> {
    const key = subjectKey(subject);
    const windowMs = this.deps.refreshWindowSeconds * 1000;
    const cached = this.cache.get(key);
    if (cached && cached.expiresAtMs - windowMs > this.deps.clock.now().getTime()) return cached.token;
    const current = await this.deps.database.system(async (tx) => {
      const [row] = await tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, key));
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
    const rows = await this.deps.database.system((tx) =>
      tx.select({ subjectKey: ghlTokens.subjectKey }).from(ghlTokens).where(and(eq(ghlTokens.status, 'active'), lt(ghlTokens.accessExpiresAt, horizon))),
    );
    let refreshed = 0;
    let failed = 0;
    for (const row of rows) {
      try {
        await this.refresh(row.subjectKey, undefined);
        refreshed += 1;
      } catch (error) {
        failed += 1;
        this.deps.logger.warn({ subjectKey: row.subjectKey, err: error instanceof Error ? error.message : String(error) }, 'scheduled GHL token refresh failed');
      }
    }
    return { refreshed, failed };
  }

  /** Uninstall: the tokens are deleted from the vault; the row stays as a record with status revoked. */
  async revokeSubject(tx: Executor, key: string, reason: string): Promise<boolean> {
    const [row] = await tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, key)).for('update');
    if (!row) return false;
    if (row.accessSecretId) await this.deps.vault.deleteSecret(tx, row.accessSecretId);
    if (row.refreshSecretId) await this.deps.vault.deleteSecret(tx, row.refreshSecretId);
    await tx
      .update(ghlTokens)
      .set({ accessSecretId: null, refreshSecretId: null, accessExpiresAt: null, status: 'revoked', statusReason: reason, updatedAt: this.deps.clock.now() })
      .where(eq(ghlTokens.id, row.id));
    this.cache.delete(key);
    return true;
  }

  private refresh(key: string, rejectedToken: string | undefined): Promise<string> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const work = this.refreshLocked(key, rejectedToken).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async refreshLocked(key: string, rejectedToken: string | undefined): Promise<string> {
    const outcome = await this.deps.database.system(async (tx): Promise<{ token: string; expiresAtMs: number } | { failure: 'reauth' | 'transient'; reason: string }> => {
      const [row] = await tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, key)).for('update');
      if (!row) throw new GhlNotInstalledError(key);
      if (row.status !== 'active') return { failure: 'reauth', reason: row.statusReason ?? row.status };
      const now = this.deps.clock.now().getTime();
      const current = row.accessSecretId ? await this.deps.vault.readSecret(tx, row.accessSecretId) : undefined;
      const expiresAtMs = row.accessExpiresAt?.getTime() ?? 0;
      // Another process refreshed while we waited for the lock: use its token.
      if (current && current !== rejectedToken && expiresAtMs - this.deps.refreshWindowSeconds * 1000 > now) return { token: current, expiresAtMs };
      const refreshToken = row.refreshSecretId ? await this.deps.vault.readSecret(tx, row.refreshSecretId) : undefined;
      const result = refreshToken ? await this.sendRefresh(row, refreshToken) : await this.remintFromCompany(tx, row);
      if (!result.ok) {
        if (result.kind === 'transient') return { failure: 'transient', reason: result.error.message };
        const reminted = row.userType === 'Location' ? await this.remintFromCompany(tx, row) : result;
        if (!reminted.ok) {
          const reason = `invalid_grant: ${result.error.message}`;
          await tx.update(ghlTokens).set({ status: 'needs_reauth', statusReason: reason, updatedAt: new Date(now) }).where(eq(ghlTokens.id, row.id));
          return { failure: 'reauth', reason };
        }
        return this.storeRefreshed(tx, row, reminted.token);
      }
      return this.storeRefreshed(tx, row, result.token);
    });
    if ('failure' in outcome) {
      if (outcome.failure === 'reauth') throw new GhlReauthRequiredError(key, outcome.reason);
      throw new GhlTokenRefreshFailedError(key, outcome.reason);
    }
    this.cache.set(key, outcome);
    return outcome.token;
  }

  private sendRefresh(row: TokenRow, refreshToken: string) {
    this.refreshCalls += 1;
    return this.deps.oauth.refresh({ refreshToken, userType: row.userType as GhlUserType });
  }

  /** The SDK's fallback (§2.6): a location token that cannot be refreshed is minted again from the agency token. */
  private async remintFromCompany(tx: Executor, row: TokenRow) {
    const none = { ok: false as const, kind: 'invalid_grant' as const, error: { status: 0, code: 'unauthorized' as const, message: 'no refresh token and no agency token', traceId: undefined } };
    if (row.userType !== 'Location' || !row.ghlLocationId) return none;
    const [company] = await tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, `company:${row.ghlCompanyId}`));
    if (!company || company.status !== 'active' || !company.accessSecretId) return none;
    const companyToken = await this.deps.vault.readSecret(tx, company.accessSecretId);
    if (!companyToken || (company.accessExpiresAt?.getTime() ?? 0) <= this.deps.clock.now().getTime()) return none;
    return this.deps.oauth.mintLocationToken({ companyAccessToken: companyToken, ghlCompanyId: row.ghlCompanyId, ghlLocationId: row.ghlLocationId });
  }

  private async storeRefreshed(tx: Executor, row: TokenRow, token: TokenResponse) {
    const now = this.deps.clock.now();
    const accessSecretId = await this.putSecret(tx, row.companyId, 'ghl.access_token', token.access_token, row.accessSecretId);
    const refreshSecretId = token.refresh_token ? await this.putSecret(tx, row.companyId, 'ghl.refresh_token', token.refresh_token, row.refreshSecretId) : row.refreshSecretId;
    const expiresAt = new Date(now.getTime() + token.expires_in * 1000);
    await tx
      .update(ghlTokens)
      .set({ accessSecretId, refreshSecretId, accessExpiresAt: expiresAt, refreshCount: sql`${ghlTokens.refreshCount} + 1`, refreshedAt: now, updatedAt: now, ...(token.scope ? { scopes: token.scope } : {}) })
      .where(eq(ghlTokens.id, row.id));
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
