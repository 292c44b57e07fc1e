import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCalendarRoutes } from './calendars.routes.js';
import { createContactRoutes } from './contacts.routes.js';
import { createConversationRoutes } from './conversations.routes.js';
import { generateSandboxData } from './data-generator.js';
import { FaultInjector } from './fault-injector.js';
import { ApiError, createErrorBody, FAMILY_VERSION, parseBody, readBody, Router, sendResult, type ApiResult, type HttpMethod, type RequestContext, type RouteDefinition } from './http-kit.js';
import { createInvoiceRoutes } from './invoices.routes.js';
import { createLocationRoutes } from './locations.routes.js';
import { createOauthRoutes } from './oauth.routes.js';
import { createOpportunityRoutes } from './opportunities.routes.js';
import { SeededRandom } from './random.js';
import { GHL_RATE_LIMITS, RateLimiter } from './rate-limiter.js';
import { createControlRoutes, type RouteUsage } from './sandbox-control.routes.js';
import { InstallationRegistry, type SandboxRuntime } from './sandbox-runtime.js';
import type { FaultConfig, SandboxHandle, SandboxOptions, SandboxQuirks, SandboxStats } from './sandbox.types.js';
import { TokenVault } from './token-vault.js';
import { createUserRoutes } from './users.routes.js';
import { createWebhookKeys, WebhookDispatcher } from './webhook-dispatcher.js';

export const DEFAULT_CLIENT_ID = 'sandbox-client-id';
export const DEFAULT_CLIENT_SECRET = 'sandbox-client-secret';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 86_399;
/** GHL spaces 429 retries by ~10 minutes; tests shorten it. */
export const DEFAULT_WEBHOOK_RETRY_INTERVAL_MS = 600_000;

export const DEFAULT_QUIRKS: SandboxQuirks = {
  sendLegacyRsaSignature: false,
  echoState: true,
  acceptEverySupportedVersion: true,
  retryKeepsWebhookId: true,
  bulkInstallYieldsCompanyToken: true,
  nestConversationMessages: false,
  notFoundStatus: 404,
};

/**
 * The versions GHL's "API Versioning" page lists as supported (marketplace.gohighlevel.com/docs, 2026):
 * a version is chosen per request, for the whole API. The official SDK sends one value on every family
 * (2023-02-21 by default since 3.0; its README sets 2021-07-28 globally). `v3` is "coming soon" and
 * answered like GHL answers a v2 path under v3 (highlevel-api-docs issue #304).
 */
export const SUPPORTED_VERSIONS: readonly string[] = ['2021-04-15', '2021-07-28', '2023-02-21', 'legacy'];
const WRONG_TOKEN_CLASS_MESSAGE = 'This authClass type is not allowed to access this scope. Please reach out to the Platform team to get it added.';
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** UNCONFIRMED: GHL's answer to a missing or unsupported Version header; a 400 is the plausible one. */
function checkVersion(route: RouteDefinition, header: string | string[] | undefined, quirks: SandboxQuirks, path: string): void {
  if (!route.family) return;
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) throw new ApiError(400, createErrorBody(400, 'Version header was not found'));
  const expected = FAMILY_VERSION[route.family];
  if (value === expected || (quirks.acceptEverySupportedVersion && SUPPORTED_VERSIONS.includes(value))) return;
  if (value === 'v3') throw new ApiError(400, createErrorBody(400, `Endpoint ${route.method} ${path} not available in API version v3`));
  throw new ApiError(400, createErrorBody(400, `Version ${value} is not supported for this endpoint; expected ${expected}`));
}

