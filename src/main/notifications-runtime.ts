import type { AppConfig, NotificationsConfig } from '../config/index.js';
import type { Clock } from '../platform/clock/clock.js';
import type { Database } from '../platform/db/index.js';
import { refuseInsideTransaction } from '../platform/db/index.js';
import { createGuardedSender, createUrlGuard } from '../platform/http-client/index.js';
import type { IdGenerator } from '../platform/ids/ids.js';
import type { Logger } from '../platform/log/index.js';
import type { Metrics } from '../platform/metrics/index.js';
import {
  createEmailTransports,
  createNotificationMetrics,
  createTwilioSmsTransport,
  createUnsubscribeTokens,
  verifyTwilioSignature,
  type CapturedMessagesSource,
  type EmailAccount,
  type NotificationsDeps,
} from '../modules/notifications/index.js';
import type { Vault } from '../modules/vault/index.js';
import { startProviderFakes, type ProviderFakes } from '../sandbox/providers/index.js';

function defaultEmailAccount(config: NotificationsConfig): EmailAccount | undefined {
  switch (config.emailProvider) {
    case 'smtp':
      return config.smtp ? { provider: 'smtp', ...config.smtp } : undefined;
    case 'sendgrid':
      return config.sendgridApiKey ? { provider: 'sendgrid', apiKey: config.sendgridApiKey } : undefined;
    case 'resend':
      return config.resendApiKey ? { provider: 'resend', apiKey: config.resendApiKey } : undefined;
    case undefined:
      return undefined;
  }
}

/** The collaborators of the notifications module: provider adapters (official SDKs), SSRF guard, metrics. */
export function buildNotificationsDeps(input: {
  config: AppConfig;
  database: Database;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
  vault: Vault;
  metrics: Metrics;
  serverSecret: string;
  wakeJobs: () => void;
  captured?: CapturedMessagesSource | undefined;
}): NotificationsDeps {
  const { config } = input;
  const settings = config.notifications;
  const refuse = config.httpClient.refuseCallsInTransaction ? refuseInsideTransaction : undefined;
  const urlGuard = createUrlGuard({ allowList: settings.outboundUrlAllowList });
  return {
    database: input.database,
    clock: input.clock,
    generateId: input.generateId,
    logger: input.logger,
    vault: input.vault,
    wakeJobs: input.wakeJobs,
    email: createEmailTransports({ sendgridBaseUrl: settings.sendgridBaseUrl, resendBaseUrl: settings.resendBaseUrl, smtpPoolSize: 5 }),
    sms: createTwilioSmsTransport({ apiBaseUrl: settings.twilioBaseUrl, timeoutMs: 15_000, ...(refuse ? { guard: refuse } : {}) }),
    verifyTwilioSignature,
    urlGuard,
    webhookSender: createGuardedSender({
      guard: urlGuard,
      defaultTimeoutMs: settings.webhookTimeoutMs,
      ...(refuse ? { refuse } : {}),
      onCall: (call) => {
        input.metrics.outboundRequests.inc({ service: 'webhooks', endpoint: call.endpoint, status: String(call.status) });
        input.metrics.outboundRequestSeconds.observe({ service: 'webhooks', endpoint: call.endpoint }, call.durationMs / 1000);
      },
    }),
    unsubscribeTokens: createUnsubscribeTokens(input.serverSecret),
    metrics: createNotificationMetrics(input.metrics.registry),
    captured: input.captured,
    settings: {
      publicBaseUrl: (config.http.publicUrl ?? `http://127.0.0.1:${config.http.port}`).replace(/\/$/, ''),
      defaultEmail: { account: defaultEmailAccount(settings), from: settings.emailFrom },
      defaultSms: { account: settings.twilio, from: settings.smsFrom },
      defaultCountry: settings.defaultCountry,
      costs: settings.costs,
      markups: settings.markups,
      webhookTimeoutMs: settings.webhookTimeoutMs,
      messageMaxAttempts: settings.maxAttempts,
      secretRotationOverlapSeconds: settings.secretRotationOverlapSeconds,
      resendWebhookSecret: settings.resendWebhookSecret,
    },
  };
}

/**
 * Points the operator's default providers at the local fakes (sandbox mode and tests): SMTP to the
 * capture server, SendGrid/Resend/Twilio base URLs to the HTTP fake, and the fakes' credentials.
 * 127.0.0.1 joins the SSRF allow-list so sandbox webhook endpoints on this machine receive deliveries.
 */
export function withProviderFakes(config: AppConfig, fakes: ProviderFakes, emailProvider: 'smtp' | 'sendgrid' | 'resend' = 'smtp'): AppConfig {
  const notifications: NotificationsConfig = {
    ...config.notifications,
    emailProvider,
    emailFrom: config.notifications.emailFrom ?? 'Switchboard Sandbox <sandbox@switchboard.test>',
    smtp: { host: fakes.smtp.host, port: fakes.smtp.port, user: undefined, password: undefined, secure: false },
    sendgridApiKey: fakes.sendgridApiKey,
    resendApiKey: fakes.resendApiKey,
    sendgridBaseUrl: fakes.httpBaseUrl,
    resendBaseUrl: fakes.httpBaseUrl,
    twilioBaseUrl: fakes.httpBaseUrl,
    twilio: { accountSid: fakes.twilio.accountSid, authToken: fakes.twilio.authToken },
    smsFrom: fakes.twilio.from,
    resendWebhookSecret: fakes.resendWebhookSecret,
    outboundUrlAllowList: [...new Set([...config.notifications.outboundUrlAllowList, '127.0.0.1'])],
  };
  return { ...config, notifications };
}

/** The fakes as the module's captured-messages source. */
export function capturedSourceOf(fakes: ProviderFakes): CapturedMessagesSource {
  return { listCaptured: () => fakes.listCaptured() };
}

export interface NotificationsRuntime {
  config: AppConfig;
  fakes: ProviderFakes | undefined;
  close(): Promise<void>;
}

/**
 * `npm start`: with no email provider and no Twilio account configured (and outside production),
 * the provider fakes start and the app sends to them; their inbox shows at /api/notifications/sandbox/messages.
 */
export async function resolveNotificationsRuntime(config: AppConfig, logger: Logger): Promise<NotificationsRuntime> {
  const settings = config.notifications;
  const isConfigured = settings.emailProvider !== undefined || settings.twilio !== undefined;
  if (isConfigured || settings.sandbox.mode === 'off' || config.env === 'production') {
    if (!isConfigured) logger.warn('no notification provider configured (NOTIFY_EMAIL_PROVIDER, NOTIFY_TWILIO_*): agencies must configure their own');
    return { config, fakes: undefined, close: async () => undefined };
  }
  let fakes: ProviderFakes;
  try {
    fakes = await startProviderFakes({ httpPort: settings.sandbox.httpPort, smtpPort: settings.sandbox.smtpPort, seed: 'switchboard-sandbox' });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EADDRINUSE') throw error;
    logger.warn({ httpPort: settings.sandbox.httpPort, smtpPort: settings.sandbox.smtpPort }, 'a provider fake port is taken; the fakes listen on free ports instead');
    fakes = await startProviderFakes({ seed: 'switchboard-sandbox' });
  }
  const base = (config.http.publicUrl ?? `http://127.0.0.1:${config.http.port}`).replace(/\/$/, '');
  fakes.setTwilioInboundUrl(`${base}/api/notifications/providers/twilio/inbound`);
  fakes.setResendEventsUrl(`${base}/api/notifications/providers/resend/events`);
  return { config: withProviderFakes(config, fakes), fakes, close: () => fakes.close() };
}
