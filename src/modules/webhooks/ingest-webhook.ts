import { createHash } from 'node:crypto';
import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import { GroupCommitQueueFullError, type GroupCommitter } from '../../platform/queue/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { WebhookEvent } from './processor-registry.js';
import { findInboxIdByDelivery, type NewInboxRow } from './webhook-inbox.repo.js';
import { extractDeliveryTimestamp, extractGhlEventType, routeWebhookEvent } from './webhook-routing.js';
import { findLossyNumber } from './json-numbers.js';
import { decodeUtf8Strictly, verifyGhlSignature, verifyHmacSignature, type GhlWebhookKeys, type SignatureCheck } from './webhook-signatures.js';
import type { WebhookSecretRegistry } from './webhook-secrets.js';
import type { WebhookRouteSpec } from '../../platform/module/index.js';

export type WebhookProvider = WebhookEvent['provider'];

/** What the group committer answers per submitted row once its batch has committed. */
export type InboxWriteOutcome = { kind: 'stored'; id: string } | { kind: 'duplicate' } | { kind: 'unstorable'; reason: string };

export interface BacklogGauge {
  isOverLimit(): boolean;
}

export interface IngestDeps {
  database: Database;
  clock: Clock;
  keys: GhlWebhookKeys;
  /** The route the event type's owner declared (queue, priority, ordering rule). */
  routeOf(eventType: string): WebhookRouteSpec;
  secrets: WebhookSecretRegistry;
  committer: GroupCommitter<NewInboxRow, InboxWriteOutcome>;
  backlog: BacklogGauge;
  timestampToleranceSeconds: number;
  timestampFutureSkewSeconds: number;
  ingestTimeoutMs: number;
  /** Called after the row is committed, so workers in this process wake at once (and the rollups count it, by fairness key). */
  onStored: (queue: string, tenantKey: string) => void;
}

export type IngestRequest =
  | { provider: 'ghl'; rawBody: Buffer; headers: Record<string, string | string[] | undefined> }
  | { provider: 'ghl_workflow'; rawBody: Buffer; headers: Record<string, string | string[] | undefined>; eventType: string; integrationId: string | undefined }
  | { provider: 'integration'; rawBody: Buffer; headers: Record<string, string | string[] | undefined>; integrationId: string };

export type IngestErrorCode =
  | 'webhook_body_empty'
  | 'webhook_body_not_json'
  | 'webhook_body_not_utf8'
  | 'webhook_body_number_unsafe'
  | 'webhook_body_not_object'
  | 'webhook_body_unstorable'
  | 'webhook_signature_invalid'
  | 'webhook_replay_rejected'
  | 'webhook_overloaded'
  | 'webhook_store_unavailable';

export type IngestResult = Result<{ id: string | undefined; isDuplicate: boolean; eventType: string; queue: string }, IngestErrorCode>;

const MAX_ID_LENGTH = 200;

function readHeader(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text && text.length <= MAX_ID_LENGTH ? text : undefined;
}

async function verifyRequest(deps: IngestDeps, request: IngestRequest): Promise<SignatureCheck> {
  switch (request.provider) {
    case 'ghl':
      return verifyGhlSignature(deps.keys, request.rawBody, request.headers);
    case 'ghl_workflow':
    case 'integration': {
      if (!request.integrationId) return { isValid: false, reason: 'no integration id (x-integration-id header or integrationId query)' };
      const secrets = await deps.secrets.findSecrets({ provider: request.provider, integrationId: request.integrationId });
      return verifyHmacSignature(secrets, request.rawBody, request.headers);
    }
  }
}

function eventTypeOf(request: IngestRequest, payload: Record<string, unknown>): string {
  switch (request.provider) {
    case 'ghl':
      return extractGhlEventType(payload);
    case 'ghl_workflow':
      return request.eventType;
    case 'integration': {
      const named = [payload.type, payload.event, payload.eventType, readHeader(request.headers, 'x-event-type')].find((value) => typeof value === 'string' && value.length > 0 && value.length <= 100);
      return typeof named === 'string' ? named : 'unknown';
    }
  }
}

/**
 * GHL's `webhookId` (or the sender's delivery id header) deduplicates; without one the body hash
 * does, so an identical body is stored once. HMAC providers are namespaced by integration.
 */
