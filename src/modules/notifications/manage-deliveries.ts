import type { z } from 'zod';
import { enqueueJob } from '../../platform/jobs/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { findLocationGhlLink } from '../tenants/index.js';
import { withAgency, type AccessError } from './agency-access.js';
import { countDeliveries, findDelivery, insertDeliveries, findEndpoint, listCompanyDeliveryIds, listEndpoints, listLatestEndpointDeliveries, selectDeliveries, type DeliveryRow } from './notifications.repo.js';
import type { capturedMessageSchema, deliveryPageSchema, deliverySummarySchema, deliveryViewSchema, listDeliveriesQuerySchema, sendBodySchema } from './notifications.schemas.js';
import { JOB_KINDS, type Channel, type DeliveryStatus, type NotificationsDeps } from './notifications.types.js';
import { notifyDeliveries } from './notify.js';

export type DeliveryView = z.infer<typeof deliveryViewSchema>;
type DeliveryDeps = Pick<NotificationsDeps, 'database' | 'clock' | 'generateId' | 'settings' | 'wakeJobs' | 'captured'>;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** Still on its way: the job will send it (or is retrying it), so a resend would send it twice. */
const IN_PROGRESS_STATUSES: ReadonlySet<string> = new Set<DeliveryStatus>(['queued', 'waiting', 'sending']);

/** Why a delivery cannot be sent again, or undefined when it can (pure: the view and the use case share it). */
export function findResendRefusal(row: Pick<DeliveryRow, 'recipient' | 'status'>): string | undefined {
  if (row.recipient === '') return 'This delivery has no address to send to';
  if (IN_PROGRESS_STATUSES.has(row.status)) return `This delivery is still ${row.status}; it can be sent again once it has finished`;
  return undefined;
}

export function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    locationId: row.locationId,
    event: row.event,
    channel: row.channel as Channel,
    recipient: row.recipient,
    provider: row.provider,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    providerMessageId: row.providerMessageId,
    reason: row.reason,
    isTransactional: row.isTransactional,
    notBefore: iso(row.notBefore),
    createdAt: row.createdAt.toISOString(),
    sentAt: iso(row.sentAt),
    deliveredAt: iso(row.deliveredAt),
    resendOf: row.resendOf,
    isResendable: findResendRefusal(row) === undefined,
  };
}

type SendError = AccessError | 'not_found';

/** notify() through the API: the same outbox path other modules use, for operators and integrations. */
export async function sendNotification(deps: DeliveryDeps, principal: Principal, input: z.infer<typeof sendBodySchema>): Promise<Result<{ deliveries: DeliveryView[] }, SendError>> {
  const result = await withAgency(deps, principal, async (tx, companyId): Promise<Result<{ deliveries: DeliveryView[] }, SendError>> => {
    if (input.locationId !== undefined && !(await findLocationGhlLink(tx, input.locationId))) return fail('not_found', 'Location not found');
    const rows = await notifyDeliveries(deps, tx, { companyId, locationId: input.locationId ?? null }, input.event, input.recipients, input.data, {
      isTransactional: input.isTransactional,
      sourceKey: input.sourceKey,
      includeWebhooks: input.includeWebhooks,
    });
    return succeed({ deliveries: rows.map(toDeliveryView) });
  });
  if (result.ok) deps.wakeJobs();
  return result;
}

export async function listDeliveries(deps: DeliveryDeps, principal: Principal, query: z.infer<typeof listDeliveriesQuerySchema>): Promise<Result<z.infer<typeof deliveryPageSchema>, AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => {
    const { rows, total } = await selectDeliveries(tx, { companyId, ...query });
    return succeed({ items: rows.map(toDeliveryView), total, limit: query.limit, offset: query.offset });
  });
}

export async function getDelivery(deps: DeliveryDeps, principal: Principal, deliveryId: string): Promise<Result<DeliveryView, AccessError | 'not_found'>> {
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<DeliveryView, 'not_found'>> => {
    const row = await findDelivery(tx, deliveryId);
    return row && row.companyId === companyId ? succeed(toDeliveryView(row)) : fail('not_found', 'Delivery not found');
  });
}

/**
 * Sends a delivery again as a new delivery (its own log row and job). A webhook keeps its
 * `webhook-id`, so a receiver that already processed it can tell; email and SMS are new messages.
 */
