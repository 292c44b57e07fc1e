import { fail, succeed, type Result } from '../../platform/result/index.js';
import { deleteOptOut, findDelivery, findDeliveryByProviderMessage, findSettings, findSettingsBySmsSender, insertOptOut, updateDelivery, type DeliveryRow } from './notifications.repo.js';
import type { NotificationsDeps } from './notifications.types.js';
import { resolveSmsAccount } from './provider-accounts.js';
import { verifyWebhookSignature } from './webhook-signature.js';

type CallbackDeps = Pick<NotificationsDeps, 'database' | 'clock' | 'vault' | 'settings' | 'verifyTwilioSignature' | 'metrics' | 'logger'>;
type CallbackError = 'signature_invalid' | 'not_found' | 'invalid_callback';

/** Twilio's opt-out and opt-in keywords (its Advanced Opt-Out defaults). */
const STOP_KEYWORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START_KEYWORDS = new Set(['START', 'YES', 'UNSTOP']);

const STATUS_RANK: Record<string, number> = { queued: 0, waiting: 0, sending: 1, sent: 2, delivered: 3, bounced: 3, failed: 3, skipped: 3 };

async function moveDelivery(deps: CallbackDeps, delivery: DeliveryRow, status: 'sent' | 'delivered' | 'bounced' | 'failed', reason: string | null): Promise<boolean> {
  // Callbacks arrive out of order and more than once: a delivery only moves forward.
  if ((STATUS_RANK[delivery.status] ?? 0) >= (STATUS_RANK[status] ?? 0) && delivery.status !== 'sending') return false;
  const now = deps.clock.now();
  await deps.database.system((tx) =>
    updateDelivery(tx, delivery.id, { status, reason, updatedAt: now, ...(status === 'delivered' ? { deliveredAt: now } : {}), ...(status === 'sent' && !delivery.sentAt ? { sentAt: now } : {}) }),
  );
  deps.metrics.deliveries.inc({ channel: delivery.channel, status });
  return true;
}

/**
 * Twilio's status callback (form-encoded, X-Twilio-Signature over the exact URL we gave it). It
 * names our delivery in the query; the signature is checked with the auth token of the account that sent it.
 */
export async function applyTwilioStatus(deps: CallbackDeps, input: { url: string; deliveryId: string | undefined; signature: string | undefined; params: Record<string, string> }): Promise<Result<{ status: string }, CallbackError>> {
  if (!input.deliveryId || !input.signature) return fail('signature_invalid', 'Missing X-Twilio-Signature or delivery');
  const deliveryId = input.deliveryId;
  const found = await deps.database.system(async (tx) => {
    const delivery = await findDelivery(tx, deliveryId);
    if (!delivery || delivery.channel !== 'sms') return undefined;
    const account = await resolveSmsAccount(deps, tx, await findSettings(tx, delivery.companyId));
    return account ? { delivery, authToken: account.account.authToken } : undefined;
  });
  // An unknown delivery cannot be told apart from a forged one without a token: both are refused alike.
  if (!found || !deps.verifyTwilioSignature(found.authToken, input.signature, input.url, input.params)) return fail('signature_invalid', 'The Twilio signature does not match');
  const { delivery } = found;
  const sid = input.params['MessageSid'];
  if (delivery.providerMessageId && sid && delivery.providerMessageId !== sid) return fail('not_found', 'The message does not belong to this delivery');
  const status = input.params['MessageStatus'] ?? input.params['SmsStatus'] ?? '';
  const errorCode = input.params['ErrorCode'];
  switch (status) {
    case 'accepted':
    case 'queued':
    case 'sending':
    case 'sent':
      await moveDelivery(deps, delivery, 'sent', null);
      break;
    case 'delivered':
      await moveDelivery(deps, delivery, 'delivered', null);
      break;
    case 'undelivered':
    case 'failed':
      await moveDelivery(deps, delivery, 'failed', `twilio ${status}${errorCode ? ` (error ${errorCode})` : ''}`);
      if (errorCode === '21610' && input.params['From'] && input.params['To']) {
        const from = input.params['From'];
        const to = input.params['To'];
        await deps.database.system((tx) => insertOptOut(tx, { sender: from, phone: to, keyword: 'carrier:21610', at: deps.clock.now() }));
      }
      break;
    default:
      return fail('invalid_callback', `Unknown MessageStatus ${status}`);
  }
  return succeed({ status });
}

