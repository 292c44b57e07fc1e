import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { isAgencyAdmin, withAgency, type AccessError } from './agency-access.js';
import { findSettings, isSmsSenderTakenByOther, upsertSettings, type SettingsRow } from './notifications.repo.js';
import type { NotificationsDeps } from './notifications.types.js';
import { normalizePhoneNumber } from './phone-numbers.js';
import { isValidEmail } from './notify.js';
import type { z } from 'zod';
import type { settingsBodySchema, settingsViewSchema } from './notifications.schemas.js';

type SettingsView = z.infer<typeof settingsViewSchema>;
type SettingsInput = z.infer<typeof settingsBodySchema>;
type SettingsDeps = Pick<NotificationsDeps, 'database' | 'vault' | 'clock' | 'settings'>;

function viewOf(deps: SettingsDeps, row: SettingsRow | undefined): SettingsView {
  const defaultProvider = deps.settings.defaultEmail.account?.provider ?? null;
  return {
    emailProvider: (row?.emailProvider as SettingsView['emailProvider']) ?? null,
    effectiveEmailProvider: (row?.emailProvider as SettingsView['emailProvider']) ?? defaultProvider,
    emailFrom: row?.emailFrom ?? null,
    smtpHost: row?.smtpHost ?? null,
    smtpPort: row?.smtpPort ?? null,
    smtpUser: row?.smtpUser ?? null,
    hasEmailSecret: Boolean(row?.emailSecretId),
    twilioAccountSid: row?.twilioAccountSid ?? null,
    hasTwilioAuthToken: Boolean(row?.twilioAuthTokenSecretId),
    smsFrom: row?.smsFrom ?? null,
    markupEmailBps: row?.markupEmailBps ?? deps.settings.markups.emailBps,
    markupSmsBps: row?.markupSmsBps ?? deps.settings.markups.smsBps,
    markupWebhookBps: row?.markupWebhookBps ?? deps.settings.markups.webhookBps,
  };
}

export async function getSettings(deps: SettingsDeps, principal: Principal): Promise<Result<SettingsView, AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => succeed(viewOf(deps, await findSettings(tx, companyId))));
}

type SettingsError = AccessError | 'invalid_settings' | 'sms_sender_taken';

/** Given fields change (null clears); secrets go to the vault and are never answered back. */
export async function updateSettings(deps: SettingsDeps, principal: Principal, input: SettingsInput): Promise<Result<SettingsView, SettingsError>> {
  if (input.emailFrom && !isValidEmail(input.emailFrom.replace(/^.*<([^>]+)>\s*$/, '$1'))) return fail('invalid_settings', 'emailFrom must be an email address (optionally "Name <address>")');
  let smsFrom: string | null | undefined = input.smsFrom;
  if (typeof input.smsFrom === 'string') {
    smsFrom = normalizePhoneNumber(input.smsFrom, deps.settings.defaultCountry);
    if (!smsFrom) return fail('invalid_settings', 'smsFrom must be a valid phone number');
    // A sender number belongs to one agency: inbound STOPs and status callbacks are matched by it.
    if (isAgencyAdmin(principal) && principal.companyId && (await isSmsSenderTakenByOther(deps.database.db, principal.companyId, smsFrom))) return fail('sms_sender_taken', 'Another agency already sends from this number');
  }
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<SettingsView, SettingsError>> => {
    const existing = await findSettings(tx, companyId);
    const now = deps.clock.now();
    const storeSecret = async (currentId: string | null | undefined, plaintext: string | null | undefined, purpose: string): Promise<string | null | undefined> => {
      if (plaintext === undefined) return currentId;
      if (plaintext === null) {
        if (currentId) await deps.vault.deleteSecret(tx, currentId);
        return null;
      }
      if (currentId) {
        await deps.vault.replaceSecret(tx, currentId, plaintext);
        return currentId;
      }
      return deps.vault.storeSecret(tx, { companyId, purpose, plaintext });
    };
    const emailSecretId = await storeSecret(existing?.emailSecretId, input.emailSecret, 'notifications.email');
    const twilioAuthTokenSecretId = await storeSecret(existing?.twilioAuthTokenSecretId, input.twilioAuthToken, 'notifications.twilio');
    const pick = <K extends keyof SettingsRow>(key: K, value: SettingsRow[K] | undefined): SettingsRow[K] | null => (value === undefined ? (existing?.[key] ?? null) : value);
    const merged = {
      companyId,
      emailProvider: pick('emailProvider', input.emailProvider),
      emailFrom: pick('emailFrom', input.emailFrom),
      smtpHost: pick('smtpHost', input.smtpHost),
      smtpPort: pick('smtpPort', input.smtpPort),
      smtpUser: pick('smtpUser', input.smtpUser),
      emailSecretId: emailSecretId ?? null,
      twilioAccountSid: pick('twilioAccountSid', input.twilioAccountSid),
      twilioAuthTokenSecretId: twilioAuthTokenSecretId ?? null,
      smsFrom: pick('smsFrom', smsFrom),
      markupEmailBps: pick('markupEmailBps', input.markupEmailBps),
      markupSmsBps: pick('markupSmsBps', input.markupSmsBps),
      markupWebhookBps: pick('markupWebhookBps', input.markupWebhookBps),
      updatedAt: now,
    };
    if (merged.emailProvider === 'smtp' && !merged.smtpHost) return fail('invalid_settings', 'SMTP needs smtpHost');
    if ((merged.emailProvider === 'sendgrid' || merged.emailProvider === 'resend') && !merged.emailSecretId) return fail('invalid_settings', `${merged.emailProvider} needs emailSecret (its API key)`);
    if (merged.emailProvider && !merged.emailFrom) return fail('invalid_settings', 'An email provider needs emailFrom');
    if (Boolean(merged.twilioAccountSid) !== Boolean(merged.twilioAuthTokenSecretId)) return fail('invalid_settings', 'twilioAccountSid and twilioAuthToken go together');
    if (merged.twilioAccountSid && !merged.smsFrom) return fail('invalid_settings', 'A Twilio account needs smsFrom');
    return succeed(viewOf(deps, await upsertSettings(tx, merged)));
  });
}
