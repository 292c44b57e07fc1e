import { z } from 'zod';

/** Scopes the product uses (ghl-api.md §3). */
export const DEFAULT_GHL_SCOPES = [
  'locations.readonly',
  'locations/customFields.readonly',
  'locations/customFields.write',
  'locations/customValues.readonly',
  'locations/tags.readonly',
  'users.readonly',
  'contacts.readonly',
  'contacts.write',
  'opportunities.readonly',
  'opportunities.write',
  'calendars.readonly',
  'calendars/events.readonly',
  'calendars/events.write',
  'conversations.readonly',
  'conversations/message.readonly',
  'conversations/message.write',
  'invoices.readonly',
  'invoices.write',
  'oauth.readonly',
  'oauth.write',
];

export const ghlEnvSchema = z.object({
  GHL_CLIENT_ID: z.string().min(1).optional(),
  GHL_CLIENT_SECRET: z.string().min(1).optional(),
  GHL_API_BASE_URL: z.url().default('https://services.leadconnectorhq.com'),
  GHL_AUTHORIZE_URL: z.url().default('https://marketplace.gohighlevel.com/v2/oauth/chooselocation'),
  GHL_REDIRECT_URI: z.url().optional(),
  GHL_SCOPES: z.string().min(1).optional(),
  GHL_TOKEN_REFRESH_WINDOW_SECONDS: z.coerce.number().int().min(0).default(300),
  GHL_TOKEN_REFRESH_CRON: z.string().min(1).default('*/5 * * * *'),
  GHL_RECONCILE_CRON: z.string().min(1).default('*/15 * * * *'),
  GHL_CONTACT_DELETION_SWEEP_HOURS: z.coerce.number().min(0).default(24),
  GHL_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  GHL_INSTALL_STATE_TTL_SECONDS: z.coerce.number().int().min(60).default(1800),
  GHL_INSTALL_DONE_URL: z.url().optional(),
  GHL_SANDBOX: z.enum(['auto', 'off']).default('auto'),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  SANDBOX_LOCATIONS: z.coerce.number().int().min(1).max(50).default(2),
  SANDBOX_CONTACTS: z.coerce.number().int().min(0).max(100_000).default(200),
  SANDBOX_SEED: z.coerce.number().int().default(42),
});

export interface GhlConfig {
  /** undefined until a marketplace app is configured; then npm start can use the sandbox instead. */
  clientId: string | undefined;
  clientSecret: string | undefined;
  apiBaseUrl: string;
  authorizeUrl: string;
  redirectUri: string | undefined;
  scopes: string[];
  tokenRefreshWindowSeconds: number;
  tokenRefreshCron: string;
  /** When reconciliation enqueues a run per installed location (docs/reconciliation.md). */
  reconcileCron: string;
  /** How often reconciliation lists every contact id to find missed ContactDelete webhooks. */
  contactDeletionSweepHours: number;
  requestTimeoutMs: number;
  installStateTtlSeconds: number;
  /** Where a browser finishing the install is sent (`?status=installed|failed…`); unset: a small page. */
  installDoneUrl: string | undefined;
  sandbox: { mode: 'auto' | 'off'; port: number; locations: number; contacts: number; seed: number };
}

export function readGhlConfig(env: z.infer<typeof ghlEnvSchema>): GhlConfig {
  return {
    clientId: env.GHL_CLIENT_ID,
    clientSecret: env.GHL_CLIENT_SECRET,
    apiBaseUrl: env.GHL_API_BASE_URL,
    authorizeUrl: env.GHL_AUTHORIZE_URL,
    redirectUri: env.GHL_REDIRECT_URI,
    scopes: env.GHL_SCOPES ? env.GHL_SCOPES.split(/[\s,]+/).filter((scope) => scope.length > 0) : DEFAULT_GHL_SCOPES,
    tokenRefreshWindowSeconds: env.GHL_TOKEN_REFRESH_WINDOW_SECONDS,
    tokenRefreshCron: env.GHL_TOKEN_REFRESH_CRON,
    reconcileCron: env.GHL_RECONCILE_CRON,
    contactDeletionSweepHours: env.GHL_CONTACT_DELETION_SWEEP_HOURS,
    requestTimeoutMs: env.GHL_REQUEST_TIMEOUT_MS,
    installStateTtlSeconds: env.GHL_INSTALL_STATE_TTL_SECONDS,
    installDoneUrl: env.GHL_INSTALL_DONE_URL,
    sandbox: { mode: env.GHL_SANDBOX, port: env.SANDBOX_PORT, locations: env.SANDBOX_LOCATIONS, contacts: env.SANDBOX_CONTACTS, seed: env.SANDBOX_SEED },
  };
}

export function findGhlConfigProblems(raw: Record<string, string | undefined>): string[] {
  const hasId = Boolean(raw.GHL_CLIENT_ID);
  const hasSecret = Boolean(raw.GHL_CLIENT_SECRET);
  return hasId === hasSecret ? [] : ['GHL_CLIENT_ID / GHL_CLIENT_SECRET: set both or neither'];
}
