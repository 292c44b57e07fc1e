// Notifications (issue 13): notify() → one durable job per channel and recipient, delivery log,
// templates, preferences, usage with markup, provider callbacks. See docs/notifications.md.
export { createNotificationsModule } from './create-notifications-module.js';
export type { NotificationsModule } from './create-notifications-module.js';
export type { Notify, NotifyOptions, NotifyReceipt, NotifyScope, NotificationRecipient, NotificationsDeps, NotificationsSettings, Channel, DeliveryStatus } from './notifications.types.js';
export { JOB_KINDS as NOTIFICATION_JOB_KINDS } from './notifications.types.js';
export type { EmailAccount, EmailTransports, SmsAccount, SmsTransport, CapturedMessage, CapturedMessagesSource, TwilioSignatureCheck } from './notification-ports.js';
export { createEmailTransports } from './providers/email-transports.adapter.js';
export type { EmailProviderEndpoints } from './providers/email-transports.adapter.js';
export { createTwilioSmsTransport, verifyTwilioSignature } from './providers/twilio-sms.adapter.js';
export { createNotificationMetrics } from './notification-metrics.js';
export { createUnsubscribeTokens } from './unsubscribe-token.js';
export { WEBHOOK_RETRY_SCHEDULE_SECONDS, signWebhook, generateWebhookSecret } from './webhook-signature.js';
export * as notificationTables from './notifications.tables.js';
