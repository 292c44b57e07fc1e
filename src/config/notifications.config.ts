import { z } from 'zod';

const commaList = z.string().transform((value) => value.split(',').map((item) => item.trim()).filter((item) => item.length > 0));

export const notificationsEnvSchema = z.object({
  NOTIFY_EMAIL_PROVIDER: z.enum(['smtp', 'sendgrid', 'resend', 'none']).optional(),
  NOTIFY_EMAIL_FROM: z.string().min(3).optional(),
  NOTIFY_SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be smtp://[user:pass@]host[:port] or smtps://…').optional(),
  NOTIFY_SENDGRID_API_KEY: z.string().min(1).optional(),
  NOTIFY_RESEND_API_KEY: z.string().min(1).optional(),
  NOTIFY_SENDGRID_BASE_URL: z.url().default('https://api.sendgrid.com'),
  NOTIFY_RESEND_BASE_URL: z.url().default('https://api.resend.com'),
  NOTIFY_TWILIO_BASE_URL: z.url().default('https://api.twilio.com'),
  NOTIFY_TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC + 32 hex)').optional(),
  NOTIFY_TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  NOTIFY_SMS_FROM: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number (+14155550100)').optional(),
  NOTIFY_DEFAULT_COUNTRY: z.string().regex(/^[A-Za-z]{2}$/).default('US'),
  NOTIFY_COST_EMAIL_MILLICENTS: z.coerce.number().int().min(0).default(100),
  NOTIFY_COST_SMS_SEGMENT_MILLICENTS: z.coerce.number().int().min(0).default(830),
  NOTIFY_COST_WEBHOOK_MILLICENTS: z.coerce.number().int().min(0).default(0),
  NOTIFY_MARKUP_EMAIL_BPS: z.coerce.number().int().min(0).max(100_000).default(1500),
  NOTIFY_MARKUP_SMS_BPS: z.coerce.number().int().min(0).max(100_000).default(2000),
  NOTIFY_MARKUP_WEBHOOK_BPS: z.coerce.number().int().min(0).max(100_000).default(0),
  NOTIFY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  NOTIFY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  NOTIFY_SECRET_ROTATION_OVERLAP_SECONDS: z.coerce.number().int().min(0).default(86_400),
  NOTIFY_RESEND_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'must start with whsec_').optional(),
  NOTIFY_SANDBOX: z.enum(['auto', 'off']).default('auto'),
  NOTIFY_SANDBOX_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(4020),
  NOTIFY_SANDBOX_SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
  OUTBOUND_URL_ALLOW_LIST: commaList.default([]),
});

export interface NotificationsConfig {
  /** The operator's default email provider; undefined = none (agencies must configure their own). */
  emailProvider: 'smtp' | 'sendgrid' | 'resend' | undefined;
  emailFrom: string | undefined;
  smtp: { host: string; port: number; user: string | undefined; password: string | undefined; secure: boolean } | undefined;
  sendgridApiKey: string | undefined;
  resendApiKey: string | undefined;
  sendgridBaseUrl: string;
  resendBaseUrl: string;
  twilioBaseUrl: string;
  twilio: { accountSid: string; authToken: string } | undefined;
  smsFrom: string | undefined;
  defaultCountry: string;
  costs: { emailMillicents: number; smsSegmentMillicents: number; webhookMillicents: number };
  markups: { emailBps: number; smsBps: number; webhookBps: number };
  webhookTimeoutMs: number;
  maxAttempts: number;
  secretRotationOverlapSeconds: number;
  resendWebhookSecret: string | undefined;
  /** auto: npm start runs the local provider fakes when no provider is configured (outside production). */
  sandbox: { mode: 'auto' | 'off'; httpPort: number; smtpPort: number };
  /** SSRF guard exceptions for tenant-configured URLs: addresses, CIDR ranges or host names. */
  outboundUrlAllowList: string[];
}

function parseSmtpUrl(raw: string): NotificationsConfig['smtp'] {
  const url = new URL(raw);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    secure,
  };
}

