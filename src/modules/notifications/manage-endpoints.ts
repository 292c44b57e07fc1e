import type { z } from 'zod';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { findLocationGhlLink } from '../tenants/index.js';
import { withAgency, type AccessError } from './agency-access.js';
import { WEBHOOK_TEST_EVENT } from './default-templates.js';
import { toDeliveryView, type DeliveryView } from './manage-deliveries.js';
import { deleteEndpoint, findDelivery, findEndpoint, insertEndpoint, listEndpoints, updateEndpoint, type EndpointRow } from './notifications.repo.js';
import type { endpointBodySchema, endpointPatchSchema, endpointViewSchema } from './notifications.schemas.js';
import type { NotificationsDeps } from './notifications.types.js';
import { isValidEmail, notify } from './notify.js';
import { generateWebhookSecret } from './webhook-signature.js';

type EndpointView = z.infer<typeof endpointViewSchema>;
type EndpointDeps = Pick<NotificationsDeps, 'database' | 'clock' | 'generateId' | 'vault' | 'urlGuard' | 'settings' | 'wakeJobs'>;
type EndpointError = AccessError | 'not_found' | 'url_not_allowed' | 'invalid_endpoint';

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function viewOf(row: EndpointRow, now: Date): EndpointView {
  const isRotating = row.previousSecretId !== null && row.previousSecretExpiresAt !== null && row.previousSecretExpiresAt > now;
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    locationId: row.locationId,
    ownerEmail: row.ownerEmail,
    isEnabled: row.isEnabled,
    disabledAt: iso(row.disabledAt),
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    lastSuccessAt: iso(row.lastSuccessAt),
    lastFailureAt: iso(row.lastFailureAt),
    lastFailureReason: row.lastFailureReason,
    isRotating,
    previousSecretExpiresAt: isRotating ? iso(row.previousSecretExpiresAt) : null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** Configuration time: the URL must resolve to a public address (or an allow-listed one). */
async function checkUrl(deps: EndpointDeps, url: string): Promise<Result<string, 'url_not_allowed'>> {
  const checked = await deps.urlGuard.check(url);
  return checked.ok ? succeed(checked.url.toString()) : fail('url_not_allowed', checked.message, { reason: checked.reason });
}

export async function createEndpoint(deps: EndpointDeps, principal: Principal, input: z.infer<typeof endpointBodySchema>): Promise<Result<EndpointView & { secret: string }, EndpointError>> {
  if (input.ownerEmail !== undefined && !isValidEmail(input.ownerEmail)) return fail('invalid_endpoint', 'ownerEmail must be an email address');
  // Outside the transaction: resolving a name may take a while.
  const url = await checkUrl(deps, input.url);
  if (!url.ok) return url;
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<EndpointView & { secret: string }, EndpointError>> => {
    if (input.locationId !== undefined && !(await findLocationGhlLink(tx, input.locationId))) return fail('not_found', 'Location not found');
    const secret = generateWebhookSecret();
    const id = deps.generateId('whe');
    const secretId = await deps.vault.storeSecret(tx, { companyId, purpose: 'notifications.webhook_secret', plaintext: secret });
    const now = deps.clock.now();
    const row = await insertEndpoint(tx, {
      id,
      companyId,
      locationId: input.locationId ?? null,
      url: url.value,
      description: input.description ?? null,
      eventTypes: [...new Set(input.eventTypes)],
      ownerEmail: input.ownerEmail ?? null,
      secretId,
      createdAt: now,
      updatedAt: now,
    });
    return succeed({ ...viewOf(row, now), secret });
  });
}

export async function listAgencyEndpoints(deps: EndpointDeps, principal: Principal): Promise<Result<EndpointView[], AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => succeed((await listEndpoints(tx, companyId)).map((row) => viewOf(row, deps.clock.now()))));
}

export async function getEndpoint(deps: EndpointDeps, principal: Principal, endpointId: string): Promise<Result<EndpointView, AccessError | 'not_found'>> {
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<EndpointView, 'not_found'>> => {
    const row = await findEndpoint(tx, companyId, endpointId);
    return row ? succeed(viewOf(row, deps.clock.now())) : fail('not_found', 'Webhook endpoint not found');
  });
}

