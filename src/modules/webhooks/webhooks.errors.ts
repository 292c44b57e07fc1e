import type { HttpErrorStatus } from '../../platform/http/index.js';
import type { FailureCodeOf } from '../../platform/result/index.js';
import type { ingestWebhook } from './ingest-webhook.js';
import type { deleteWebhookEvent, getWebhookEvent, getWebhookStatus, listWebhookEvents, replayWebhookEvent, replayWebhookEvents } from './manage-webhook-events.js';
import type { getWebhookOverview, getWebhookSeries } from './get-webhook-series.js';

/** Every code the webhooks use cases (ingest, operations) return. */
export type WebhooksErrorCode = FailureCodeOf<
  | typeof ingestWebhook
  | typeof getWebhookStatus
  | typeof listWebhookEvents
  | typeof getWebhookEvent
  | typeof deleteWebhookEvent
  | typeof replayWebhookEvent
  | typeof replayWebhookEvents
  | typeof getWebhookOverview
  | typeof getWebhookSeries
>;

/**
 * The HTTP status of each webhooks failure; a code without one fails to compile. Ingest never
 * answers 5xx: a failure to store is a 429, the only answer GHL retries.
 */
export const WEBHOOKS_ERROR_STATUS = {
  webhook_body_empty: 400,
  webhook_body_not_json: 400,
  webhook_body_not_utf8: 400,
  webhook_body_number_unsafe: 400,
  webhook_body_not_object: 400,
  webhook_body_unstorable: 400,
  webhook_signature_invalid: 401,
  webhook_replay_rejected: 401,
  webhook_overloaded: 429,
  webhook_store_unavailable: 429,
  forbidden: 403,
  webhook_event_not_found: 404,
  webhook_event_in_flight: 409,
} as const satisfies Record<WebhooksErrorCode, HttpErrorStatus>;
