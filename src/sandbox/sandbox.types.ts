/**
 * Fault injection settings. Every share is a number between 0 and 1. Settable globally or per
 * location, at start (`SandboxOptions.faults`) or at run time (`setFaults`, `POST /sandbox/faults`).
 */
export interface FaultConfig {
  /** Added latency before every API answer. */
  latencyMs?: number;
  /** Random extra latency in [0, latencyJitterMs). */
  latencyJitterMs?: number;
  /** Share of API requests answered with a 5xx (status from `serverErrorStatus`, default 500). */
  serverErrorRate?: number;
  serverErrorStatus?: 500 | 502 | 503 | 504;
  /** Share of API requests answered 429 whatever the real budget says (a "429 storm"). */
  rateLimitStormRate?: number;
  /** When true at the moment it is set, every live access and refresh token of the scope is revoked (one shot). */
  revokeTokens?: boolean;
  /** Share of webhook deliveries sent twice (same webhookId, same body). */
  webhookDuplicateRate?: number;
  /** Share of webhook deliveries held back by `webhookReorderDelayMs` so later events overtake them. */
  webhookReorderRate?: number;
  webhookReorderDelayMs?: number;
  /** Share of webhook deliveries silently never sent. */
  webhookDropRate?: number;
}

/** Rate limits per (app, location or company); GHL documents 100 / 10 s and 200,000 / day. */
export interface RateLimitConfig {
  burstMax: number;
  burstWindowMs: number;
  dailyMax: number;
}

/**
 * Behaviour the reference marks UNCONFIRMED. Each default is the most plausible reading;
 * docs/sandbox.md lists them.
 */
export interface SandboxQuirks {
  /**
   * Also sign with the legacy RSA `x-wh-signature` header. Off by default: GHL deprecated it in 2026 and the
   * official SDK (3.x README) says it is no longer sent; tests of an RSA fallback turn it on.
   */
  sendLegacyRsaSignature: boolean;
  /** Echo `state` back on the consent redirect (undocumented by GHL). */
  echoState: boolean;
  /**
   * Accept every version GHL's API Versioning page lists as supported (2021-04-15, 2021-07-28, 2023-02-21,
   * legacy) on every family, as GHL does (the official SDK sends one value everywhere). False: only the
   * value the family's spec enumerates.
   */
  acceptEverySupportedVersion: boolean;
  /** Keep the original `webhookId` and `timestamp` on 429 retries. */
  retryKeepsWebhookId: boolean;
  /** Multi-location consent yields a Company token (bulk installation is on by default at GHL). */
  bulkInstallYieldsCompanyToken: boolean;
  /**
   * `GET /conversations/{id}/messages` nests the page under `messages` as the official spec did until its
   * 2026-05-01 sync. Off by default: the current spec (v2 and v3) and the SDK 3.x types answer it flat.
   */
  nestConversationMessages: boolean;
  /**
   * Status for an unknown id. ghl-api.md §8 expects 404 (body shape UNCONFIRMED; v3 defines NotFoundDTO),
   * although the v2 operations document only 400/422.
   */
  notFoundStatus: 400 | 404;
}

export interface SandboxOptions {
  port?: number;
  host?: string;
  seed?: number;
  locations?: number;
  contacts?: number;
  opportunities?: number;
  appointments?: number;
  conversations?: number;
  invoices?: number;
  accessTokenTtlSeconds?: number;
  clientId?: string;
  clientSecret?: string;
  webhookUrl?: string;
  webhookRetryIntervalMs?: number;
  faults?: FaultConfig;
  /** Extension: override GHL's documented rate limits (benchmarks raise them). */
  rateLimits?: Partial<RateLimitConfig>;
  /** Extension: UNCONFIRMED behaviour switches. */
  quirks?: Partial<SandboxQuirks>;
  /** Extension: max concurrent webhook deliveries (default 64). */
  webhookConcurrency?: number;
  /** Extension: size of the sandbox's own RSA webhook key (default 1024 for signing speed; 2048 like GHL's). */
  rsaModulusBits?: number;
  /**
   * Extension: the private keys webhooks are signed with (PEM, PKCS#8). Default: fresh random keys
   * (never derived from `seed`, which is public). `npm start` keeps one pair per data dir.
   */
  webhookSigningKeys?: WebhookSigningKeys;
  /** Extension: install the app on every location at start (no consent needed; no INSTALL webhook is sent). */
  preinstalled?: boolean;
  /**
   * Extension: the sandbox's clock in ms since epoch (token expiry, rate-limit windows, codes, webhook
   * timestamps). Tests move it forward instead of sleeping until a token expires. Default `Date.now`.
   */
  now?: () => number;
}

export interface SandboxStats {
  requests: number;
  webhooksDelivered: number;
  /** Deliveries that ended without a 2xx (a non-429 answer, a network error, or the last 429 retry). */
  webhooksFailed: number;
  /** 429 answers that were retried. */
  webhooksRetried: number;
  /** Deliveries dropped by the `webhookDropRate` fault. */
  webhooksDropped: number;
  /** Events not sent because the app is not installed on their location (uninstalled, or never installed). */
  webhooksSuppressed: number;
  rateLimited: number;
}

export interface SandboxHandle {
  baseUrl: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  companyId: string;
  locationIds: string[];
  webhookPublicKeys: { ed25519Pem: string; rsaPem: string };
  setWebhookUrl(url: string): void;
  setFaults(faults: FaultConfig, locationId?: string): void;
  stats(): SandboxStats;
  close(): Promise<void>;
}

/** The sandbox's webhook signing keys as PEM (PKCS#8 private keys). */
export interface WebhookSigningKeys {
  ed25519PrivateKeyPem: string;
  rsaPrivateKeyPem: string;
}