export function readNotificationsConfig(env: z.infer<typeof notificationsEnvSchema>): NotificationsConfig {
  return {
    emailProvider: env.NOTIFY_EMAIL_PROVIDER === 'none' ? undefined : env.NOTIFY_EMAIL_PROVIDER,
    emailFrom: env.NOTIFY_EMAIL_FROM,
    smtp: env.NOTIFY_SMTP_URL ? parseSmtpUrl(env.NOTIFY_SMTP_URL) : undefined,
    sendgridApiKey: env.NOTIFY_SENDGRID_API_KEY,
    resendApiKey: env.NOTIFY_RESEND_API_KEY,
    sendgridBaseUrl: env.NOTIFY_SENDGRID_BASE_URL,
    resendBaseUrl: env.NOTIFY_RESEND_BASE_URL,
    twilioBaseUrl: env.NOTIFY_TWILIO_BASE_URL,
    twilio: env.NOTIFY_TWILIO_ACCOUNT_SID && env.NOTIFY_TWILIO_AUTH_TOKEN ? { accountSid: env.NOTIFY_TWILIO_ACCOUNT_SID, authToken: env.NOTIFY_TWILIO_AUTH_TOKEN } : undefined,
    smsFrom: env.NOTIFY_SMS_FROM,
    defaultCountry: env.NOTIFY_DEFAULT_COUNTRY.toUpperCase(),
    costs: { emailMillicents: env.NOTIFY_COST_EMAIL_MILLICENTS, smsSegmentMillicents: env.NOTIFY_COST_SMS_SEGMENT_MILLICENTS, webhookMillicents: env.NOTIFY_COST_WEBHOOK_MILLICENTS },
    markups: { emailBps: env.NOTIFY_MARKUP_EMAIL_BPS, smsBps: env.NOTIFY_MARKUP_SMS_BPS, webhookBps: env.NOTIFY_MARKUP_WEBHOOK_BPS },
    webhookTimeoutMs: env.NOTIFY_WEBHOOK_TIMEOUT_MS,
    maxAttempts: env.NOTIFY_MAX_ATTEMPTS,
    secretRotationOverlapSeconds: env.NOTIFY_SECRET_ROTATION_OVERLAP_SECONDS,
    resendWebhookSecret: env.NOTIFY_RESEND_WEBHOOK_SECRET,
    sandbox: { mode: env.NOTIFY_SANDBOX, httpPort: env.NOTIFY_SANDBOX_HTTP_PORT, smtpPort: env.NOTIFY_SANDBOX_SMTP_PORT },
    outboundUrlAllowList: env.OUTBOUND_URL_ALLOW_LIST,
  };
}

/** Rules across variables: a chosen provider needs its settings. */
export function findNotificationsConfigProblems(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const provider = raw.NOTIFY_EMAIL_PROVIDER;
  if (provider === 'smtp' && !raw.NOTIFY_SMTP_URL) problems.push('NOTIFY_SMTP_URL: required with NOTIFY_EMAIL_PROVIDER=smtp');
  if (provider === 'sendgrid' && !raw.NOTIFY_SENDGRID_API_KEY) problems.push('NOTIFY_SENDGRID_API_KEY: required with NOTIFY_EMAIL_PROVIDER=sendgrid');
  if (provider === 'resend' && !raw.NOTIFY_RESEND_API_KEY) problems.push('NOTIFY_RESEND_API_KEY: required with NOTIFY_EMAIL_PROVIDER=resend');
  if (provider && provider !== 'none' && !raw.NOTIFY_EMAIL_FROM) problems.push('NOTIFY_EMAIL_FROM: required with NOTIFY_EMAIL_PROVIDER');
  if (Boolean(raw.NOTIFY_TWILIO_ACCOUNT_SID) !== Boolean(raw.NOTIFY_TWILIO_AUTH_TOKEN)) problems.push('NOTIFY_TWILIO_ACCOUNT_SID / NOTIFY_TWILIO_AUTH_TOKEN: set both or neither');
  if (raw.NOTIFY_TWILIO_ACCOUNT_SID && !raw.NOTIFY_SMS_FROM) problems.push('NOTIFY_SMS_FROM: required with a Twilio account');
  return problems;
}
