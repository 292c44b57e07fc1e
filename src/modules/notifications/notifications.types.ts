import type { Clock } from '../../platform/clock/clock.js';
import type { Database, Executor } from '../../platform/db/index.js';
import type { GuardedSender, UrlGuard } from '../../platform/http-client/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import type { Logger } from '../../platform/log/index.js';
import type { Vault } from '../vault/index.js';
import type { CapturedMessagesSource, EmailAccount, EmailTransports, SmsAccount, SmsTransport, TwilioSignatureCheck } from './notification-ports.js';
import type { NotificationMetrics } from './notification-metrics.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

export const CHANNELS = ['email', 'sms', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export type MessageChannel = Exclude<Channel, 'webhook'>;

export const DELIVERY_STATUSES = ['queued', 'waiting', 'sending', 'sent', 'delivered', 'bounced', 'failed', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** A delivery in one of these is finished: its job does nothing more. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['sent', 'delivered', 'bounced', 'failed', 'skipped']);

export const JOB_KINDS = {
  email: 'notifications.send-email',
  sms: 'notifications.send-sms',
  webhook: 'notifications.send-webhook',
} as const satisfies Record<Channel, string>;

/** Who a message goes to. Channels default to those the recipient has an address for. */
export interface NotificationRecipient {
  email?: string | undefined;
  phone?: string | undefined;
  /** A Switchboard user: their preferences (`user:<id>`) apply too. */
  userId?: string | undefined;
  name?: string | undefined;
  /** IANA zone for quiet hours when the recipient's preferences name none. */
  timeZone?: string | undefined;
  channels?: readonly MessageChannel[] | undefined;
}

export interface NotifyScope {
  companyId: string;
  locationId?: string | null | undefined;
}

export interface NotifyOptions {
  /** Transactional messages (receipts, alerts) ignore unsubscribes and carry no List-Unsubscribe. Default true. */
  isTransactional?: boolean | undefined;
  /** The caller's key: notifying again with it adds no delivery (per channel and recipient). */
  sourceKey?: string | undefined;
  /** Fan out to the agency's webhook endpoints subscribed to the event. Default true. */
  includeWebhooks?: boolean | undefined;
  /** Only these endpoints (a test-send). */
  endpointIds?: readonly string[] | undefined;
}

export interface NotifyReceipt {
  deliveries: { id: string; channel: Channel; recipient: string; status: DeliveryStatus; reason: string | null }[];
}

/**
 * The one interface every module sends through: call it inside your own transaction; one job per
 * channel and recipient is enqueued in that transaction (outbox), so a rolled-back change sends nothing.
 */
export type Notify = (tx: Executor, scope: NotifyScope, event: string, recipients: readonly NotificationRecipient[], data: Record<string, unknown>, options?: NotifyOptions) => Promise<NotifyReceipt>;

export interface CostSettings {
  emailMillicents: number;
  smsSegmentMillicents: number;
  webhookMillicents: number;
}

export interface MarkupSettings {
  emailBps: number;
  smsBps: number;
  webhookBps: number;
}

export interface NotificationsSettings {
  /** Base of unsubscribe links and Twilio status callback URLs. */
  publicBaseUrl: string;
  defaultEmail: { account: EmailAccount | undefined; from: string | undefined };
  defaultSms: { account: SmsAccount | undefined; from: string | undefined };
  /** Country assumed for numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry: string;
  costs: CostSettings;
  markups: MarkupSettings;
  webhookTimeoutMs: number;
  /** Email and SMS attempts before a delivery fails (webhooks follow their published schedule). */
  messageMaxAttempts: number;
  /** How long the previous secret keeps signing after a rotation. */
  secretRotationOverlapSeconds: number;
  /** Resend's webhook signing secret (whsec_…), to verify its delivery events; undefined = route refuses. */
  resendWebhookSecret: string | undefined;
}

export interface NotificationsDeps {
  database: Database;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
  vault: Vault;
  wakeJobs: () => void;
  email: EmailTransports;
  sms: SmsTransport;
  verifyTwilioSignature: TwilioSignatureCheck;
  urlGuard: UrlGuard;
  webhookSender: GuardedSender;
  unsubscribeTokens: UnsubscribeTokens;
  settings: NotificationsSettings;
  metrics: NotificationMetrics;
  captured?: CapturedMessagesSource | undefined;
}