function deliveryIdOf(request: IngestRequest, payload: Record<string, unknown>, bodySha256: string): string {
  const declared = [payload.webhookId, readHeader(request.headers, 'x-webhook-id')].find((value) => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH);
  const base = typeof declared === 'string' ? declared : `sha256:${bodySha256}`;
  return request.provider === 'ghl' ? base : `${request.integrationId ?? '-'}:${base}`;
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`store did not commit within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Verify (raw bytes, fail closed) → parse → replay window → group-committed insert. What is stored,
 * hashed and deduplicated is the body the signature is over (the raw bytes, or their re-serialised
 * form when only that verifies), and only if it is valid UTF-8 whose numbers survive a round trip.
 * Success is returned only after the row (or the earlier row with the same delivery id) is
 * committed; anything that prevents storing answers a retryable failure, because GHL retries only on 429.
 */
export async function ingestWebhook(deps: IngestDeps, request: IngestRequest): Promise<IngestResult> {
  if (request.rawBody.length === 0) return fail('webhook_body_empty', 'The request body is empty');
  const signature = await verifyRequest(deps, request);
  if (!signature.isValid) return fail('webhook_signature_invalid', `Webhook signature is invalid: ${signature.reason}`);

  const signedBody = signature.signedBody;
  // Decoding with replacement characters would store text that was never sent.
  const text = decodeUtf8Strictly(signedBody);
  if (text === undefined) return fail('webhook_body_not_utf8', 'The request body is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('webhook_body_not_json', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('webhook_body_not_object', 'The request body must be a JSON object');
  // Checked on the bytes received: `1e400` re-serialises as `null`, so its signed form differs from it.
  const lossyNumber = signedBody === request.rawBody ? findLossyNumber(text) : findLossyNumber(request.rawBody.toString('utf8'));
  if (lossyNumber !== undefined) return fail('webhook_body_number_unsafe', `The number ${lossyNumber} cannot be represented exactly (it would not survive a round trip)`);
  const payload = parsed as Record<string, unknown>;
  const eventType = eventTypeOf(request, payload);
  const bodySha256 = createHash('sha256').update(signedBody).digest('hex');
  const deliveryId = deliveryIdOf(request, payload, bodySha256);
  const routed = routeWebhookEvent(request.provider, eventType, payload, deps.routeOf(eventType));

  // Replay window: an old timestamp is fine for a delivery we already hold (a GHL retry or
  // duplicate → 200 duplicate), but an unknown delivery that old is a replayed body.
  const deliveredAt = extractDeliveryTimestamp(payload);
  if (deliveredAt) {
    const ageSeconds = (deps.clock.now().getTime() - deliveredAt.getTime()) / 1000;
    if (ageSeconds < -deps.timestampFutureSkewSeconds) return fail('webhook_replay_rejected', 'The webhook timestamp is in the future');
    if (ageSeconds > deps.timestampToleranceSeconds) {
      let existingId: string | undefined;
      try {
        existingId = await withTimeout(findInboxIdByDelivery(deps.database.db, request.provider, deliveryId), deps.ingestTimeoutMs);
      } catch {
        return fail('webhook_store_unavailable', 'The event store is unavailable; retry later');
      }
      if (!existingId) return fail('webhook_replay_rejected', `The webhook timestamp is older than the ${deps.timestampToleranceSeconds} s tolerance and the delivery is unknown`);
      return succeed({ id: undefined, isDuplicate: true, eventType, queue: routed.queue });
    }
  }

  if (deps.backlog.isOverLimit()) return fail('webhook_overloaded', 'The webhook backlog is over its limit; retry later');
  let outcome: InboxWriteOutcome;
  try {
    outcome = await withTimeout(
      deps.committer.submit({
        provider: request.provider,
        deliveryId,
        eventType,
        queue: routed.queue,
        priority: routed.priority,
        ghlLocationId: routed.ghlLocationId,
        ghlCompanyId: routed.ghlCompanyId,
        fairnessKey: routed.fairnessKey,
        orderingKey: routed.orderingKey,
        occurredAt: routed.occurredAt,
        payloadJson: text,
        bodySha256,
      }),
      deps.ingestTimeoutMs,
    );
  } catch (error) {
    if (error instanceof GroupCommitQueueFullError) return fail('webhook_overloaded', 'Too many webhooks are waiting to be stored; retry later');
    return fail('webhook_store_unavailable', 'The event store is unavailable; retry later');
  }
  switch (outcome.kind) {
    case 'stored':
      deps.onStored(routed.queue, routed.fairnessKey);
      return succeed({ id: outcome.id, isDuplicate: false, eventType, queue: routed.queue });
    case 'duplicate':
      return succeed({ id: undefined, isDuplicate: true, eventType, queue: routed.queue });
    case 'unstorable':
      return fail('webhook_body_unstorable', `The body cannot be stored: ${outcome.reason}`);
  }
}
