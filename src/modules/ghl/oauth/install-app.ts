import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { ensureGhlCompany, ensureGhlLocation, linkCompanyToGhl } from '../../tenants/index.js';
import { upsertOAuthInstallation } from '../lifecycle/installations.repo.js';
import { appIdOf, type GhlOAuthClient, type GhlUserType, type TokenResponse } from './oauth-client.js';
import type { InstallState } from './install-state.js';
import type { GhlTokenStore } from './token-store.js';

export interface GhlAppSettings {
  clientId: string;
  authorizeUrl: string;
  redirectUri: string;
  scopes: string[];
  /** Where a browser finishing the install is redirected; unset: a confirmation page. */
  installDoneUrl?: string | undefined;
}

export interface InstallDeps {
  database: Database;
  oauth: GhlOAuthClient;
  tokens: GhlTokenStore;
  state: InstallState;
  settings: GhlAppSettings;
  clock: Clock;
  generateId: IdGenerator;
  /** What other modules do when a location is installed (the crm module: setup sync, re-pushes). */
  listener?: LocationInstallListener | undefined;
}

export interface InstalledLocation {
  companyId: string;
  locationId: string;
  ghlLocationId: string;
}

/** A port of the ghl module: other modules learn of installed locations through it (wired in src/main). */
export interface LocationInstallListener {
  /** Runs in the transaction that stores the install, so work it enqueues exists exactly when the install does (outbox). */
  onLocationInstalled(tx: Executor, location: InstalledLocation): Promise<void>;
  /** Runs once the install committed (wakes workers). */
  afterLocationInstalled?(location: InstalledLocation): Promise<void>;
}