export async function resendDelivery(deps: DeliveryDeps, principal: Principal, deliveryId: string): Promise<Result<DeliveryView, AccessError | 'not_found' | 'not_resendable'>> {
  const result = await withAgency(deps, principal, async (tx, companyId): Promise<Result<DeliveryView, 'not_found' | 'not_resendable'>> => {
    const original = await findDelivery(tx, deliveryId);
    if (!original || original.companyId !== companyId) return fail('not_found', 'Delivery not found');
    const refusal = findResendRefusal(original);
    if (refusal !== undefined) return fail('not_resendable', refusal);
    if (original.channel === 'webhook') {
      // The send job would only skip it: say so now, while the operator is looking.
      const endpoint = await findEndpoint(tx, companyId, original.recipient);
      if (!endpoint) return fail('not_resendable', 'The webhook endpoint of this delivery was deleted');
      if (!endpoint.isEnabled) return fail('not_resendable', 'The webhook endpoint of this delivery is disabled; enable it again before resending');
    }
    const now = deps.clock.now();
    const id = deps.generateId('dlv');
    const [row] = await insertDeliveries(tx, [
      {
        id,
        companyId,
        locationId: original.locationId,
        event: original.event,
        channel: original.channel,
        recipient: original.recipient,
        recipientName: original.recipientName,
        userId: original.userId,
        timeZone: original.timeZone,
        provider: original.channel === 'webhook' ? 'webhook' : null,
        status: 'queued',
        data: original.data,
        isTransactional: original.isTransactional,
        messageId: original.channel === 'webhook' ? original.messageId : `msg_${id.slice(4)}`,
        resendOf: original.id,
        createdAt: now,
        updatedAt: now,
      },
    ]);
    if (!row) throw new Error(`resend of ${original.id} inserted nothing`);
    await enqueueJob(tx, {
      kind: JOB_KINDS[row.channel as Channel],
      payload: { deliveryId: row.id },
      companyId,
      locationId: row.locationId,
      idempotencyKey: row.id,
      priority: 5,
      maxAttempts: row.channel === 'webhook' ? 8 : deps.settings.messageMaxAttempts,
    });
    return succeed(toDeliveryView(row));
  });
  if (result.ok) deps.wakeJobs();
  return result;
}

/**
 * Counts by channel and status over the last `hours` (with how many took more than one attempt),
 * every endpoint's health with the status of its latest delivery, and whether this process offers
 * the sandbox inbox (the dashboard shows it only then).
 */
export async function summarizeDeliveries(deps: DeliveryDeps, principal: Principal, hours: number): Promise<Result<z.infer<typeof deliverySummarySchema>, AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => {
    const since = new Date(deps.clock.now().getTime() - hours * 3600 * 1000);
    const counts = await countDeliveries(tx, companyId, since);
    const endpoints = await listEndpoints(tx, companyId);
    const latest = await listLatestEndpointDeliveries(
      tx,
      companyId,
      endpoints.map((endpoint) => endpoint.id),
    );
    return succeed({
      since: since.toISOString(),
      hasSandboxInbox: deps.captured !== undefined,
      byChannel: counts.map((count) => ({ ...count, channel: count.channel as Channel, status: count.status as DeliveryStatus })),
      endpoints: endpoints.map((endpoint) => ({
        id: endpoint.id,
        url: endpoint.url,
        isEnabled: endpoint.isEnabled,
        failingSince: iso(endpoint.failingSince),
        disabledAt: iso(endpoint.disabledAt),
        disabledReason: endpoint.disabledReason,
        lastSuccessAt: iso(endpoint.lastSuccessAt),
        lastFailureAt: iso(endpoint.lastFailureAt),
        lastFailureReason: endpoint.lastFailureReason,
        lastDelivery: ((delivery) => (delivery ? { id: delivery.id, status: delivery.status as DeliveryStatus, reason: delivery.reason, attempts: delivery.attempts, at: delivery.updatedAt.toISOString() } : null))(latest.get(endpoint.id)),
      })),
    });
  });
}

type CapturedView = z.infer<typeof capturedMessageSchema>;

/** Sandbox mode: what the local provider fakes captured of this agency's deliveries. */
export async function listCapturedMessages(deps: DeliveryDeps, principal: Principal): Promise<Result<CapturedView[], AccessError | 'not_found'>> {
  const source = deps.captured;
  if (!source) return fail('not_found', 'Captured messages exist only in sandbox mode');
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<CapturedView[], 'not_found'>> => {
    const captured = source.listCaptured();
    const ids = captured.map((message) => message.deliveryId).filter((id): id is string => id !== null);
    const own = await listCompanyDeliveryIds(tx, companyId, ids);
    return succeed(captured.filter((message) => message.deliveryId !== null && own.has(message.deliveryId)));
  });
}
