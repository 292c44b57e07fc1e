import type { HttpErrorStatus } from '../../platform/http/index.js';
import type { FailureCodeOf } from '../../platform/result/index.js';
import type { getStatement } from './get-statement.js';
import type { getDelivery, listCapturedMessages, listDeliveries, resendDelivery, sendNotification, summarizeDeliveries } from './manage-deliveries.js';
import type { changeEndpoint, createEndpoint, getEndpoint, listAgencyEndpoints, removeEndpoint, rotateEndpointSecret, sendTestWebhook } from './manage-endpoints.js';
import type { getMyPreferences, getRecipientPreferences, unsubscribeByToken, updateMyPreferences, updateRecipientPreferences } from './manage-preferences.js';
import type { getSettings, updateSettings } from './manage-settings.js';
import type { getTemplate, listAgencyTemplates, previewTemplate, removeTemplate, saveTemplate } from './manage-templates.js';
import type { applyResendEvent, applyTwilioInbound, applyTwilioStatus } from './provider-callbacks.js';

/** Every code the notifications use cases return. */
export type NotificationsErrorCode = FailureCodeOf<
  | typeof getSettings
  | typeof updateSettings
  | typeof sendNotification
  | typeof listDeliveries
  | typeof getDelivery
  | typeof resendDelivery
  | typeof summarizeDeliveries
  | typeof listCapturedMessages
  | typeof listAgencyTemplates
  | typeof getTemplate
  | typeof saveTemplate
  | typeof removeTemplate
  | typeof previewTemplate
  | typeof getMyPreferences
  | typeof updateMyPreferences
  | typeof getRecipientPreferences
  | typeof updateRecipientPreferences
  | typeof unsubscribeByToken
  | typeof createEndpoint
  | typeof listAgencyEndpoints
  | typeof getEndpoint
  | typeof changeEndpoint
  | typeof removeEndpoint
  | typeof rotateEndpointSecret
  | typeof sendTestWebhook
  | typeof getStatement
  | typeof applyTwilioStatus
  | typeof applyTwilioInbound
  | typeof applyResendEvent
>;

/** The HTTP status of each notifications failure: what the caller must fix is 400, a state conflict 409. */
export const NOTIFICATIONS_ERROR_STATUS = {
  forbidden: 403,
  not_found: 404,
  not_resendable: 409,
  endpoint_disabled: 409,
  sms_sender_taken: 409,
  signature_invalid: 401,
  invalid_settings: 400,
  invalid_template: 400,
  invalid_preferences: 400,
  invalid_endpoint: 400,
  url_not_allowed: 400,
  invalid_token: 400,
  invalid_callback: 400,
} as const satisfies Record<NotificationsErrorCode, HttpErrorStatus>;