/** Re-enabling clears the failure streak (the 5-day clock starts again). */
export async function changeEndpoint(deps: EndpointDeps, principal: Principal, endpointId: string, input: z.infer<typeof endpointPatchSchema>): Promise<Result<EndpointView, EndpointError>> {
  if (input.ownerEmail && !isValidEmail(input.ownerEmail)) return fail('invalid_endpoint', 'ownerEmail must be an email address');
  let url: string | undefined;
  if (input.url !== undefined) {
    const checked = await checkUrl(deps, input.url);
    if (!checked.ok) return checked;
    url = checked.value;
  }
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<EndpointView, EndpointError>> => {
    const row = await findEndpoint(tx, companyId, endpointId);
    if (!row) return fail('not_found', 'Webhook endpoint not found');
    const now = deps.clock.now();
    const reenabled = input.isEnabled === true && !row.isEnabled;
    const updated = await updateEndpoint(tx, row.id, {
      ...(url !== undefined ? { url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.eventTypes !== undefined ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
      ...(input.ownerEmail !== undefined ? { ownerEmail: input.ownerEmail } : {}),
      ...(input.isEnabled !== undefined ? { isEnabled: input.isEnabled } : {}),
      ...(input.isEnabled === false && row.isEnabled ? { disabledAt: now, disabledReason: 'disabled by an admin' } : {}),
      ...(reenabled ? { disabledAt: null, disabledReason: null, failingSince: null } : {}),
      updatedAt: now,
    });
    if (!updated) return fail('not_found', 'Webhook endpoint not found');
    return succeed(viewOf(updated, now));
  });
}

export async function removeEndpoint(deps: EndpointDeps, principal: Principal, endpointId: string): Promise<Result<EndpointView, AccessError | 'not_found'>> {
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<EndpointView, 'not_found'>> => {
    const row = await deleteEndpoint(tx, companyId, endpointId);
    if (!row) return fail('not_found', 'Webhook endpoint not found');
    await deps.vault.deleteSecret(tx, row.secretId);
    if (row.previousSecretId) await deps.vault.deleteSecret(tx, row.previousSecretId);
    return succeed(viewOf(row, deps.clock.now()));
  });
}

/**
 * A new current secret; the old one keeps signing (a second `v1,` signature) for the overlap, so a
 * receiver can switch whenever it likes within that window.
 */
export async function rotateEndpointSecret(deps: EndpointDeps, principal: Principal, endpointId: string, overlapSeconds: number | undefined): Promise<Result<EndpointView & { secret: string }, AccessError | 'not_found'>> {
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<EndpointView & { secret: string }, 'not_found'>> => {
    const row = await findEndpoint(tx, companyId, endpointId);
    if (!row) return fail('not_found', 'Webhook endpoint not found');
    const now = deps.clock.now();
    const secret = generateWebhookSecret();
    const secretId = await deps.vault.storeSecret(tx, { companyId, purpose: 'notifications.webhook_secret', plaintext: secret });
    if (row.previousSecretId) await deps.vault.deleteSecret(tx, row.previousSecretId);
    const overlap = overlapSeconds ?? deps.settings.secretRotationOverlapSeconds;
    const updated = await updateEndpoint(tx, row.id, { secretId, previousSecretId: row.secretId, previousSecretExpiresAt: new Date(now.getTime() + overlap * 1000), updatedAt: now });
    if (!updated) return fail('not_found', 'Webhook endpoint not found');
    return succeed({ ...viewOf(updated, now), secret });
  });
}

/** Enqueues a `webhook.test` delivery to this endpoint (whatever its event filter), like any other delivery. */
export async function sendTestWebhook(deps: EndpointDeps, principal: Principal, endpointId: string): Promise<Result<DeliveryView, AccessError | 'not_found' | 'endpoint_disabled'>> {
  const result = await withAgency(deps, principal, async (tx, companyId): Promise<Result<DeliveryView, 'not_found' | 'endpoint_disabled'>> => {
    const row = await findEndpoint(tx, companyId, endpointId);
    if (!row) return fail('not_found', 'Webhook endpoint not found');
    if (!row.isEnabled) return fail('endpoint_disabled', 'The endpoint is disabled; enable it first');
    const receipt = await notify(deps, tx, { companyId, locationId: row.locationId }, WEBHOOK_TEST_EVENT, [], { endpointId: row.id, message: 'This is a test delivery from Switchboard.' }, {
      includeWebhooks: false,
      endpointIds: [row.id],
    });
    const first = receipt.deliveries[0];
    const delivery = first ? await findDelivery(tx, first.id) : undefined;
    if (!delivery) throw new Error('the test delivery was not created');
    return succeed(toDeliveryView(delivery));
  });
  if (result.ok) deps.wakeJobs();
  return result;
}
