import type { Executor } from '../../platform/db/index.js';
import { UrlNotAllowedError } from '../../platform/http-client/index.js';
import { enqueueJob, JobRetryLaterError, type ClaimedJob, type JobHandler } from '../../platform/jobs/index.js';
import type { JobDefinition } from '../../platform/module/index.js';
import { ENDPOINT_DISABLED_EVENT, findBuiltInTemplate, type TemplateContent } from './default-templates.js';
import type { OutgoingEmail, OutgoingSms, ProviderOutcome } from './notification-ports.js';
import { createDeliveryLookups } from './delivery-lookups.js';
import { findSettings, insertUsage, isOptedOut, lockDelivery, lockEndpoint, updateDelivery, updateEndpoint, type DeliveryRow, type EndpointRow } from './notifications.repo.js';
import { FINAL_STATUSES, JOB_KINDS, type Channel, type NotificationsDeps } from './notifications.types.js';
import { notify } from './notify.js';
import { markupOf, resolveEmailAccount, resolveSmsAccount } from './provider-accounts.js';
import { findQuietHoursEnd } from './quiet-hours.js';
import { renderTemplate } from './render-template.js';
import { combinePreferences, findSkipReason, preferenceKeysOf } from './resolve-preferences.js';
import { countSmsSegments } from './sms-segments.js';
import { buildWebhookHeaders, ENDPOINT_DISABLE_AFTER_MS, webhookRetryDelaySeconds } from './webhook-signature.js';

type Prepared<T> = { kind: 'done' } | ({ kind: 'send'; delivery: DeliveryRow; attempt: number } & T);

const DONE = { kind: 'done' } as const;

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Base delay of message retries (doubling per attempt, capped at an hour); webhooks use their published schedule. */
function messageRetryDelaySeconds(attempt: number, retryAfterSeconds: number | undefined): number {
  if (retryAfterSeconds !== undefined) return Math.max(1, Math.min(3600, retryAfterSeconds));
  return Math.min(3600, 5 * 2 ** Math.max(0, attempt - 1));
}

