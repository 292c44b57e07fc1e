import { z } from 'zod';
import { CHANNELS, DELIVERY_STATUSES } from './notifications.types.js';
import { isValidTimeZone } from './quiet-hours.js';

const eventName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, 'lowercase letters, digits, . _ -');
const clock = z.string().regex(/^([01]\d|2[0-3]):([0-5]\d)$/, 'HH:MM');
const bps = z.number().int().min(0).max(100_000);

export const settingsBodySchema = z
  .object({
    emailProvider: z.enum(['smtp', 'sendgrid', 'resend']).nullable().optional(),
    emailFrom: z.string().min(3).max(320).nullable().optional(),
    smtpHost: z.string().min(1).max(255).nullable().optional(),
    smtpPort: z.number().int().min(1).max(65535).nullable().optional(),
    smtpUser: z.string().max(320).nullable().optional(),
    /** SMTP password or SendGrid/Resend API key; write-only, kept in the vault. */
    emailSecret: z.string().min(1).max(4096).nullable().optional(),
    twilioAccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex)').nullable().optional(),
    /** Write-only, kept in the vault. */
    twilioAuthToken: z.string().min(1).max(256).nullable().optional(),
    smsFrom: z.string().min(3).max(32).nullable().optional(),
    markupEmailBps: bps.nullable().optional(),
    markupSmsBps: bps.nullable().optional(),
    markupWebhookBps: bps.nullable().optional(),
  })
  .strict();

export const settingsViewSchema = z.object({
  emailProvider: z.enum(['smtp', 'sendgrid', 'resend']).nullable(),
  effectiveEmailProvider: z.enum(['smtp', 'sendgrid', 'resend']).nullable(),
  emailFrom: z.string().nullable(),
  smtpHost: z.string().nullable(),
  smtpPort: z.number().nullable(),
  smtpUser: z.string().nullable(),
  hasEmailSecret: z.boolean(),
  twilioAccountSid: z.string().nullable(),
  hasTwilioAuthToken: z.boolean(),
  smsFrom: z.string().nullable(),
  markupEmailBps: z.number(),
  markupSmsBps: z.number(),
  markupWebhookBps: z.number(),
});

export const templateParamsSchema = z.object({ event: eventName, channel: z.enum(['email', 'sms']) });
export const templateBodySchema = z
  .object({ subject: z.string().min(1).max(998).nullable().optional(), text: z.string().min(1).max(100_000), html: z.string().min(1).max(500_000).nullable().optional() })
  .strict();
export const templateViewSchema = z.object({
  event: z.string(),
  channel: z.enum(['email', 'sms']),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  variables: z.array(z.string()),
  isBuiltIn: z.boolean(),
  updatedAt: z.string().nullable(),
});
export const previewBodySchema = z
  .object({
    event: eventName,
    channel: z.enum(['email', 'sms']),
    data: z.record(z.string(), z.unknown()).default({}),
    /** Preview a draft instead of the stored template. */
    template: templateBodySchema.optional(),
  })
  .strict();
export const previewViewSchema = z.object({
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  missingVariables: z.array(z.string()),
  sms: z.object({ encoding: z.enum(['GSM-7', 'UCS-2']), segments: z.number(), units: z.number() }).nullable(),
});

const recipientSchema = z
  .object({
    email: z.string().max(320).optional(),
    phone: z.string().max(32).optional(),
    userId: z.string().max(100).optional(),
    name: z.string().max(200).optional(),
    timeZone: z.string().max(64).refine(isValidTimeZone, 'an IANA time zone (Europe/Berlin)').optional(),
    channels: z.array(z.enum(['email', 'sms'])).max(2).optional(),
  })
  .strict();

export const sendBodySchema = z
  .object({
    event: eventName,
    recipients: z.array(recipientSchema).max(1000).default([]),
    data: z.record(z.string(), z.unknown()).default({}),
    locationId: z.string().max(100).optional(),
    isTransactional: z.boolean().optional(),
    sourceKey: z.string().min(1).max(200).optional(),
    includeWebhooks: z.boolean().optional(),
  })
  .strict();

