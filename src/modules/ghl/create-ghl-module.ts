import type { Clock } from '../../platform/clock/clock.js';
import { refuseInsideTransaction, type Database } from '../../platform/db/index.js';
import type { HttpServer } from '../../platform/http/index.js';
import { createHttpClient, type CallRecord, type HttpClient, type HttpExchange } from '../../platform/http-client/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import type { Logger } from '../../platform/log/index.js';
import type { AppModule } from '../../platform/module/index.js';
import type { Vault } from '../vault/index.js';
import { GhlClient } from './client/ghl-client.js';
import { readRateLimitHeaders } from './client/ghl-http.js';
import { createGhlLifecycleSubscriptions } from './lifecycle/lifecycle.webhooks.js';
import { createInstallState } from './oauth/install-state.js';
import type { InstallDeps, LocationInstallListener } from './oauth/install-app.js';
import { GhlOAuthClient } from './oauth/oauth-client.js';
import { registerOAuthRoutes } from './oauth/oauth.routes.js';
import { GhlTokenStore } from './oauth/token-store.js';

/**
 * GHL's budget is 100 requests per 10 s per app per location/company (ghl-api.md §4). The window we
 * keep is a little longer: our clock starts at send time, GHL's window counts arrivals, and network
 * jitter would otherwise let a 101st request land in one of GHL's windows (measured: 429s at 10.0 s).
 */
export const GHL_RATE_BUDGET = { maxPerWindow: 100, windowMs: 10_250, maxPerDay: 200_000 } as const;

export interface GhlSettings {
  apiBaseUrl: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string[];
  tokenRefreshWindowSeconds: number;
  tokenRefreshCron: string;
  requestTimeoutMs: number;
  installStateTtlSeconds: number;
  installDoneUrl?: string | undefined;
  /** Signs install `state`; the session secret is fine (different purpose claim). */
  stateSecret: string;
  /** Refuse any call to GHL made while a database transaction is open (HTTP_CLIENT_TRANSACTION_GUARD). */
  refuseCallsInTransaction?: boolean;
}

export interface GhlModuleDeps {
  database: Database;
  vault: Vault;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
  /** Where GHL is (the real API or the sandbox); without it GHL calls are disabled but lifecycle webhooks still apply. */
  settings?: GhlSettings | undefined;
  onCall?: (record: CallRecord) => void;
  /** Every request sent to GHL with its answer (observation only; test wiring records them for contract checks). */
  onExchange?: ((exchange: HttpExchange) => void) | undefined;
  /** Told of every installed location, inside the install's transaction (the crm module's setup sync). */
  installListener?: LocationInstallListener | undefined;
}

/** The connected half of the module: present when GHL (or the sandbox) is configured. */
export interface GhlConnection {
  http: HttpClient;
  oauth: GhlOAuthClient;
  tokens: GhlTokenStore;
  /** The one REST client; it implements the GHL gateways other modules declare (crm's GhlGateway). */
  client: GhlClient;
  installDeps: InstallDeps;
}

export interface GhlModule extends AppModule {
  connection: GhlConnection | undefined;
}

/**
 * The GHL marketplace app as an adapter: one rate-governed HTTP client, OAuth install and uninstall,
 * the token vault and the REST client. It knows no domain module; they reach it through ports.
 */
export function createGhlModule(deps: GhlModuleDeps): GhlModule {
  const connection = deps.settings ? connect(deps, deps.settings) : undefined;
  return {
    name: 'ghl',
    connection,
    registerRoutes: (app: HttpServer) => {
      if (connection) registerOAuthRoutes(app, connection.installDeps);
    },
    webhooks: createGhlLifecycleSubscriptions({ generateId: deps.generateId, clock: deps.clock, ...(connection ? { tokens: connection.tokens } : {}) }),
    schedules: connection && deps.settings ? [{ name: 'ghl.refresh-tokens', cron: deps.settings.tokenRefreshCron, run: () => connection.tokens.refreshExpiring() }] : [],
  };
}

function connect(deps: GhlModuleDeps, settings: GhlSettings): GhlConnection {
  const retry = { maxRetries: 3, baseDelayMs: 250, maxDelayMs: 5000, maxRateLimitWaits: 5 };
  const http = createHttpClient({
    defaultTimeoutMs: settings.requestTimeoutMs,
    retry,
    rateBudget: { ...GHL_RATE_BUDGET },
    readRateHeaders: readRateLimitHeaders,
    ...(deps.onCall ? { onCall: deps.onCall } : {}),
    ...(deps.onExchange ? { onExchange: deps.onExchange } : {}),
    ...(settings.refuseCallsInTransaction ? { guard: refuseInsideTransaction } : {}),
  });
  const oauth = new GhlOAuthClient({ http, apiBaseUrl: settings.apiBaseUrl, clientId: settings.clientId, clientSecret: settings.clientSecret });
  const tokens = new GhlTokenStore({
    database: deps.database,
    vault: deps.vault,
    oauth,
    clock: deps.clock,
    generateId: deps.generateId,
    logger: deps.logger,
    refreshWindowSeconds: settings.tokenRefreshWindowSeconds,
    // Every attempt of one grant timing out, the backoffs between them, and a margin.
    refreshLeaseSeconds: Math.ceil(((retry.maxRetries + 1) * settings.requestTimeoutMs + retry.maxRetries * retry.maxDelayMs) / 1000) + 10,
  });
  const client = new GhlClient({ http, apiBaseUrl: settings.apiBaseUrl, clientId: settings.clientId, tokens });
  const installDeps: InstallDeps = {
    database: deps.database,
    oauth,
    tokens,
    state: createInstallState({ secret: settings.stateSecret, ttlSeconds: settings.installStateTtlSeconds, now: () => deps.clock.now() }),
    settings: { clientId: settings.clientId, authorizeUrl: settings.authorizeUrl, redirectUri: settings.redirectUri, scopes: settings.scopes, installDoneUrl: settings.installDoneUrl },
    clock: deps.clock,
    generateId: deps.generateId,
    listener: deps.installListener,
  };
  return { http, oauth, tokens, client, installDeps };
}
