import { principalOf, routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import {
  deleteWebhookEvent,
  getWebhookEvent,
  getWebhookStatus,
  listWebhookEvents,
  replayWebhookEvent,
  replayWebhookEvents,
  type WebhookOpsDeps,
} from './manage-webhook-events.js';
import type { EventDetailRow, EventSummaryRow } from './webhook-ops.repo.js';
import {
  eventDetailSchema,
  eventIdParams,
  eventPageSchema,
  ghlLocationParams,
  listEventsQuerySchema,
  replayFilterBodySchema,
  replayLocationBodySchema,
  replayResultSchema,
  webhookStatusSchema,
  type webhookStatusValues,
} from './webhook-ops.schemas.js';
import { z } from 'zod';
import { WEBHOOKS_ERROR_STATUS } from './webhooks.errors.js';

const toIso = (value: string | Date) => (value instanceof Date ? value : new Date(value)).toISOString();
const toIsoOrNull = (value: string | Date | null) => (value === null ? null : toIso(value));
const toDateOrUndefined = (value: string | undefined) => (value === undefined ? undefined : new Date(value));

function viewSummary(row: EventSummaryRow) {
  return { ...row, status: row.status as (typeof webhookStatusValues)[number], receivedAt: toIso(row.receivedAt), finishedAt: toIsoOrNull(row.finishedAt) };
}

function viewDetail(row: EventDetailRow) {
  return {
    ...viewSummary(row),
    priority: row.priority,
    orderingKey: row.orderingKey,
    occurredAt: toIsoOrNull(row.occurredAt),
    payload: row.payload,
    bodySha256: row.bodySha256,
    errors: row.errors.map((entry) => ({ attempt: entry.attempt, at: toIso(entry.at), error: entry.error })),
    runAt: toIso(row.runAt),
    leaseUntil: toIsoOrNull(row.leaseUntil),
    lockedBy: row.lockedBy,
    startedAt: toIsoOrNull(row.startedAt),
    replayCount: row.replayCount,
  };
}

const tags = ['webhooks'];
const forbidden = routeFailures(WEBHOOKS_ERROR_STATUS, ['forbidden']);
const readEventFailures = routeFailures(WEBHOOKS_ERROR_STATUS, ['forbidden', 'webhook_event_not_found']);
const changeEventFailures = routeFailures(WEBHOOKS_ERROR_STATUS, ['forbidden', 'webhook_event_not_found', 'webhook_event_in_flight']);

/** Operations API (issue 3 §7). Admin-only; agency admins see only their company's locations, others' events are 404. */
export function registerWebhookOpsRoutes(app: HttpServer, deps: WebhookOpsDeps): void {
  app.get(
    '/api/webhooks/status',
    { schema: { tags, summary: 'Per queue: backlog, oldest pending age, throughput, receipt-to-done percentiles, SLA compliance (last 60 min)', response: { 200: webhookStatusSchema, ...forbidden.responses } } },
    async (request, reply) => {
      const result = await getWebhookStatus(deps, principalOf(request));
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, forbidden, result);
    },
  );

  app.get(
    '/api/webhooks/events',
    { schema: { tags, summary: 'Stored webhook events, newest first (filter by location, type, status, queue, time)', querystring: listEventsQuerySchema, response: { 200: eventPageSchema, ...forbidden.responses } } },
    async (request, reply) => {
      const { receivedFrom, receivedTo, ...rest } = request.query;
      const result = await listWebhookEvents(deps, principalOf(request), { ...rest, receivedFrom: toDateOrUndefined(receivedFrom), receivedTo: toDateOrUndefined(receivedTo) });
      if (result.ok) return reply.send({ items: result.value.items.map(viewSummary), nextCursor: result.value.nextCursor });
      return sendFailure(reply, forbidden, result);
    },
  );

  app.get(
    '/api/webhooks/events/:id',
    { schema: { tags, summary: 'One webhook event with payload, attempts and errors', params: eventIdParams, response: { 200: eventDetailSchema, ...readEventFailures.responses } } },
    async (request, reply) => {
      const result = await getWebhookEvent(deps, principalOf(request), request.params.id);
      if (result.ok) return reply.send(viewDetail(result.value));
      return sendFailure(reply, readEventFailures, result);
    },
  );

  app.delete(
    '/api/webhooks/events/:id',
    { schema: { tags, summary: 'Delete a finished (dead, skipped or done) webhook event', params: eventIdParams, response: { 204: z.null(), ...changeEventFailures.responses } } },
    async (request, reply) => {
      const result = await deleteWebhookEvent(deps, principalOf(request), request.params.id);
      if (result.ok) return reply.status(204).send(null);
      return sendFailure(reply, changeEventFailures, result);
    },
  );

  app.post(
    '/api/webhooks/events/:id/replay',
    { schema: { tags, summary: 'Replay one finished webhook event', params: eventIdParams, response: { 200: replayResultSchema, ...changeEventFailures.responses } } },
    async (request, reply) => {
      const result = await replayWebhookEvent(deps, principalOf(request), request.params.id);
      if (result.ok) return reply.send({ matched: result.value.replayed, replayed: result.value.replayed, dryRun: false });
      return sendFailure(reply, changeEventFailures, result);
    },
  );

  app.post(
    '/api/webhooks/replay',
    { schema: { tags, summary: 'Replay finished events matching a filter (status dead by default); dryRun only counts', body: replayFilterBodySchema, response: { 200: replayResultSchema, ...forbidden.responses } } },
    async (request, reply) => {
      const { receivedFrom, receivedTo, ...rest } = request.body;
      const result = await replayWebhookEvents(deps, principalOf(request), { ...rest, receivedFrom: toDateOrUndefined(receivedFrom), receivedTo: toDateOrUndefined(receivedTo) });
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, forbidden, result);
    },
  );

  app.post(
    '/api/webhooks/locations/:ghlLocationId/replay-dead',
    { schema: { tags, summary: 'Replay every dead event of a GHL location; dryRun only counts', params: ghlLocationParams, body: replayLocationBodySchema, response: { 200: replayResultSchema, ...forbidden.responses } } },
    async (request, reply) => {
      const result = await replayWebhookEvents(deps, principalOf(request), { ghlLocationId: request.params.ghlLocationId, status: 'dead', dryRun: request.body.dryRun });
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, forbidden, result);
    },
  );
}