/**
 * An inbound SMS (Twilio's incoming-message webhook). STOP and its synonyms opt the sender's number
 * out of messages from that number of ours; START opts it back in. Anything else is ignored.
 */
export async function applyTwilioInbound(deps: CallbackDeps, input: { url: string; signature: string | undefined; params: Record<string, string> }): Promise<Result<{ action: 'opted_out' | 'opted_in' | 'ignored' }, CallbackError>> {
  const from = input.params['From'];
  const to = input.params['To'];
  if (!input.signature || !from || !to) return fail('signature_invalid', 'Missing X-Twilio-Signature, From or To');
  const authToken = await deps.database.system(async (tx) => {
    const settings = await findSettingsBySmsSender(tx, to);
    if (settings) return (await resolveSmsAccount(deps, tx, settings))?.account.authToken;
    return deps.settings.defaultSms.from === to ? deps.settings.defaultSms.account?.authToken : undefined;
  });
  if (!authToken || !deps.verifyTwilioSignature(authToken, input.signature, input.url, input.params)) return fail('signature_invalid', 'The Twilio signature does not match');
  const keyword = (input.params['Body'] ?? '').trim().toUpperCase();
  if (STOP_KEYWORDS.has(keyword)) {
    await deps.database.system((tx) => insertOptOut(tx, { sender: to, phone: from, keyword, at: deps.clock.now() }));
    deps.logger.info({ keyword }, 'an SMS recipient opted out');
    return succeed({ action: 'opted_out' });
  }
  if (START_KEYWORDS.has(keyword)) {
    await deps.database.system((tx) => deleteOptOut(tx, to, from));
    return succeed({ action: 'opted_in' });
  }
  return succeed({ action: 'ignored' });
}

const RESEND_TOLERANCE_SECONDS = 300;

/** Resend's delivery events (signed like Standard Webhooks, with svix-* headers) move email deliveries on. */
export async function applyResendEvent(deps: CallbackDeps, input: { rawBody: string; id: string | undefined; timestamp: string | undefined; signature: string | undefined }): Promise<Result<{ type: string }, CallbackError>> {
  const secret = deps.settings.resendWebhookSecret;
  const timestamp = Number(input.timestamp);
  if (!secret || !input.id || !input.signature || !Number.isInteger(timestamp)) return fail('signature_invalid', 'Missing or unverifiable signature');
  if (Math.abs(deps.clock.now().getTime() / 1000 - timestamp) > RESEND_TOLERANCE_SECONDS) return fail('signature_invalid', 'The event timestamp is outside the tolerance');
  if (!verifyWebhookSignature(secret, input.id, timestamp, input.rawBody, input.signature)) return fail('signature_invalid', 'The signature does not match');
  let event: { type?: unknown; data?: { email_id?: unknown; bounce?: { message?: unknown } } };
  try {
    event = JSON.parse(input.rawBody) as typeof event;
  } catch {
    return fail('invalid_callback', 'The body is not JSON');
  }
  const type = typeof event.type === 'string' ? event.type : '';
  const emailId = typeof event.data?.email_id === 'string' ? event.data.email_id : undefined;
  if (!emailId) return fail('invalid_callback', 'The event names no email');
  const delivery = await deps.database.system((tx) => findDeliveryByProviderMessage(tx, 'resend', emailId));
  if (!delivery) return succeed({ type });
  if (type === 'email.delivered') await moveDelivery(deps, delivery, 'delivered', null);
  else if (type === 'email.bounced') await moveDelivery(deps, delivery, 'bounced', `bounced: ${typeof event.data?.bounce?.message === 'string' ? event.data.bounce.message : 'the receiving server refused the message'}`);
  else if (type === 'email.failed') await moveDelivery(deps, delivery, 'failed', 'resend reported the email failed');
  return succeed({ type });
}
