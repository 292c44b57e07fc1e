import type { PreferenceRow } from './notifications.repo.js';
import type { QuietHours } from './quiet-hours.js';

/** The keys whose preferences apply to one recipient on one channel (address first, then the user). */
export function preferenceKeysOf(channel: 'email' | 'sms', address: string, userId: string | null | undefined): string[] {
  const keys = [`${channel}:${channel === 'email' ? address.toLowerCase() : address}`];
  if (userId) keys.push(`user:${userId}`);
  return keys;
}

export interface EffectivePreferences {
  disabledEvents: Set<string>;
  disabledChannels: Set<string>;
  isUnsubscribed: boolean;
  quietHours: QuietHours | undefined;
}

/**
 * Rows of the address and of the user combine: anything either turned off stays off; quiet hours
 * and time zone come from the first row (in key order) that sets them.
 */
export function combinePreferences(keys: readonly string[], rows: readonly PreferenceRow[], fallbackTimeZone: string | null | undefined): EffectivePreferences {
  const ordered = keys.map((key) => rows.find((row) => row.recipientKey === key)).filter((row): row is PreferenceRow => row !== undefined);
  const quietRow = ordered.find((row) => row.quietStartMinute !== null && row.quietEndMinute !== null);
  const timeZone = ordered.find((row) => row.timeZone)?.timeZone ?? fallbackTimeZone ?? 'UTC';
  return {
    disabledEvents: new Set(ordered.flatMap((row) => row.disabledEvents)),
    disabledChannels: new Set(ordered.flatMap((row) => row.disabledChannels)),
    isUnsubscribed: ordered.some((row) => row.isUnsubscribed),
    quietHours: quietRow ? { timeZone, startMinute: quietRow.quietStartMinute as number, endMinute: quietRow.quietEndMinute as number } : undefined,
  };
}

/** Why a delivery must not go out (undefined = it may). */
export function findSkipReason(preferences: EffectivePreferences, event: string, channel: string, isTransactional: boolean): string | undefined {
  if (preferences.disabledChannels.has(channel)) return `preference: the recipient turned off ${channel}`;
  if (preferences.disabledEvents.has(event)) return `preference: the recipient turned off ${event}`;
  if (preferences.isUnsubscribed && !isTransactional) return 'unsubscribed';
  return undefined;
}
