import type { Executor } from '../../platform/db/index.js';
import { enqueueJobs } from '../../platform/jobs/index.js';
import { findPreferences, insertDeliveries, listSubscribedEndpoints, type DeliveryInsert, type DeliveryRow } from './notifications.repo.js';
import { JOB_KINDS, type Channel, type DeliveryStatus, type NotificationRecipient, type NotificationsDeps, type NotifyOptions, type NotifyReceipt, type NotifyScope } from './notifications.types.js';
import { normalizePhoneNumber } from './phone-numbers.js';
import { findQuietHoursEnd } from './quiet-hours.js';
import { combinePreferences, preferenceKeysOf } from './resolve-preferences.js';

const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;
const EVENT_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,99}$/;

export function isValidEmail(address: string): boolean {
  return address.length <= 320 && EMAIL_PATTERN.test(address);
}

export function isValidEventName(event: string): boolean {
  return EVENT_PATTERN.test(event);
}

type NotifyDeps = Pick<NotificationsDeps, 'generateId' | 'clock' | 'settings'>;

/**
 * notify(): one delivery row and one durable job per channel and recipient (and per subscribed
 * webhook endpoint), written in the caller's transaction. Addresses that cannot be sent to are
 * recorded as failed at once; recipients in quiet hours get a job that runs when the window ends.
 */
export async function notifyDeliveries(
  deps: NotifyDeps,
  tx: Executor,
  scope: NotifyScope,
  event: string,
  recipients: readonly NotificationRecipient[],
  data: Record<string, unknown>,
  options: NotifyOptions = {},
): Promise<DeliveryRow[]> {
  if (!isValidEventName(event)) throw new Error(`notify: invalid event name ${JSON.stringify(event)} (lowercase, dots, dashes)`);
  const now = deps.clock.now();
  const locationId = scope.locationId ?? null;
  const isTransactional = options.isTransactional ?? true;
  const rows: DeliveryInsert[] = [];
  const base = (channel: Channel, recipient: string): DeliveryInsert => {
    const id = deps.generateId('dlv');
    return {
      id,
      companyId: scope.companyId,
      locationId,
      event,
      channel,
      recipient,
      status: 'queued',
      data,
      isTransactional,
      sourceKey: options.sourceKey ?? null,
      messageId: `msg_${id.slice(4)}`,
      createdAt: now,
      updatedAt: now,
    };
  };

  // Addresses first, then every recipient's preferences in one query.
  const planned: { recipient: NotificationRecipient; channel: 'email' | 'sms'; raw: string | undefined; address: string | undefined; keys: string[] }[] = [];
  for (const recipient of recipients) {
    const channels = recipient.channels ?? [...(recipient.email ? ['email' as const] : []), ...(recipient.phone ? ['sms' as const] : [])];
    for (const channel of channels) {
      const raw = channel === 'email' ? recipient.email : recipient.phone;
      const normalized = raw === undefined ? undefined : channel === 'email' ? raw.trim() : normalizePhoneNumber(raw, deps.settings.defaultCountry);
      const address = normalized !== undefined && (channel === 'sms' || isValidEmail(normalized)) ? normalized : undefined;
      planned.push({ recipient, channel, raw, address, keys: address ? preferenceKeysOf(channel, address, recipient.userId) : [] });
    }
  }
  const preferenceRows = await findPreferences(tx, scope.companyId, [...new Set(planned.flatMap((entry) => entry.keys))]);
  for (const { recipient, channel, raw, address, keys } of planned) {
    {
      const common = { recipientName: recipient.name ?? null, userId: recipient.userId ?? null, timeZone: recipient.timeZone ?? null };
      if (!raw) {
        rows.push({ ...base(channel, ''), ...common, status: 'failed', reason: `no ${channel === 'email' ? 'email address' : 'phone number'} for this recipient` });
        continue;
      }
      if (address === undefined) {
        rows.push({ ...base(channel, raw.slice(0, 320)), ...common, status: 'failed', reason: channel === 'email' ? 'invalid_email' : 'invalid_phone: not a valid phone number' });
        continue;
      }
      const preferences = combinePreferences(keys, preferenceRows, recipient.timeZone);
      const quietEnd = preferences.quietHours ? findQuietHoursEnd(now, preferences.quietHours) : undefined;
      rows.push({
        ...base(channel, address),
        ...common,
        status: quietEnd ? 'waiting' : 'queued',
        notBefore: quietEnd ?? null,
        reason: quietEnd ? `quiet hours until ${quietEnd.toISOString()}` : null,
      });
    }
  }

  if (options.includeWebhooks ?? true) {
    const endpoints = await listSubscribedEndpoints(tx, scope.companyId, locationId, event);
    for (const endpoint of endpoints) {
      if (options.endpointIds && !options.endpointIds.includes(endpoint.id)) continue;
      rows.push({ ...base('webhook', endpoint.id), provider: 'webhook' });
    }
  } else if (options.endpointIds) {
    for (const endpointId of options.endpointIds) rows.push({ ...base('webhook', endpointId), provider: 'webhook' });
  }

  const inserted = await insertDeliveries(tx, rows);
  await enqueueJobs(
    tx,
    inserted
      .filter((row) => row.status === 'queued' || row.status === 'waiting')
      .map((row) => ({
        kind: JOB_KINDS[row.channel as Channel],
        payload: { deliveryId: row.id },
        companyId: row.companyId,
        locationId: row.locationId,
        idempotencyKey: row.id,
        ...(row.notBefore ? { runAt: row.notBefore } : {}),
        priority: row.isTransactional ? 5 : 2,
        maxAttempts: row.channel === 'webhook' ? 8 : deps.settings.messageMaxAttempts,
      })),
  );
  return inserted;
}

export async function notify(
  deps: NotifyDeps,
  tx: Executor,
  scope: NotifyScope,
  event: string,
  recipients: readonly NotificationRecipient[],
  data: Record<string, unknown>,
  options: NotifyOptions = {},
): Promise<NotifyReceipt> {
  const inserted = await notifyDeliveries(deps, tx, scope, event, recipients, data, options);
  return { deliveries: inserted.map((row) => ({ id: row.id, channel: row.channel as Channel, recipient: row.recipient, status: row.status as DeliveryStatus, reason: row.reason })) };
}
