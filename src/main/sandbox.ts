import { parseArgs } from 'node:util';
import { loadOrCreateWebhookSigningKeys, startSandbox, type SandboxOptions } from '../sandbox/index.js';

const HELP = `Usage: npm run sandbox -- [options]

Starts the local GoHighLevel simulator (REST API, OAuth, signed webhooks).

  --port <n>                 listen port (default 4010; 0 = ephemeral)
  --host <addr>              listen address (default 127.0.0.1)
  --seed <n>                 data seed; same seed, same data (default 42)
  --locations <n>            sub-accounts in the agency (default 2)
  --contacts <n>             contacts per location (default 200)
  --opportunities <n>        per location (default 30% of contacts)
  --appointments <n>         per location (default 20% of contacts)
  --conversations <n>        per location (default 20% of contacts)
  --invoices <n>             per location (default 10% of contacts)
  --client-id <id>           app client id the sandbox accepts
  --client-secret <secret>   app client secret the sandbox accepts
  --webhook-url <url>        the installed app's webhook URL
  --keys-file <path>         keep the webhook signing keys in this file (created with random keys
                             on first use), so an app trusting them survives restarts; default:
                             fresh random keys per start (never derived from the seed)
  --token-ttl <seconds>      access token lifetime (default 86399)
  --retry-interval-ms <ms>   spacing of webhook retries after a 429 (default 600000)
  --preinstalled             install the app on every location at start (no consent needed)
  --no-rate-limit            lift GHL's 100/10 s and 200k/day budgets (benchmarks)
  --help                     this text
`;

function readNumberFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) {
    process.stderr.write(`--${name} must be a number, got "${value}"\n`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    locations: { type: 'string' },
    contacts: { type: 'string' },
    opportunities: { type: 'string' },
    appointments: { type: 'string' },
    conversations: { type: 'string' },
    invoices: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'webhook-url': { type: 'string' },
    'keys-file': { type: 'string' },
    'token-ttl': { type: 'string' },
    'retry-interval-ms': { type: 'string' },
    preinstalled: { type: 'boolean' },
    'no-rate-limit': { type: 'boolean' },
    help: { type: 'boolean' },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const options: SandboxOptions = { port: readNumberFlag(values.port, 'port') ?? 4010, contacts: 200 };
const numericFlags = ['seed', 'locations', 'contacts', 'opportunities', 'appointments', 'conversations', 'invoices'] as const;
for (const flag of numericFlags) {
  const parsed = readNumberFlag(values[flag], flag);
  if (parsed !== undefined) options[flag] = parsed;
}
if (values.host) options.host = values.host;
if (values['client-id']) options.clientId = values['client-id'];
if (values['client-secret']) options.clientSecret = values['client-secret'];
if (values['webhook-url']) options.webhookUrl = values['webhook-url'];
if (values['keys-file']) options.webhookSigningKeys = loadOrCreateWebhookSigningKeys(values['keys-file']).keys;
const ttl = readNumberFlag(values['token-ttl'], 'token-ttl');
if (ttl !== undefined) options.accessTokenTtlSeconds = ttl;
const retryIntervalMs = readNumberFlag(values['retry-interval-ms'], 'retry-interval-ms');
if (retryIntervalMs !== undefined) options.webhookRetryIntervalMs = retryIntervalMs;
if (values.preinstalled) options.preinstalled = true;
if (values['no-rate-limit']) options.rateLimits = { burstMax: Number.MAX_SAFE_INTEGER, dailyMax: Number.MAX_SAFE_INTEGER };

const startedAtMs = Date.now();
const sandbox = await startSandbox(options);
process.stdout.write(
  [
    `GHL sandbox listening on ${sandbox.baseUrl} (data ready in ${Date.now() - startedAtMs} ms)`,
    `  REST base URL:   ${sandbox.baseUrl}`,
    `  authorize URL:   ${sandbox.authorizeUrl}?response_type=code&client_id=${sandbox.clientId}&redirect_uri=<your callback>`,
    `  token URL:       ${sandbox.baseUrl}/oauth/token`,
    `  client id:       ${sandbox.clientId}`,
    `  client secret:   ${sandbox.clientSecret}`,
    `  company id:      ${sandbox.companyId}`,
    `  location ids:    ${sandbox.locationIds.join(', ')}`,
    `  public keys:     ${sandbox.baseUrl}/sandbox/public-keys`,
    `  state summary:   ${sandbox.baseUrl}/sandbox/state/summary`,
    '',
  ].join('\n'),
);

const shutdown = (): void => {
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
