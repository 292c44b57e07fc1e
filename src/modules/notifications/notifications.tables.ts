import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { companyTenantPolicy } from '../../platform/db/index.js';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Per agency: which email provider and SMS account send its messages, and its markups. Unset
 * fields fall back to the operator's defaults (config). Credentials live in the vault; only their
 * secret ids are here.
 */
export const notificationSettings = pgTable(
  'notification_settings',
  {
    companyId: text('company_id').primaryKey(),
    /** smtp | sendgrid | resend; null = the operator's default provider. */
    emailProvider: text('email_provider'),
    emailFrom: text('email_from'),
    smtpHost: text('smtp_host'),
    smtpPort: integer('smtp_port'),
    smtpUser: text('smtp_user'),
    /** SMTP password, or the SendGrid/Resend API key. */
    emailSecretId: text('email_secret_id'),
    twilioAccountSid: text('twilio_account_sid'),
    twilioAuthTokenSecretId: text('twilio_auth_token_secret_id'),
    smsFrom: text('sms_from'),
    /** Markups in basis points (2000 = 20 %); null = the operator's default. */
    markupEmailBps: integer('markup_email_bps'),
    markupSmsBps: integer('markup_sms_bps'),
    markupWebhookBps: integer('markup_webhook_bps'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('notification_settings_sms_from_key').on(table.smsFrom), companyTenantPolicy('notification_settings')],
).enableRLS();

/** An agency's template of one event on one channel; events without one use the built-in template. */
export const notificationTemplates = pgTable(
  'notification_templates',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    event: text('event').notNull(),
    /** email | sms */
    channel: text('channel').notNull(),
    subject: text('subject'),
    text: text('text').notNull(),
    html: text('html'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('notification_templates_company_event_channel_key').on(table.companyId, table.event, table.channel), companyTenantPolicy('notification_templates')],
).enableRLS();

/**
 * The delivery log: one row per channel and recipient (per endpoint for webhooks). Status moves
 * queued → sending → sent → delivered | bounced | failed (or waiting for quiet hours, skipped by a
 * preference or an opt-out). `sending` is committed before the provider call, so a crash leaves the
 * attempt visible as in doubt.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id'),
    event: text('event').notNull(),
    /** email | sms | webhook */
    channel: text('channel').notNull(),
    /** Email address, E.164 number, or webhook endpoint id. */
    recipient: text('recipient').notNull(),
    recipientName: text('recipient_name'),
    userId: text('user_id'),
    timeZone: text('time_zone'),
    provider: text('provider'),
    /** queued | waiting | sending | sent | delivered | bounced | failed | skipped */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    providerMessageId: text('provider_message_id'),
    reason: text('reason'),
    data: jsonb('data').notNull().default(sql`'{}'::jsonb`),
    isTransactional: boolean('is_transactional').notNull().default(true),
    /** The caller's key: notify() with the same key again adds no delivery. */
    sourceKey: text('source_key'),
    /** Webhooks: the Standard Webhooks message id (the same on every retry, receivers dedupe on it). */
    messageId: text('message_id').notNull(),
    /** When the send may run (quiet hours move it). */
    notBefore: at('not_before'),
    /** When the latest provider call started (committed before it). */
    attemptStartedAt: at('attempt_started_at'),
    /** 0 = none, else the attempt number whose outcome is in doubt (set before the call, cleared after). */
    inFlightAttempt: integer('in_flight_attempt').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
    sentAt: at('sent_at'),
    deliveredAt: at('delivered_at'),
    updatedAt: at('updated_at').notNull().defaultNow(),
    /** The delivery this one resends (POST /api/notifications/deliveries/:id/resend). */
    resendOf: text('resend_of'),
  },
  (table) => [
    index('notification_deliveries_company_created_idx').on(table.companyId, table.createdAt),
    index('notification_deliveries_provider_message_idx').on(table.provider, table.providerMessageId),
    uniqueIndex('notification_deliveries_source_key').on(table.companyId, table.sourceKey, table.channel, table.recipient),
    companyTenantPolicy('notification_deliveries'),
  ],
).enableRLS();

/** Per recipient (an address or a user): events and channels turned off, quiet hours in their time zone, unsubscribed. */
export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    companyId: text('company_id').notNull(),
    /** `user:<id>`, `email:<address>` or `sms:<E.164>`. */
    recipientKey: text('recipient_key').notNull(),
    disabledEvents: text('disabled_events').array().notNull().default(sql`'{}'::text[]`),
    disabledChannels: text('disabled_channels').array().notNull().default(sql`'{}'::text[]`),
    /** IANA zone; quiet hours are read in it. */
    timeZone: text('time_zone'),
    /** Minutes after local midnight; both null = no quiet hours. A window may cross midnight. */
    quietStartMinute: integer('quiet_start_minute'),
    quietEndMinute: integer('quiet_end_minute'),
    /** Unsubscribed from every non-transactional message. */
    isUnsubscribed: boolean('is_unsubscribed').notNull().default(false),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.companyId, table.recipientKey] }), companyTenantPolicy('notification_preferences')],
).enableRLS();

/**
 * Numbers that texted STOP to one of our sender numbers (carrier opt-out is per sender and
 * recipient pair, as Twilio applies it). Not a tenant table: a shared sender number's opt-out holds
 * for every agency sending from it.
 */
export const smsOptOuts = pgTable(
  'sms_opt_outs',
  {
    sender: text('sender').notNull(),
    phone: text('phone').notNull(),
    keyword: text('keyword').notNull(),
    optedOutAt: at('opted_out_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.sender, table.phone] })],
);

/** A tenant's outbound webhook endpoint (Standard Webhooks). */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id'),
    url: text('url').notNull(),
    description: text('description'),
    /** Empty = every event type. */
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    isEnabled: boolean('is_enabled').notNull().default(true),
    disabledAt: at('disabled_at'),
    disabledReason: text('disabled_reason'),
    /** First failure since the last success; disabled after 5 days of failing. */
    failingSince: at('failing_since'),
    lastSuccessAt: at('last_success_at'),
    lastFailureAt: at('last_failure_at'),
    lastFailureReason: text('last_failure_reason'),
    /** Who hears that the endpoint was disabled. */
    ownerEmail: text('owner_email'),
    secretId: text('secret_id').notNull(),
    /** During a rotation the previous secret signs too, until it expires. */
    previousSecretId: text('previous_secret_id'),
    previousSecretExpiresAt: at('previous_secret_expires_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [index('webhook_endpoints_company_idx').on(table.companyId), companyTenantPolicy('webhook_endpoints')],
).enableRLS();

/** One row per message sent: what the agency is rebilled for (costs in millicents, exact integers). */
export const notificationUsage = pgTable(
  'notification_usage',
  {
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id'),
    deliveryId: text('delivery_id').notNull(),
    channel: text('channel').notNull(),
    provider: text('provider').notNull(),
    /** SMS segments; one per email or webhook. */
    units: integer('units').notNull(),
    unitCostMillicents: integer('unit_cost_millicents').notNull(),
    baseCostMillicents: bigint('base_cost_millicents', { mode: 'number' }).notNull(),
    markupBps: integer('markup_bps').notNull(),
    occurredAt: at('occurred_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('notification_usage_delivery_key').on(table.companyId, table.deliveryId),
    index('notification_usage_company_time_idx').on(table.companyId, table.occurredAt),
    companyTenantPolicy('notification_usage'),
  ],
).enableRLS();
