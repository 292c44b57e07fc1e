import { ALL_SCOPES, type InstallGrant, type IssuedTokens } from './token-vault.js';
import { asRecord, fail, failValidation, ok, readString, readStringArray, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { requireToken, type SandboxRuntime } from './sandbox-runtime.js';
import type { Location } from './sandbox-store.js';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function renderConsentPage(runtime: SandboxRuntime, query: URLSearchParams): ApiResult {
  const clientId = query.get('client_id') ?? '';
  const redirectUri = query.get('redirect_uri') ?? '';
  if (clientId !== runtime.clientId) {
    return { status: 400, contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>Invalid app</title><h1>Invalid client_id</h1>' };
  }
  const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const locations = [...runtime.store.locations.values()];
  const rows = locations
    .map((location, index) => `<li><label><input type="checkbox" name="locationIds" value="${location.id}"${index === 0 ? ' checked' : ''}> ${escapeHtml(location.name)} <small>(${location.id})</small></label></li>`)
    .join('\n');
  const body = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Choose account - GHL sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto}li{list-style:none;margin:.4rem 0}button{padding:.5rem 1.5rem}</style></head>
<body><h1>Connect your account</h1>
<p>The app <code>${escapeHtml(clientId)}</code> asks for: <code>${escapeHtml(query.get('scope') ?? 'all scopes')}</code></p>
<form method="post" action="/oauth/chooselocation/approve">
${hidden('client_id', clientId)}${hidden('redirect_uri', redirectUri)}${hidden('state', query.get('state') ?? '')}${hidden('scope', query.get('scope') ?? '')}${hidden('companyId', runtime.store.company.id)}
<h2>${escapeHtml(runtime.store.company.name)}</h2>
<p><label><input type="radio" name="user_type" value="Location" checked> Sub-account(s)</label>
<label><input type="radio" name="user_type" value="Company"> Whole agency</label></p>
<ul>${rows}</ul>
<button type="submit">Allow &amp; install</button></form></body></html>`;
  return { status: 200, contentType: 'text/html; charset=utf-8', body };
}

function grantScope(requested: string | undefined): string {
  const scopes = (requested ?? '').split(/[\s+]+/).filter((scope) => scope.length > 0);
  return scopes.length > 0 ? scopes.join(' ') : ALL_SCOPES.join(' ');
}

function sendInstallEvent(runtime: SandboxRuntime, installType: 'Location' | 'Company', location: Location | undefined, userId: string): void {
  const payload: Record<string, unknown> = { type: 'INSTALL', appId: runtime.appId, versionId: runtime.versionId, installType };
  if (location) payload['locationId'] = location.id;
  payload['companyId'] = runtime.store.company.id;
  payload['userId'] = userId;
  payload['companyName'] = runtime.store.company.name;
  payload['isWhitelabelCompany'] = runtime.store.company.isWhitelabelCompany;
  payload['whitelabelDetails'] = {};
  // INSTALL and UNINSTALL go to the default webhook URL whether or not events are subscribed.
  runtime.dispatcher.publish(payload, location?.id);
}

export function sendUninstallEvent(runtime: SandboxRuntime, locationId: string | undefined): void {
  const payload: Record<string, unknown> = { type: 'UNINSTALL', appId: runtime.appId };
  if (locationId) payload['locationId'] = locationId;
  else payload['companyId'] = runtime.store.company.id;
  runtime.dispatcher.publish(payload, locationId);
}

/** Marks the app installed and sends INSTALL, as approving the consent screen does at GHL. */
export function installApp(runtime: SandboxRuntime, userType: 'Location' | 'Company', locationIds: string[], nowMs: number): void {
  const installer = [...runtime.store.users.values()][0]?.id ?? '';
  if (userType === 'Company') {
    runtime.installations.isCompanyInstalled = true;
    runtime.installations.installToFutureLocations = true;
    for (const locationId of locationIds) runtime.installations.install(locationId, nowMs);
    sendInstallEvent(runtime, 'Company', undefined, installer);
    return;
  }
  for (const locationId of locationIds) {
    runtime.installations.install(locationId, nowMs);
    sendInstallEvent(runtime, 'Location', runtime.store.locations.get(locationId), installer);
  }
}

function approveConsent(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const clientId = readString(body, 'client_id');
  const redirectUri = readString(body, 'redirect_uri');
  if (clientId !== runtime.clientId) fail(400, 'Invalid client_id');
  if (!redirectUri) failValidation(['redirect_uri should not be empty']);
  if (!URL.canParse(redirectUri)) failValidation(['redirect_uri must be a URL address']);
  const userType = readString(body, 'user_type') === 'Company' ? 'Company' : 'Location';
  const requested = [...(readStringArray(body, 'locationIds') ?? []), ...(readStringArray(body, 'locationId') ?? [])];
  const allLocationIds = [...runtime.store.locations.keys()];
  const locationIds = requested.length > 0 ? [...new Set(requested)] : userType === 'Company' ? allLocationIds : allLocationIds.slice(0, 1);
  for (const locationId of locationIds) if (!runtime.store.locations.has(locationId)) fail(400, `Unknown location ${locationId}`);
  const companyId = readString(body, 'companyId') ?? runtime.store.company.id;
  if (companyId !== runtime.store.company.id) fail(400, 'Unknown companyId');
  const installer = [...runtime.store.users.values()][0]?.id ?? '';
  const isBulk = userType === 'Location' && locationIds.length > 1 && runtime.quirks.bulkInstallYieldsCompanyToken;
  const tokenType = userType === 'Company' || isBulk ? 'Company' : 'Location';
  const grant: InstallGrant = {
    userType: tokenType,
    companyId,
    locationId: tokenType === 'Location' ? locationIds[0] : undefined,
    userId: installer,
    scope: grantScope(readString(body, 'scope')),
    approvedLocations: locationIds,
    isBulkInstallation: isBulk,
    approveAllLocations: userType === 'Company' && requested.length === 0,
  };
  const code = runtime.vault.createCode(runtime.clientId, redirectUri, grant, context.nowMs);
  installApp(runtime, userType, locationIds, context.nowMs);
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  const state = readString(body, 'state');
  if (state && runtime.quirks.echoState) target.searchParams.set('state', state);
  return { status: 302, headers: { location: target.toString() }, body: { code, redirectUrl: target.toString() } };
}

function toTokenResponse(issued: IssuedTokens, ttlSeconds: number): Record<string, unknown> {
  const { access, grant } = issued;
  const response: Record<string, unknown> = {
    access_token: access.accessToken,
    token_type: 'Bearer',
    expires_in: ttlSeconds,
    refresh_token: issued.refreshToken,
    scope: access.scope,
    refreshTokenId: issued.refreshTokenId,
    userType: grant.userType,
    companyId: grant.companyId,
    userId: grant.userId,
    isBulkInstallation: grant.isBulkInstallation,
  };
  if (grant.locationId) response['locationId'] = grant.locationId;
  if (grant.userType === 'Company') {
    response['approvedLocations'] = grant.approvedLocations;
    response['approveAllLocations'] = grant.approveAllLocations;
    response['installToFutureLocations'] = grant.approveAllLocations;
  }
  return response;
}

function exchangeToken(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const grantType = readString(body, 'grant_type');
  const problems: string[] = [];
  if (!readString(body, 'client_id')) problems.push('client_id should not be empty');
  if (!readString(body, 'client_secret')) problems.push('client_secret should not be empty');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token' && grantType !== 'client_credentials') {
    problems.push('grant_type must be a valid enum value');
    if (!grantType) problems.push('grant_type should not be empty');
  }
  const userType = readString(body, 'user_type');
  if (userType !== undefined && userType !== 'Company' && userType !== 'Location') problems.push('user_type must be a valid enum value');
  if (problems.length > 0) failValidation(problems);
  if (readString(body, 'client_id') !== runtime.clientId || readString(body, 'client_secret') !== runtime.clientSecret) {
    fail(401, 'Invalid client credentials');
  }
  if (grantType === 'authorization_code') {
    const code = readString(body, 'code');
    if (!code) failValidation(['code should not be empty']);
    const grant = runtime.vault.consumeCode(code, runtime.clientId, context.nowMs);
    if (!grant) fail(401, 'Invalid grant: authorization code is invalid or expired');
    const redirectUri = readString(body, 'redirect_uri');
    if (redirectUri && redirectUri !== grant.redirectUri) fail(401, 'Invalid grant: redirect_uri does not match');
    return ok(toTokenResponse(runtime.vault.issue(runtime.clientId, grant, context.nowMs), runtime.vault.ttlSeconds));
  }
  if (grantType === 'refresh_token') {
    const refreshToken = readString(body, 'refresh_token');
    if (!refreshToken) failValidation(['refresh_token should not be empty']);
    const issued = runtime.vault.refresh(refreshToken, runtime.clientId, context.nowMs);
    // UNCONFIRMED: the exact error for a reused refresh token; GHL rotates them (single use).
    if (issued === 'reused' || issued === 'invalid') fail(401, 'Invalid grant: refresh token is invalid');
    return ok(toTokenResponse(issued, runtime.vault.ttlSeconds));
  }
  // UNCONFIRMED: client_credentials is in the spec's enum but no flow is documented.
  fail(400, 'client_credentials grant is not supported for marketplace apps');
}

function mintLocationToken(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const body = asRecord(context.body);
  const companyId = readString(body, 'companyId');
  const locationId = readString(body, 'locationId');
  const problems: string[] = [];
  if (!companyId) problems.push('companyId should not be empty');
  if (!locationId) problems.push('locationId should not be empty');
  if (problems.length > 0 || !companyId || !locationId) failValidation(problems);
  if (companyId !== token.companyId) fail(403, 'The token does not have access to this company.');
  const location = runtime.store.locations.get(locationId);
  if (!location || location.companyId !== companyId) fail(400, 'Location not found for this company');
  if (!runtime.installations.isInstalled(locationId)) {
    // A location the app was uninstalled from needs a new INSTALL; minting a token is not one.
    if (!runtime.installations.installToFutureLocations || runtime.installations.isUninstalled(locationId)) fail(400, 'The app is not installed on this location');
    runtime.installations.install(locationId, context.nowMs);
  }
  const issued = runtime.vault.issue(
    runtime.clientId,
    { userType: 'Location', companyId, locationId, userId: token.userId, scope: token.scope, approvedLocations: [], isBulkInstallation: false, approveAllLocations: false },
    context.nowMs,
  );
  // Fields of the spec plus those of the OAuth guide's sample (refresh_token, userType, companyId).
  return ok({
    access_token: issued.access.accessToken,
    token_type: 'Bearer',
    expires_in: runtime.vault.ttlSeconds,
    refresh_token: issued.refreshToken,
    scope: issued.access.scope,
    userType: 'Location',
    companyId,
    locationId,
    userId: token.userId,
    appId: runtime.appId,
    versionId: runtime.versionId,
    refreshTokenId: issued.refreshTokenId,
  });
}

function listInstalledLocations(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const companyId = context.query.get('companyId');
  const appId = context.query.get('appId');
  const problems: string[] = [];
  if (!companyId) problems.push('companyId should not be empty');
  if (!appId) problems.push('appId should not be empty');
  if (problems.length > 0) failValidation(problems);
  if (companyId !== token.companyId) fail(403, 'The token does not have access to this company.');
  const skip = Number(context.query.get('skip') ?? '0') || 0;
  const limit = Number(context.query.get('limit') ?? '20') || 20;
  const isInstalledFilter = context.query.get('isInstalled');
  const search = context.query.get('query')?.toLowerCase();
  const onlyLocationId = context.query.get('locationId');
  const rows = [...runtime.store.locations.values()]
    .filter((location) => !onlyLocationId || location.id === onlyLocationId)
    .filter((location) => !search || location.name.toLowerCase().includes(search))
    .map((location) => {
      const installedAtMs = runtime.installations.installedAtMsByLocation.get(location.id);
      const row: Record<string, unknown> = { _id: location.id, name: location.name, address: location.address, isInstalled: installedAtMs !== undefined };
      if (installedAtMs !== undefined) {
        row['versionId'] = runtime.versionId;
        row['installedAt'] = new Date(installedAtMs).toISOString();
      }
      return row;
    })
    .filter((row) => isInstalledFilter === null || String(row['isInstalled']) === isInstalledFilter);
  return ok({ locations: rows.slice(skip, skip + limit), count: runtime.store.locations.size, installToFutureLocations: runtime.installations.installToFutureLocations });
}

export function createOauthRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const consent = (context: RequestContext): ApiResult => renderConsentPage(runtime, context.query);
  return [
    { method: 'GET', path: '/oauth/chooselocation', handle: consent },
    { method: 'GET', path: '/v2/oauth/chooselocation', handle: consent },
    { method: 'POST', path: '/oauth/chooselocation/approve', handle: (context) => approveConsent(runtime, context) },
    { method: 'POST', path: '/oauth/token', handle: (context) => exchangeToken(runtime, context) },
    { method: 'POST', path: '/oauth/locationToken', family: 'oauth', tokenRequirement: 'company', handle: (context) => mintLocationToken(runtime, context) },
    { method: 'GET', path: '/oauth/installedLocations', family: 'oauth', tokenRequirement: 'company', handle: (context) => listInstalledLocations(runtime, context) },
  ];
}
