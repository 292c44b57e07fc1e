import type { Executor } from '../../platform/db/index.js';
import type { EmailAccount, SmsAccount } from './notification-ports.js';
import type { SettingsRow } from './notifications.repo.js';
import type { MarkupSettings, NotificationsDeps } from './notifications.types.js';

type AccountDeps = Pick<NotificationsDeps, 'vault' | 'settings'>;

/** The agency's email account when it configured one, else the operator's default. */
export async function resolveEmailAccount(deps: AccountDeps, tx: Executor, settings: SettingsRow | undefined): Promise<{ account: EmailAccount; from: string } | undefined> {
  const from = settings?.emailFrom ?? deps.settings.defaultEmail.from;
  if (settings?.emailProvider) {
    const secret = settings.emailSecretId ? await deps.vault.readSecret(tx, settings.emailSecretId) : undefined;
    if (!from) return undefined;
    switch (settings.emailProvider) {
      case 'smtp':
        if (!settings.smtpHost) return undefined;
        return { from, account: { provider: 'smtp', host: settings.smtpHost, port: settings.smtpPort ?? 587, user: settings.smtpUser ?? undefined, password: secret, secure: (settings.smtpPort ?? 587) === 465 } };
      case 'sendgrid':
      case 'resend':
        return secret ? { from, account: { provider: settings.emailProvider, apiKey: secret } } : undefined;
      default:
        return undefined;
    }
  }
  const fallback = deps.settings.defaultEmail.account;
  return fallback && from ? { account: fallback, from } : undefined;
}

export async function resolveSmsAccount(deps: AccountDeps, tx: Executor, settings: SettingsRow | undefined): Promise<{ account: SmsAccount; from: string } | undefined> {
  if (settings?.twilioAccountSid && settings.twilioAuthTokenSecretId) {
    const authToken = await deps.vault.readSecret(tx, settings.twilioAuthTokenSecretId);
    const from = settings.smsFrom ?? deps.settings.defaultSms.from;
    return authToken && from ? { account: { accountSid: settings.twilioAccountSid, authToken }, from } : undefined;
  }
  const fallback = deps.settings.defaultSms.account;
  const from = deps.settings.defaultSms.from;
  return fallback && from ? { account: fallback, from } : undefined;
}

export function markupOf(defaults: MarkupSettings, settings: SettingsRow | undefined, channel: 'email' | 'sms' | 'webhook'): number {
  switch (channel) {
    case 'email':
      return settings?.markupEmailBps ?? defaults.emailBps;
    case 'sms':
      return settings?.markupSmsBps ?? defaults.smsBps;
    case 'webhook':
      return settings?.markupWebhookBps ?? defaults.webhookBps;
  }
}