export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const seed = options.seed ?? 42;
  const now = options.now ?? Date.now;
  const contacts = options.contacts ?? 50;
  const store = generateSandboxData(seed, {
    locations: Math.max(1, options.locations ?? 2),
    contacts,
    opportunities: options.opportunities ?? Math.round(contacts * 0.3),
    appointments: options.appointments ?? Math.round(contacts * 0.2),
    conversations: options.conversations ?? Math.round(contacts * 0.2),
    invoices: options.invoices ?? Math.round(contacts * 0.1),
  });
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? DEFAULT_CLIENT_SECRET;
  // The app id is the part of the client id before the first '-' (ghl-api.md §2.1).
  const appId = clientId.split('-')[0] ?? clientId;
  const quirks: SandboxQuirks = { ...DEFAULT_QUIRKS, ...options.quirks };
  const faults = new FaultInjector();
  const keys = createWebhookKeys(options.rsaModulusBits ?? 1024, options.webhookSigningKeys);
  const dispatcher = new WebhookDispatcher({
    keys,
    faults,
    retryIntervalMs: options.webhookRetryIntervalMs ?? DEFAULT_WEBHOOK_RETRY_INTERVAL_MS,
    concurrency: options.webhookConcurrency ?? 64,
    sendLegacyRsaSignature: quirks.sendLegacyRsaSignature,
    retryKeepsWebhookId: quirks.retryKeepsWebhookId,
    now,
  });
  dispatcher.setUrl(options.webhookUrl);
  const vault = new TokenVault(options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS, appId);
  const rateLimiter = new RateLimiter({ ...GHL_RATE_LIMITS, ...options.rateLimits });
  const installations = new InstallationRegistry();
  if (options.preinstalled === true) for (const locationId of store.locations.keys()) installations.install(locationId, now());
  const runtime: SandboxRuntime = {
    store,
    vault,
    dispatcher,
    faults,
    installations,
    random: new SeededRandom((seed ^ 0x9e3779b9) >>> 0),
    quirks,
    clientId,
    clientSecret,
    appId,
    versionId: appId,
    baseUrl: '',
    counters: { requests: 0, rateLimited: 0, suppressedEvents: 0 },
    now,
  };
  const readStats = (): SandboxStats => ({
    requests: runtime.counters.requests,
    webhooksDelivered: dispatcher.delivered,
    webhooksFailed: dispatcher.failed,
    webhooksRetried: dispatcher.retried,
    webhooksDropped: dispatcher.dropped,
    webhooksSuppressed: runtime.counters.suppressedEvents,
    rateLimited: runtime.counters.rateLimited,
  });
  const setFaults = (config: FaultConfig, locationId?: string): void => {
    if (config.revokeTokens === true) vault.revoke(locationId, locationId === undefined);
    faults.set(config, locationId);
  };
  if (options.faults) setFaults(options.faults);

  const publicKeys = { ed25519Pem: keys.ed25519Pem, rsaPem: keys.rsaPem };
  const apiRoutes = [
    ...createOauthRoutes(runtime),
    ...createLocationRoutes(runtime),
    ...createUserRoutes(runtime),
    ...createContactRoutes(runtime),
    ...createOpportunityRoutes(runtime),
    ...createCalendarRoutes(runtime),
    ...createConversationRoutes(runtime),
    ...createInvoiceRoutes(runtime),
  ];
  const apiRouter = new Router();
  apiRouter.addAll(apiRoutes);
  // Requests per route, so contract tests can prove they drove every operation the sandbox serves.
  const routeHits = new Map<RouteDefinition, number>(apiRoutes.map((route) => [route, 0]));
  const listRoutes = (): RouteUsage[] => apiRoutes.map((route) => ({ method: route.method, path: route.path, family: route.family ?? null, hits: routeHits.get(route) ?? 0 }));
  const controlRouter = new Router();
  controlRouter.addAll(createControlRoutes({ runtime, publicKeys, setFaults, readStats, listRoutes }));

  async function handleApi(request: IncomingMessage, url: URL, route: RouteDefinition, params: Record<string, string>): Promise<{ result: ApiResult; headers: Record<string, string> }> {
    const nowMs = now();
    let headers = rateLimiter.createFullHeaders();
    const isConsent = route.path.includes('chooselocation');
    const context: RequestContext = { method: route.method, path: url.pathname, query: url.searchParams, params, headers: request.headers, body: undefined, token: undefined, nowMs };
    try {
      if (route.tokenRequirement) {
        const authorization = request.headers.authorization ?? '';
        const accessToken = /^bearer\s+/i.test(authorization) ? authorization.replace(/^bearer\s+/i, '').trim() : '';
        const token = accessToken ? vault.findAccessToken(accessToken) : undefined;
        if (!token || token.isRevoked || token.clientId !== clientId) throw new ApiError(401, createErrorBody(401, 'Invalid token: access token is invalid'));
        // UNCONFIRMED: the text for an expired token; "Invalid JWT" is what integrators report.
        if (token.expiresAtMs <= nowMs) throw new ApiError(401, createErrorBody(401, 'Invalid JWT'));
        if (route.tokenRequirement !== 'any' && (route.tokenRequirement === 'location') !== (token.userType === 'Location')) {
          throw new ApiError(401, createErrorBody(401, WRONG_TOKEN_CLASS_MESSAGE));
        }
        if (route.scope && !token.scopes.has(route.scope)) throw new ApiError(401, createErrorBody(401, 'The token is not authorized for this scope.'));
        context.token = token;
        const decision = rateLimiter.take(clientId, token.locationId ?? token.companyId, nowMs);
        headers = decision.headers;
        if (!decision.isAllowed) {
          runtime.counters.rateLimited++;
          throw new ApiError(429, createErrorBody(429, 'Too Many Requests - Rate limit exceeded'));
        }
      }
      checkVersion(route, request.headers['version'], quirks, url.pathname);
      if (!isConsent) {
        const locationId = context.token?.locationId;
        const latencyMs = faults.computeLatencyMs(locationId);
        if (latencyMs > 0) await sleep(latencyMs);
        const fault = faults.pickApiFault(locationId);
        if (fault.kind === 'rate-limit-storm') {
          runtime.counters.rateLimited++;
          throw new ApiError(429, createErrorBody(429, 'Too Many Requests - Rate limit exceeded'));
        }
        if (fault.kind === 'server-error') throw new ApiError(fault.status, createErrorBody(fault.status, 'Internal server error'));
      }
      const raw = request.method === 'GET' ? '' : await readBody(request);
      context.body = parseBody(raw, request.headers['content-type']);
      const result = await route.handle(context);
      return { result, headers };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && quirks.notFoundStatus !== 404) {
        return { result: { status: quirks.notFoundStatus, body: createErrorBody(quirks.notFoundStatus, error.message) }, headers };
      }
      if (error instanceof ApiError) return { result: { status: error.status, body: error.body }, headers };
      throw error;
    }
  }

  async function handleControl(request: IncomingMessage, url: URL, route: RouteDefinition, params: Record<string, string>): Promise<ApiResult> {
    const raw = request.method === 'GET' ? '' : await readBody(request);
    const context: RequestContext = { method: route.method, path: url.pathname, query: url.searchParams, params, headers: request.headers, body: undefined, token: undefined, nowMs: now() };
    try {
      context.body = parseBody(raw, request.headers['content-type']);
      return await route.handle(context);
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, body: error.body };
      throw error;
    }
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sandbox.local');
    const method = request.method ?? 'GET';
    if (url.pathname.startsWith('/sandbox/')) {
      const match = METHODS.has(method) ? controlRouter.match(method, url.pathname) : undefined;
      const result = match ? await handleControl(request, url, match.definition, match.params) : { status: 404, body: createErrorBody(404, `Cannot ${method} ${url.pathname}`) };
      sendResult(response, result, undefined);
      return;
    }
    runtime.counters.requests++;
    const match = METHODS.has(method) ? apiRouter.match(method as HttpMethod, url.pathname) : undefined;
    if (!match) {
      request.resume();
      sendResult(response, { status: 404, body: { ...createErrorBody(404, `Cannot ${method} ${url.pathname}`), traceId: randomUUID() } }, rateLimiter.createFullHeaders());
      return;
    }
    routeHits.set(match.definition, (routeHits.get(match.definition) ?? 0) + 1);
    const { result, headers } = await handleApi(request, url, match.definition, match.params);
    if (result.rawJson !== undefined) {
      result.rawJson = `${result.rawJson.slice(0, -1)},"traceId":"${randomUUID()}"}`;
    } else if (result.contentType === undefined && typeof result.body === 'object' && result.body !== null && !Array.isArray(result.body)) {
      (result.body as Record<string, unknown>)['traceId'] = randomUUID();
    }
    sendResult(response, result, headers);
  }

  const server = http.createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      console.error('[sandbox] unexpected error', error);
      if (!response.headersSent) sendResult(response, { status: 500, body: createErrorBody(500, 'Internal server error') }, undefined);
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const baseUrl = `http://${host}:${address.port}`;
  runtime.baseUrl = baseUrl;
  const sweepTimer = setInterval(() => vault.sweep(now()), 60_000);
  sweepTimer.unref();

  return {
    baseUrl,
    authorizeUrl: `${baseUrl}/oauth/chooselocation`,
    clientId,
    clientSecret,
    companyId: store.company.id,
    locationIds: [...store.locations.keys()],
    webhookPublicKeys: publicKeys,
    setWebhookUrl: (url: string) => dispatcher.setUrl(url),
    setFaults,
    stats: readStats,
    close: async () => {
      clearInterval(sweepTimer);
      dispatcher.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