export function createDeliveryJobs(deps: NotificationsDeps): JobDefinition[] {
  const { database, clock, metrics } = deps;
  // Jobs running at once share their reads and their sent writes (one statement per batch).
  const lookups = createDeliveryLookups(database);

  async function finish(tx: Executor, delivery: DeliveryRow, status: 'failed' | 'skipped', reason: string, attempt?: number): Promise<typeof DONE> {
    await updateDelivery(tx, delivery.id, { status, reason, inFlightAttempt: 0, updatedAt: clock.now(), ...(attempt !== undefined ? { attempts: Math.max(attempt, delivery.attempts) } : {}) });
    metrics.deliveries.inc({ channel: delivery.channel, status });
    return DONE;
  }

  /** The recipient's preferences now (they may have changed since notify): a skip, a wait for quiet hours, or go. */
  async function applyPreferences(tx: Executor, delivery: DeliveryRow, channel: 'email' | 'sms'): Promise<typeof DONE | undefined> {
    const keys = preferenceKeysOf(channel, delivery.recipient, delivery.userId);
    const preferences = combinePreferences(keys, await lookups.preferences(delivery.companyId, keys), delivery.timeZone);
    const skip = findSkipReason(preferences, delivery.event, channel, delivery.isTransactional);
    if (skip) return finish(tx, delivery, 'skipped', skip);
    const quietEnd = preferences.quietHours ? findQuietHoursEnd(clock.now(), preferences.quietHours) : undefined;
    if (!quietEnd) return undefined;
    // Waits for the window: a new job at its end (this one is done); never dropped. Both writes or neither.
    await database.system(async (writeTx) => {
      await updateDelivery(writeTx, delivery.id, { status: 'waiting', notBefore: quietEnd, reason: `quiet hours until ${quietEnd.toISOString()}`, updatedAt: clock.now() });
      await enqueueJob(writeTx, {
        kind: JOB_KINDS[channel],
        payload: { deliveryId: delivery.id },
        companyId: delivery.companyId,
        locationId: delivery.locationId,
        idempotencyKey: `${delivery.id}:after:${quietEnd.getTime()}`,
        runAt: quietEnd,
        maxAttempts: deps.settings.messageMaxAttempts,
      });
    });
    return DONE;
  }

  async function templateOf(delivery: DeliveryRow, channel: 'email' | 'sms'): Promise<TemplateContent> {
    const own = await lookups.template({ companyId: delivery.companyId, event: delivery.event, channel });
    return own ? { subject: own.subject, text: own.text, html: own.html } : findBuiltInTemplate(delivery.event, channel);
  }

  function templateData(delivery: DeliveryRow, extra: Record<string, unknown>): Record<string, unknown> {
    return { ...(delivery.data as Record<string, unknown>), event: delivery.event, recipientName: delivery.recipientName ?? '', ...extra };
  }

  /** Before the call: the attempt is committed as in flight, so a crash after the call is visible to the next run. */
  async function markSending(tx: Executor, delivery: DeliveryRow, provider: string): Promise<number> {
    const attempt = delivery.attempts + 1;
    const now = clock.now();
    await updateDelivery(tx, delivery.id, { status: 'sending', attempts: attempt, inFlightAttempt: attempt, attemptStartedAt: now, provider, updatedAt: now });
    return attempt;
  }

  /** An earlier attempt's result was never recorded (the process died during the call). */
  async function handleInterruptedAttempt(tx: Executor, delivery: DeliveryRow, provider: string, isIdempotent: boolean): Promise<typeof DONE | undefined> {
    if (delivery.inFlightAttempt === 0 || isIdempotent) return undefined;
    return finish(
      tx,
      delivery,
      'failed',
      `outcome_unknown: attempt ${delivery.inFlightAttempt} to ${provider} was interrupted before its result was recorded; not sent again automatically because ${provider} takes no idempotency key (check the provider, then resend by API)`,
    );
  }

  async function recordOutcome(
    job: ClaimedJob,
    delivery: DeliveryRow,
    attempt: number,
    outcome: ProviderOutcome,
    usage: { provider: string; units: number; unitCostMillicents: number; markupBps: number },
    isIdempotent: boolean,
  ): Promise<void> {
    metrics.providerCalls.inc({ provider: usage.provider, outcome: outcome.kind });
    const channel = delivery.channel as Channel;
    if (outcome.kind === 'sent') {
      const now = clock.now();
      await lookups.recordSent({ id: delivery.id, providerMessageId: outcome.providerMessageId, provider: usage.provider, attempts: attempt, at: now, usage: { channel, units: usage.units, unitCostMillicents: usage.unitCostMillicents, markupBps: usage.markupBps } });
      metrics.deliveries.inc({ channel, status: 'sent' });
      metrics.enqueueToSentSeconds.observe({ channel }, Math.max(0, now.getTime() - delivery.createdAt.getTime()) / 1000);
      return;
    }
    const retryInSeconds = await database.system(async (tx) => {
      switch (outcome.kind) {
        case 'rejected':
          await finish(tx, delivery, 'failed', outcome.reason, attempt);
          return undefined;
        case 'in_doubt':
          if (!isIdempotent) {
            await finish(tx, delivery, 'failed', `outcome_unknown: ${outcome.reason} (not sent again automatically: ${usage.provider} takes no idempotency key)`, attempt);
            return undefined;
          }
          return retryOrFail(tx, job, delivery, attempt, outcome.reason, undefined);
        case 'retry':
          return retryOrFail(tx, job, delivery, attempt, outcome.reason, outcome.retryAfterSeconds);
      }
    });
    if (retryInSeconds !== undefined) throw new JobRetryLaterError(`delivery ${delivery.id}: provider asked to retry`, retryInSeconds);
  }

  async function retryOrFail(tx: Executor, job: ClaimedJob, delivery: DeliveryRow, attempt: number, reason: string, retryAfterSeconds: number | undefined): Promise<number | undefined> {
    if (job.attempts >= job.maxAttempts) {
      await finish(tx, delivery, 'failed', `${reason} (after ${attempt} attempts)`, attempt);
      return undefined;
    }
    await updateDelivery(tx, delivery.id, { status: 'queued', reason: `retrying: ${reason}`, inFlightAttempt: 0, attempts: Math.max(attempt, delivery.attempts), updatedAt: clock.now() });
    metrics.deliveries.inc({ channel: delivery.channel, status: 'retry' });
    return messageRetryDelaySeconds(attempt, retryAfterSeconds);
  }

  const sendEmail: JobHandler = async (job) => {
    const deliveryId = String(job.payload['deliveryId']);
    // Reads run outside a transaction and side by side (the job's lease keeps other workers away);
    // only the in-flight marker of a non-idempotent provider is written before the call.
    const prepared = await (async (): Promise<Prepared<{ email: OutgoingEmail; transport: ReturnType<NotificationsDeps['email']['forAccount']>; markupBps: number }>> => {
      const tx = database.db;
      const [delivery, jobSettings] = await Promise.all([lookups.delivery(deliveryId), job.companyId ? lookups.settings(job.companyId) : undefined]);
      if (!delivery || FINAL_STATUSES.has(delivery.status)) return DONE;
      const settings = job.companyId === delivery.companyId ? jobSettings : await lookups.settings(delivery.companyId);
      const [resolved, waiting, template] = await Promise.all([resolveEmailAccount(deps, tx, settings), applyPreferences(tx, delivery, 'email'), templateOf(delivery, 'email')]);
      if (waiting) return waiting;
      if (!resolved) return finish(tx, delivery, 'failed', 'no_provider: no email provider is configured for this agency');
      const transport = deps.email.forAccount(resolved.account);
      const interrupted = await handleInterruptedAttempt(tx, delivery, transport.provider, transport.isIdempotent);
      if (interrupted) return interrupted;
      const headers: Record<string, string> = { 'X-Switchboard-Delivery': delivery.id };
      const extra: Record<string, unknown> = {};
      if (!delivery.isTransactional) {
        const token = deps.unsubscribeTokens.issue({ companyId: delivery.companyId, recipientKey: `email:${delivery.recipient.toLowerCase()}` });
        const unsubscribeUrl = `${deps.settings.publicBaseUrl}/api/notifications/unsubscribe?token=${encodeURIComponent(token)}`;
        // RFC 2369 + RFC 8058 one-click: mailbox providers POST to the URL without a login.
        headers['List-Unsubscribe'] = `<${unsubscribeUrl}>`;
        headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
        extra['unsubscribeUrl'] = unsubscribeUrl;
      }
      const data = templateData(delivery, extra);
      const subject = renderTemplate(template.subject ?? '{{event}}', data, 'text').text.replace(/[\r\n]+/g, ' ').trim();
      const text = renderTemplate(template.text, data, 'text').text;
      const html = template.html ? renderTemplate(template.html, data, 'html').text : undefined;
      if (subject === '' || text.trim() === '') return finish(tx, delivery, 'failed', 'empty_message: the template rendered an empty subject or body (missing variables?)');
      const attempt = transport.isIdempotent ? delivery.attempts + 1 : await markSending(tx, delivery, transport.provider);
      return {
        kind: 'send',
        delivery,
        attempt,
        transport,
        markupBps: markupOf(deps.settings.markups, settings, 'email'),
        email: { from: resolved.from, to: delivery.recipient, toName: delivery.recipientName ?? undefined, subject, text, html, headers, deliveryId: delivery.id, idempotencyKey: delivery.id },
      };
    })();
    if (prepared.kind === 'done') return;
    let outcome: ProviderOutcome;
    try {
      outcome = await prepared.transport.send(prepared.email);
    } catch (error) {
      outcome = { kind: 'in_doubt', reason: describe(error) };
    }
    await recordOutcome(job, prepared.delivery, prepared.attempt, outcome, { provider: prepared.transport.provider, units: 1, unitCostMillicents: deps.settings.costs.emailMillicents, markupBps: prepared.markupBps }, prepared.transport.isIdempotent);
  };

  const sendSms: JobHandler = async (job) => {
    const deliveryId = String(job.payload['deliveryId']);
    const prepared = await (async (): Promise<Prepared<{ sms: OutgoingSms; account: { accountSid: string; authToken: string }; segments: number; markupBps: number }>> => {
      const tx = database.db;
      const [delivery, jobSettings] = await Promise.all([lookups.delivery(deliveryId), job.companyId ? lookups.settings(job.companyId) : undefined]);
      if (!delivery || FINAL_STATUSES.has(delivery.status)) return DONE;
      const settings = job.companyId === delivery.companyId ? jobSettings : await lookups.settings(delivery.companyId);
      const resolved = await resolveSmsAccount(deps, tx, settings);
      if (!resolved) return finish(tx, delivery, 'failed', 'no_provider: no SMS account is configured for this agency');
      const interrupted = await handleInterruptedAttempt(tx, delivery, deps.sms.provider, deps.sms.isIdempotent);
      if (interrupted) return interrupted;
      if (await isOptedOut(tx, resolved.from, delivery.recipient)) return finish(tx, delivery, 'skipped', 'sms_opted_out: the number replied STOP to this sender');
      const [waiting, template] = await Promise.all([applyPreferences(tx, delivery, 'sms'), templateOf(delivery, 'sms')]);
      if (waiting) return waiting;
      const body = renderTemplate(template.text, templateData(delivery, {}), 'text').text.trim();
      if (body === '') return finish(tx, delivery, 'failed', 'empty_message: the template rendered an empty body (missing variables?)');
      const attempt = deps.sms.isIdempotent ? delivery.attempts + 1 : await markSending(tx, delivery, deps.sms.provider);
      return {
        kind: 'send',
        delivery,
        attempt,
        account: resolved.account,
        markupBps: markupOf(deps.settings.markups, settings, 'sms'),
        segments: countSmsSegments(body).segments,
        sms: {
          from: resolved.from,
          to: delivery.recipient,
          body,
          deliveryId: delivery.id,
          statusCallbackUrl: `${deps.settings.publicBaseUrl}/api/notifications/providers/twilio/status?deliveryId=${encodeURIComponent(delivery.id)}`,
        },
      };
    })();
    if (prepared.kind === 'done') return;
    let outcome: ProviderOutcome;
    try {
      outcome = await deps.sms.send(prepared.account, prepared.sms);
    } catch (error) {
      outcome = { kind: 'in_doubt', reason: describe(error) };
    }
    await recordOutcome(job, prepared.delivery, prepared.attempt, outcome, { provider: deps.sms.provider, units: prepared.segments, unitCostMillicents: deps.settings.costs.smsSegmentMillicents, markupBps: prepared.markupBps }, deps.sms.isIdempotent);
  };

  const sendWebhook: JobHandler = async (job) => {
    const deliveryId = String(job.payload['deliveryId']);
    const prepared = await database.system(async (tx): Promise<Prepared<{ endpoint: EndpointRow; body: string; secrets: string[] }>> => {
      const delivery = await lockDelivery(tx, deliveryId);
      if (!delivery || FINAL_STATUSES.has(delivery.status)) return DONE;
      const endpoint = await lockEndpoint(tx, delivery.recipient);
      if (!endpoint) return finish(tx, delivery, 'skipped', 'endpoint_deleted');
      if (!endpoint.isEnabled) return finish(tx, delivery, 'skipped', 'endpoint_disabled');
      const now = clock.now();
      const secrets: string[] = [];
      const current = await deps.vault.readSecret(tx, endpoint.secretId);
      if (!current) return finish(tx, delivery, 'failed', 'endpoint secret missing from the vault');
      secrets.push(current);
      if (endpoint.previousSecretId && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
        const previous = await deps.vault.readSecret(tx, endpoint.previousSecretId);
        if (previous) secrets.push(previous);
      }
      const body = JSON.stringify({ type: delivery.event, timestamp: delivery.createdAt.toISOString(), data: delivery.data });
      const attempt = await markSending(tx, delivery, 'webhook');
      return { kind: 'send', delivery, attempt, endpoint, body, secrets };
    });
    if (prepared.kind === 'done') return;
    const { delivery, endpoint, attempt } = prepared;
    const timestampSeconds = Math.floor(clock.now().getTime() / 1000);
    let failure: { reason: string; isPermanent: boolean } | undefined;
    try {
      const response = await deps.webhookSender.send({
        method: 'POST',
        url: endpoint.url,
        endpoint: 'POST webhook-endpoint',
        timeoutMs: deps.settings.webhookTimeoutMs,
        headers: { 'content-type': 'application/json', 'user-agent': 'Switchboard-Webhooks/1', ...buildWebhookHeaders(prepared.secrets, delivery.messageId, timestampSeconds, prepared.body) },
        body: prepared.body,
      });
      if (response.status < 200 || response.status >= 300) failure = { reason: `HTTP ${response.status}`, isPermanent: false };
    } catch (error) {
      failure = error instanceof UrlNotAllowedError ? { reason: `url_not_allowed: ${error.message}`, isPermanent: true } : { reason: describe(error), isPermanent: false };
    }
    metrics.providerCalls.inc({ provider: 'webhook', outcome: failure ? (failure.isPermanent ? 'rejected' : 'retry') : 'sent' });
    const retryInSeconds = await database.system(async (tx) => {
      const now = clock.now();
      if (!failure) {
        await updateDelivery(tx, delivery.id, { status: 'delivered', providerMessageId: delivery.messageId, sentAt: now, deliveredAt: now, reason: null, inFlightAttempt: 0, updatedAt: now });
        await updateEndpoint(tx, endpoint.id, { failingSince: null, lastSuccessAt: now, updatedAt: now });
        await insertUsage(tx, {
          companyId: delivery.companyId,
          locationId: delivery.locationId,
          deliveryId: delivery.id,
          channel: 'webhook',
          provider: 'webhook',
          units: 1,
          unitCostMillicents: deps.settings.costs.webhookMillicents,
          baseCostMillicents: deps.settings.costs.webhookMillicents,
          markupBps: markupOf(deps.settings.markups, await findSettings(tx, delivery.companyId), 'webhook'),
          occurredAt: now,
        });
        metrics.deliveries.inc({ channel: 'webhook', status: 'delivered' });
        metrics.enqueueToSentSeconds.observe({ channel: 'webhook' }, Math.max(0, now.getTime() - delivery.createdAt.getTime()) / 1000);
        return undefined;
      }
      const locked = await lockEndpoint(tx, endpoint.id);
      const failingSince = locked?.failingSince ?? now;
      await updateEndpoint(tx, endpoint.id, { failingSince, lastFailureAt: now, lastFailureReason: failure.reason.slice(0, 500), updatedAt: now });
      if (locked?.isEnabled && now.getTime() - failingSince.getTime() >= ENDPOINT_DISABLE_AFTER_MS) {
        await updateEndpoint(tx, endpoint.id, { isEnabled: false, disabledAt: now, disabledReason: `failing since ${failingSince.toISOString()}: ${failure.reason}`.slice(0, 500), updatedAt: now });
        if (locked.ownerEmail) {
          await notify(deps, tx, { companyId: locked.companyId, locationId: locked.locationId }, ENDPOINT_DISABLED_EVENT, [{ email: locked.ownerEmail }], {
            url: locked.url,
            failingSince: failingSince.toISOString(),
            lastError: failure.reason,
            endpointId: locked.id,
          }, { includeWebhooks: false, sourceKey: `endpoint-disabled:${locked.id}:${now.getTime()}` });
        }
      }
      const nextDelay = webhookRetryDelaySeconds(job.attempts + 1);
      if (failure.isPermanent || nextDelay === undefined || job.attempts >= job.maxAttempts) {
        await finish(tx, delivery, 'failed', job.attempts > 1 && !failure.isPermanent ? `${failure.reason} (after ${attempt} attempts)` : failure.reason);
        return undefined;
      }
      await updateDelivery(tx, delivery.id, { status: 'queued', reason: `retrying: ${failure.reason}`, inFlightAttempt: 0, updatedAt: now });
      metrics.deliveries.inc({ channel: 'webhook', status: 'retry' });
      return nextDelay;
    });
    if (retryInSeconds !== undefined) {
      deps.wakeJobs();
      throw new JobRetryLaterError(`webhook delivery ${delivery.id} failed: ${failure?.reason ?? ''}`, retryInSeconds);
    }
    if (failure && !failure.isPermanent) deps.wakeJobs();
  };

  return [
    { kind: JOB_KINDS.email, handle: sendEmail },
    { kind: JOB_KINDS.sms, handle: sendSms },
    { kind: JOB_KINDS.webhook, handle: sendWebhook },
  ];
}
