import type { z } from 'zod';
import { tenantScopeOf, type Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withAgency, type AccessError } from './agency-access.js';
import { findPreferences, markUnsubscribed, upsertPreferences, type PreferenceRow } from './notifications.repo.js';
import type { preferenceBodySchema, preferenceViewSchema } from './notifications.schemas.js';
import type { NotificationsDeps } from './notifications.types.js';
import { normalizePhoneNumber } from './phone-numbers.js';
import { isValidEmail } from './notify.js';
import { formatClockTime, isValidTimeZone, parseClockTime } from './quiet-hours.js';
import type { UnsubscribeClaim } from './unsubscribe-token.js';

type PreferenceView = z.infer<typeof preferenceViewSchema>;
type PreferenceInput = z.infer<typeof preferenceBodySchema>;
type PreferenceDeps = Pick<NotificationsDeps, 'database' | 'clock' | 'settings' | 'unsubscribeTokens'>;
type PreferenceError = AccessError | 'invalid_preferences';

function viewOf(recipientKey: string, row: PreferenceRow | undefined): PreferenceView {
  return {
    recipientKey,
    disabledEvents: row?.disabledEvents ?? [],
    disabledChannels: row?.disabledChannels ?? [],
    timeZone: row?.timeZone ?? null,
    quietHours: row && row.quietStartMinute !== null && row.quietEndMinute !== null ? { start: formatClockTime(row.quietStartMinute), end: formatClockTime(row.quietEndMinute) } : null,
    isUnsubscribed: row?.isUnsubscribed ?? false,
  };
}

/** `email:<address>` (lowercased), `sms:<number>` (E.164) or `user:<id>`; undefined when malformed. */
export function normalizeRecipientKey(key: string, defaultCountry: string): string | undefined {
  const separator = key.indexOf(':');
  const kind = key.slice(0, separator);
  const value = key.slice(separator + 1).trim();
  if (separator <= 0 || value === '') return undefined;
  if (kind === 'email') return isValidEmail(value) ? `email:${value.toLowerCase()}` : undefined;
  if (kind === 'sms') {
    const number = normalizePhoneNumber(value, defaultCountry);
    return number ? `sms:${number}` : undefined;
  }
  if (kind === 'user') return /^[A-Za-z0-9_-]{1,100}$/.test(value) ? `user:${value}` : undefined;
  return undefined;
}

async function save(deps: PreferenceDeps, tx: Parameters<Parameters<NotificationsDeps['database']['system']>[0]>[0], companyId: string, recipientKey: string, input: PreferenceInput): Promise<Result<PreferenceView, 'invalid_preferences'>> {
  if (input.timeZone && !isValidTimeZone(input.timeZone)) return fail('invalid_preferences', `Unknown time zone ${input.timeZone}`);
  const [existing] = await findPreferences(tx, companyId, [recipientKey]);
  const quiet = input.quietHours === undefined ? undefined : input.quietHours === null ? null : { start: parseClockTime(input.quietHours.start) as number, end: parseClockTime(input.quietHours.end) as number };
  const row = await upsertPreferences(tx, {
    companyId,
    recipientKey,
    disabledEvents: input.disabledEvents ? [...new Set(input.disabledEvents)] : (existing?.disabledEvents ?? []),
    disabledChannels: input.disabledChannels ? [...new Set(input.disabledChannels)] : (existing?.disabledChannels ?? []),
    timeZone: input.timeZone === undefined ? (existing?.timeZone ?? null) : input.timeZone,
    quietStartMinute: quiet === undefined ? (existing?.quietStartMinute ?? null) : (quiet?.start ?? null),
    quietEndMinute: quiet === undefined ? (existing?.quietEndMinute ?? null) : (quiet?.end ?? null),
    isUnsubscribed: input.isUnsubscribed ?? existing?.isUnsubscribed ?? false,
    updatedAt: deps.clock.now(),
  });
  return succeed(viewOf(recipientKey, row));
}

/** The caller's own preferences (`user:<id>`); any user may set theirs. */
export async function getMyPreferences(deps: PreferenceDeps, principal: Principal): Promise<Result<PreferenceView, 'forbidden'>> {
  if (!principal.userId || !principal.companyId) return fail('forbidden', 'Only a user of an agency has preferences');
  const key = `user:${principal.userId}`;
  const companyId = principal.companyId;
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => succeed(viewOf(key, (await findPreferences(tx, companyId, [key]))[0])));
}

export async function updateMyPreferences(deps: PreferenceDeps, principal: Principal, input: PreferenceInput): Promise<Result<PreferenceView, PreferenceError>> {
  if (!principal.userId || !principal.companyId) return fail('forbidden', 'Only a user of an agency has preferences');
  const key = `user:${principal.userId}`;
  const companyId = principal.companyId;
  return deps.database.tenant(tenantScopeOf(principal), (tx) => save(deps, tx, companyId, key, input));
}

/** An agency admin manages a recipient's preferences (a contact's address or a user). */
export async function getRecipientPreferences(deps: PreferenceDeps, principal: Principal, recipientKey: string): Promise<Result<PreferenceView, PreferenceError>> {
  const key = normalizeRecipientKey(recipientKey, deps.settings.defaultCountry);
  if (!key) return fail('invalid_preferences', 'recipientKey must be email:<address>, sms:<number> or user:<id>');
  return withAgency(deps, principal, async (tx, companyId) => succeed(viewOf(key, (await findPreferences(tx, companyId, [key]))[0])));
}

export async function updateRecipientPreferences(deps: PreferenceDeps, principal: Principal, recipientKey: string, input: PreferenceInput): Promise<Result<PreferenceView, PreferenceError>> {
  const key = normalizeRecipientKey(recipientKey, deps.settings.defaultCountry);
  if (!key) return fail('invalid_preferences', 'recipientKey must be email:<address>, sms:<number> or user:<id>');
  return withAgency(deps, principal, (tx, companyId) => save(deps, tx, companyId, key, input));
}

/** The signed link of a message: no login; a bad or altered token is refused. */
export async function unsubscribeByToken(deps: PreferenceDeps, token: string): Promise<Result<UnsubscribeClaim, 'invalid_token'>> {
  const claim = deps.unsubscribeTokens.verify(token);
  if (!claim) return fail('invalid_token', 'This unsubscribe link is not valid');
  await deps.database.system((tx) => markUnsubscribed(tx, claim.companyId, claim.recipientKey, deps.clock.now()));
  return succeed(claim);
}