/** `companyId`: the agency of the admin who started the install; the GHL agency is linked to it. */
export async function buildInstallUrl(deps: Pick<InstallDeps, 'state' | 'settings'>, userType: GhlUserType, companyId?: string): Promise<string> {
  const url = new URL(deps.settings.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', deps.settings.redirectUri);
  url.searchParams.set('client_id', deps.settings.clientId);
  url.searchParams.set('scope', deps.settings.scopes.join(' '));
  url.searchParams.set('state', await deps.state.issue({ userType, companyId }));
  return url.toString();
}

export interface InstalledSummary {
  userType: GhlUserType;
  ghlCompanyId: string;
  companyId: string;
  locations: { ghlLocationId: string; locationId: string; name: string | null }[];
  /** Locations of an agency install whose location token could not be minted (retried by reinstall or INSTALL webhook). */
  failedLocations: { ghlLocationId: string; reason: string }[];
}

export type CompleteInstallError = 'state_invalid' | 'code_rejected' | 'ghl_unavailable' | 'token_incomplete' | 'company_conflict';

/**
 * The OAuth callback. Location installs store the location token; agency (Company) installs keep the
 * company token, list the installed locations and mint a location token for each. Idempotent: it
 * converges with the INSTALL webhook on one installation row per target.
 */
export async function completeInstall(deps: InstallDeps, input: { code: string; state: string | undefined }): Promise<Result<InstalledSummary, CompleteInstallError>> {
  const state = input.state === undefined ? undefined : await deps.state.verify(input.state);
  if (input.state !== undefined && !state) return fail('state_invalid', 'The install state is invalid or expired; start the install again');
  const exchanged = await deps.oauth.exchangeCode({ code: input.code, redirectUri: deps.settings.redirectUri });
  if (!exchanged.ok) {
    return exchanged.kind === 'invalid_grant'
      ? fail('code_rejected', `GHL rejected the authorization code: ${exchanged.error.message}`)
      : fail('ghl_unavailable', `GHL did not complete the token exchange: ${exchanged.error.message}`);
  }
  const token = exchanged.token;
  const ghlCompanyId = token.companyId;
  if (!ghlCompanyId) return fail('token_incomplete', 'The token response names no companyId');
  const userType: GhlUserType = token.userType ?? (token.locationId ? 'Location' : 'Company');
  const appId = appIdOf(deps.settings.clientId);
  if (state?.companyId) {
    const linkCompanyId = state.companyId;
    const linked = await deps.database.system((tx) => linkCompanyToGhl(tx, linkCompanyId, ghlCompanyId));
    if (linked !== 'linked') return fail('company_conflict', 'This GHL agency is already connected to another Switchboard agency (or yours to another GHL agency)');
  }

  if (userType === 'Location') {
    const ghlLocationId = token.locationId;
    if (!ghlLocationId) return fail('token_incomplete', 'A Location token response names no locationId');
    const installed = await storeLocationInstall(deps, { appId, ghlCompanyId, ghlLocationId, name: undefined, token });
    const companyId = installed.companyId;
    await deps.listener?.afterLocationInstalled?.({ companyId, locationId: installed.locationId, ghlLocationId });
    return succeed({ userType, ghlCompanyId, companyId, locations: [{ ghlLocationId, locationId: installed.locationId, name: null }], failedLocations: [] });
  }

  const companyId = await deps.database.system(async (tx) => {
    const id = await ensureGhlCompany(tx, deps.generateId, { ghlCompanyId });
    await deps.tokens.saveTokens(tx, { companyId: id, locationId: null, userType: 'Company', ghlCompanyId, ghlLocationId: null, token });
    await upsertOAuthInstallation(tx, deps, { companyId: id, locationId: null, appId, installType: 'Company', ghlCompanyId, ghlLocationId: null, ghlTargetId: ghlCompanyId, token });
    return id;
  });
  const listed = await deps.oauth.listInstalledLocations({ companyAccessToken: token.access_token, ghlCompanyId });
  if (!listed.ok) return fail('ghl_unavailable', `GHL did not list the installed locations: ${listed.error.message}`);
  const locations: InstalledSummary['locations'] = [];
  const failedLocations: InstalledSummary['failedLocations'] = [];
  for (const location of listed.locations) {
    const minted = await deps.oauth.mintLocationToken({ companyAccessToken: token.access_token, ghlCompanyId, ghlLocationId: location.id });
    if (!minted.ok) {
      failedLocations.push({ ghlLocationId: location.id, reason: minted.error.message });
      continue;
    }
    const installed = await storeLocationInstall(deps, { appId, ghlCompanyId, ghlLocationId: location.id, name: location.name, token: minted.token });
    locations.push({ ghlLocationId: location.id, locationId: installed.locationId, name: location.name });
    await deps.listener?.afterLocationInstalled?.({ companyId: installed.companyId, locationId: installed.locationId, ghlLocationId: location.id });
  }
  return succeed({ userType, ghlCompanyId, companyId, locations, failedLocations });
}

async function storeLocationInstall(
  deps: InstallDeps,
  input: { appId: string; ghlCompanyId: string; ghlLocationId: string; name: string | undefined; token: TokenResponse },
) {
  return deps.database.system(async (tx) => {
    const tenant = await ensureGhlLocation(tx, deps.generateId, { ghlLocationId: input.ghlLocationId, ghlCompanyId: input.ghlCompanyId, name: input.name });
    await deps.tokens.saveTokens(tx, { companyId: tenant.companyId, locationId: tenant.locationId, userType: 'Location', ghlCompanyId: input.ghlCompanyId, ghlLocationId: input.ghlLocationId, token: input.token });
    await upsertOAuthInstallation(tx, deps, {
      companyId: tenant.companyId,
      locationId: tenant.locationId,
      appId: input.appId,
      installType: 'Location',
      ghlCompanyId: input.ghlCompanyId,
      ghlLocationId: input.ghlLocationId,
      ghlTargetId: input.ghlLocationId,
      token: input.token,
    });
    await deps.listener?.onLocationInstalled(tx, { companyId: tenant.companyId, locationId: tenant.locationId, ghlLocationId: input.ghlLocationId });
    return tenant;
  });
}