export const deliveryViewSchema = z
  .object({
    id: z.string(),
    locationId: z.string().nullable(),
    event: z.string(),
    channel: z.enum(CHANNELS),
    recipient: z.string(),
    provider: z.string().nullable(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number(),
    providerMessageId: z.string().nullable(),
    reason: z.string().nullable(),
    isTransactional: z.boolean(),
    notBefore: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    resendOf: z.string().nullable(),
    /** POST …/resend would be accepted: it has an address and is no longer on its way (queued, waiting, sending). */
    isResendable: z.boolean(),
  })
  .meta({ id: 'NotificationDelivery' });

export const sendResultSchema = z.object({ deliveries: z.array(deliveryViewSchema) });
export const deliveryParamsSchema = z.object({ deliveryId: z.string().min(1).max(100) });
export const listDeliveriesQuerySchema = z.object({
  channel: z.enum(CHANNELS).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  event: z.string().max(100).optional(),
  recipient: z.string().max(320).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export const deliveryPageSchema = z.object({ items: z.array(deliveryViewSchema), total: z.number(), limit: z.number(), offset: z.number() });
export const deliverySummaryQuerySchema = z.object({ hours: z.coerce.number().int().min(1).max(24 * 90).default(24) });
export const deliverySummarySchema = z
  .object({
    since: z.string(),
    /** GET /api/notifications/sandbox/messages exists (sandbox mode: the provider fakes capture what is sent). */
    hasSandboxInbox: z.boolean(),
    byChannel: z.array(
      z.object({
        channel: z.enum(CHANNELS),
        status: z.enum(DELIVERY_STATUSES),
        total: z.number(),
        /** Deliveries of this channel and status that took more than one attempt. */
        retried: z.number(),
      }),
    ),
    endpoints: z.array(
      z.object({
        id: z.string(),
        url: z.string(),
        isEnabled: z.boolean(),
        failingSince: z.string().nullable(),
        disabledAt: z.string().nullable(),
        disabledReason: z.string().nullable(),
        lastSuccessAt: z.string().nullable(),
        lastFailureAt: z.string().nullable(),
        lastFailureReason: z.string().nullable(),
        /** The endpoint's newest delivery (its last status), null before the first. */
        lastDelivery: z.object({ id: z.string(), status: z.enum(DELIVERY_STATUSES), reason: z.string().nullable(), attempts: z.number(), at: z.string() }).nullable(),
      }),
    ),
  })
  .meta({ id: 'NotificationDeliverySummary' });

export const preferenceBodySchema = z
  .object({
    disabledEvents: z.array(eventName).max(200).optional(),
    disabledChannels: z.array(z.enum(['email', 'sms'])).max(2).optional(),
    timeZone: z.string().max(64).nullable().optional(),
    quietHours: z.object({ start: clock, end: clock }).nullable().optional(),
    isUnsubscribed: z.boolean().optional(),
  })
  .strict();
export const recipientPreferenceBodySchema = preferenceBodySchema.extend({ recipientKey: z.string().min(3).max(340) }).strict();
export const recipientKeyQuerySchema = z.object({ recipientKey: z.string().min(3).max(340) });
export const preferenceViewSchema = z.object({
  recipientKey: z.string(),
  disabledEvents: z.array(z.string()),
  disabledChannels: z.array(z.string()),
  timeZone: z.string().nullable(),
  quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
  isUnsubscribed: z.boolean(),
});

export const endpointBodySchema = z
  .object({
    url: z.string().min(1).max(2048),
    description: z.string().max(500).optional(),
    eventTypes: z.array(eventName).max(100).default([]),
    locationId: z.string().max(100).optional(),
    ownerEmail: z.string().max(320).optional(),
  })
  .strict();
export const endpointPatchSchema = z
  .object({
    url: z.string().min(1).max(2048).optional(),
    description: z.string().max(500).nullable().optional(),
    eventTypes: z.array(eventName).max(100).optional(),
    ownerEmail: z.string().max(320).nullable().optional(),
    isEnabled: z.boolean().optional(),
  })
  .strict();
export const endpointParamsSchema = z.object({ endpointId: z.string().min(1).max(100) });
export const endpointViewSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    locationId: z.string().nullable(),
    ownerEmail: z.string().nullable(),
    isEnabled: z.boolean(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    failingSince: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastFailureAt: z.string().nullable(),
    lastFailureReason: z.string().nullable(),
    isRotating: z.boolean(),
    previousSecretExpiresAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });
export const endpointWithSecretSchema = endpointViewSchema.extend({ secret: z.string().describe('whsec_… signing secret, shown only now') });
export const rotateBodySchema = z.object({ overlapSeconds: z.number().int().min(0).max(7 * 24 * 3600).optional() }).strict();

export const statementParamsSchema = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM') });
export const statementQuerySchema = z.object({ format: z.enum(['json', 'csv']).default('json') });
export const statementSchema = z.object({
  companyId: z.string(),
  month: z.string(),
  from: z.string(),
  to: z.string(),
  lines: z.array(
    z.object({
      channel: z.enum(CHANNELS),
      provider: z.string(),
      messages: z.number(),
      units: z.number(),
      baseCostMillicents: z.number(),
      baseCostCents: z.number(),
      markupBps: z.number(),
      markupCents: z.number(),
      totalCents: z.number(),
    }),
  ),
  totals: z.object({ messages: z.number(), units: z.number(), baseCostCents: z.number(), markupCents: z.number(), totalCents: z.number() }),
});

export const unsubscribeQuerySchema = z.object({ token: z.string().min(10).max(2000) });

export const capturedMessageSchema = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms']),
  provider: z.string(),
  from: z.string(),
  to: z.string(),
  subject: z.string().nullable(),
  text: z.string(),
  html: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  deliveryId: z.string().nullable(),
  capturedAt: z.string(),
});
