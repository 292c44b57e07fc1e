import { z } from 'zod';
import { principalOf, routeFailures, sendFailure, streamSnapshots, wantsEventStream, type HttpServer } from '../../platform/http/index.js';
import { fail } from '../../platform/result/index.js';
import { NOTIFICATIONS_ERROR_STATUS } from './notifications.errors.js';
import { getStatement } from './get-statement.js';
import { getDelivery, listCapturedMessages, listDeliveries, resendDelivery, sendNotification, summarizeDeliveries } from './manage-deliveries.js';
import { changeEndpoint, createEndpoint, getEndpoint, listAgencyEndpoints, removeEndpoint, rotateEndpointSecret, sendTestWebhook } from './manage-endpoints.js';
import { getMyPreferences, getRecipientPreferences, unsubscribeByToken, updateMyPreferences, updateRecipientPreferences } from './manage-preferences.js';
import { getSettings, updateSettings } from './manage-settings.js';
import { getTemplate, listAgencyTemplates, previewTemplate, removeTemplate, saveTemplate } from './manage-templates.js';
import {
  capturedMessageSchema,
  deliveryPageSchema,
  deliveryParamsSchema,
  deliverySummaryQuerySchema,
  deliverySummarySchema,
  deliveryViewSchema,
  endpointBodySchema,
  endpointParamsSchema,
  endpointPatchSchema,
  endpointViewSchema,
  endpointWithSecretSchema,
  listDeliveriesQuerySchema,
  preferenceBodySchema,
  preferenceViewSchema,
  previewBodySchema,
  previewViewSchema,
  recipientKeyQuerySchema,
  recipientPreferenceBodySchema,
  rotateBodySchema,
  sendBodySchema,
  sendResultSchema,
  settingsBodySchema,
  settingsViewSchema,
  statementParamsSchema,
  statementQuerySchema,
  statementSchema,
  templateBodySchema,
  templateParamsSchema,
  templateViewSchema,
  unsubscribeQuerySchema,
} from './notifications.schemas.js';
import type { NotificationsDeps } from './notifications.types.js';
import { applyResendEvent, applyTwilioInbound, applyTwilioStatus } from './provider-callbacks.js';

const tags = ['notifications'];
const failures = (...codes: (keyof typeof NOTIFICATIONS_ERROR_STATUS)[]) => routeFailures(NOTIFICATIONS_ERROR_STATUS, codes);
const agencyOnly = failures('forbidden');
const agencyRecord = failures('forbidden', 'not_found');
const settingsWrite = failures('forbidden', 'invalid_settings', 'sms_sender_taken');
const resendFailures = failures('forbidden', 'not_found', 'not_resendable');
const templateWrite = failures('forbidden', 'invalid_template');
const preferenceWrite = failures('forbidden', 'invalid_preferences');
const endpointWrite = failures('forbidden', 'not_found', 'url_not_allowed', 'invalid_endpoint');
const testSendFailures = failures('forbidden', 'not_found', 'endpoint_disabled');
const tokenFailures = failures('invalid_token');
const twilioStatusFailures = failures('signature_invalid', 'not_found', 'invalid_callback');
const twilioInboundFailures = failures('signature_invalid');
const resendEventFailures = failures('signature_invalid', 'invalid_callback');

const formBody = z.record(z.string(), z.string());
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

function unsubscribePage(title: string, message: string, form?: { action: string }): string {
  const escape = (value: string) => value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
  const button = form ? `<form method="post" action="${escape(form.action)}"><button type="submit">Unsubscribe</button></form>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head><body><h1>${escape(title)}</h1><p>${escape(message)}</p>${button}</body></html>`;
}

export function registerNotificationsRoutes(app: HttpServer, deps: NotificationsDeps): void {
  // Settings ------------------------------------------------------------------------------------
  app.get('/api/notifications/settings', { schema: { tags, summary: 'Email provider, SMS account and markups of your agency (secrets never shown)', response: { 200: settingsViewSchema, ...agencyOnly.responses } } }, async (request, reply) => {
    const result = await getSettings(deps, principalOf(request));
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
  });
  app.put(
    '/api/notifications/settings',
    { schema: { tags, summary: 'Choose the email provider (smtp, sendgrid, resend), the Twilio account and markups; given fields change, null clears', body: settingsBodySchema, response: { 200: settingsViewSchema, ...settingsWrite.responses } } },
    async (request, reply) => {
      const result = await updateSettings(deps, principalOf(request), request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, settingsWrite, result);
    },
  );

  // Sending and the delivery log ----------------------------------------------------------------
  app.post(
    '/api/notifications/send',
    {
      schema: {
        tags,
        summary: 'notify(): one delivery per channel and recipient, plus the subscribed webhook endpoints',
        description: 'Deliveries are queued at once (202) and sent by the job queue; each shows its status in the delivery log.',
        body: sendBodySchema,
        response: { 202: sendResultSchema, ...agencyRecord.responses },
      },
    },
    async (request, reply) => {
      const result = await sendNotification(deps, principalOf(request), request.body);
      return result.ok ? reply.code(202).send(result.value) : sendFailure(reply, agencyRecord, result);
    },
  );
  app.get('/api/notifications/deliveries', { schema: { tags, summary: 'The delivery log, newest first', querystring: listDeliveriesQuerySchema, response: { 200: deliveryPageSchema, ...agencyOnly.responses } } }, async (request, reply) => {
    const result = await listDeliveries(deps, principalOf(request), request.query);
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
  });
  app.get(
    '/api/notifications/deliveries/summary',
    {
      config: { isEventStream: true },
      schema: {
        tags,
        summary:
          'Deliveries by channel and status (with retried counts), webhook endpoint health (disabled, failing since, last status) and whether the sandbox inbox exists; with Accept: text/event-stream a live stream of the same (every change, checked each 5 s)',
        querystring: deliverySummaryQuerySchema,
        response: { 200: deliverySummarySchema, ...agencyOnly.responses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const result = await summarizeDeliveries(deps, principal, request.query.hours);
      if (result.ok && wantsEventStream(request)) {
        return streamSnapshots(request, reply, {
          event: 'summary',
          initial: result.value,
          intervalMs: 5000,
          maxSeconds: 600,
          ignoreKeys: ['since'],
          read: async () => {
            const next = await summarizeDeliveries(deps, principal, request.query.hours);
            return next.ok ? next.value : undefined;
          },
        });
      }
      return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
    },
  );
  app.get('/api/notifications/deliveries/:deliveryId', { schema: { tags, summary: 'One delivery', params: deliveryParamsSchema, response: { 200: deliveryViewSchema, ...agencyRecord.responses } } }, async (request, reply) => {
    const result = await getDelivery(deps, principalOf(request), request.params.deliveryId);
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
  });
  app.post(
    '/api/notifications/deliveries/:deliveryId/resend',
    { schema: { tags, summary: 'Send a delivery again (a new delivery; webhooks keep their webhook-id)', params: deliveryParamsSchema, response: { 202: deliveryViewSchema, ...resendFailures.responses } } },
    async (request, reply) => {
      const result = await resendDelivery(deps, principalOf(request), request.params.deliveryId);
      return result.ok ? reply.code(202).send(result.value) : sendFailure(reply, resendFailures, result);
    },
  );

  // Templates -----------------------------------------------------------------------------------
  app.get('/api/notifications/templates', { schema: { tags, summary: "Your agency's own templates", response: { 200: z.array(templateViewSchema), ...agencyOnly.responses } } }, async (request, reply) => {
    const result = await listAgencyTemplates(deps, principalOf(request));
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
  });
  app.get(
    '/api/notifications/templates/:event/:channel',
    { schema: { tags, summary: 'The template an event uses on a channel (yours, or the built-in one)', params: templateParamsSchema, response: { 200: templateViewSchema, ...agencyOnly.responses } } },
    async (request, reply) => {
      const result = await getTemplate(deps, principalOf(request), request.params.event, request.params.channel);
      return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
    },
  );
  app.put(
    '/api/notifications/templates/:event/:channel',
    {
      schema: {
        tags,
        summary: 'Set the template of an event on a channel',
        description: '`{{name}}` inserts a variable (HTML-escaped in html), `{{{name}}}` inserts it raw in html. Email needs a subject; SMS takes text only.',
        params: templateParamsSchema,
        body: templateBodySchema,
        response: { 200: templateViewSchema, ...templateWrite.responses },
      },
    },
    async (request, reply) => {
      const result = await saveTemplate(deps, principalOf(request), request.params.event, request.params.channel, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, templateWrite, result);
    },
  );
  app.delete(
    '/api/notifications/templates/:event/:channel',
    { schema: { tags, summary: 'Back to the built-in template', params: templateParamsSchema, response: { 200: z.object({ deleted: z.literal(true) }), ...agencyRecord.responses } } },
    async (request, reply) => {
      const result = await removeTemplate(deps, principalOf(request), request.params.event, request.params.channel);
      return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
    },
  );
  app.post(
    '/api/notifications/templates/preview',
    { schema: { tags, summary: 'Render a template (stored or draft) with sample data, as a send would', body: previewBodySchema, response: { 200: previewViewSchema, ...templateWrite.responses } } },
    async (request, reply) => {
      const result = await previewTemplate(deps, principalOf(request), request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, templateWrite, result);
    },
  );

  // Preferences ---------------------------------------------------------------------------------
  app.get('/api/notifications/preferences/me', { schema: { tags, summary: 'Your own notification preferences', response: { 200: preferenceViewSchema, ...agencyOnly.responses } } }, async (request, reply) => {
    const result = await getMyPreferences(deps, principalOf(request));
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
  });
  app.put(
    '/api/notifications/preferences/me',
    { schema: { tags, summary: 'Set your events, channels and quiet hours (in your time zone)', body: preferenceBodySchema, response: { 200: preferenceViewSchema, ...preferenceWrite.responses } } },
    async (request, reply) => {
      const result = await updateMyPreferences(deps, principalOf(request), request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, preferenceWrite, result);
    },
  );
  app.get(
    '/api/notifications/preferences',
    { schema: { tags, summary: "A recipient's preferences (email:<address>, sms:<number>, user:<id>)", querystring: recipientKeyQuerySchema, response: { 200: preferenceViewSchema, ...preferenceWrite.responses } } },
    async (request, reply) => {
      const result = await getRecipientPreferences(deps, principalOf(request), request.query.recipientKey);
      return result.ok ? reply.send(result.value) : sendFailure(reply, preferenceWrite, result);
    },
  );
  app.put(
    '/api/notifications/preferences',
    { schema: { tags, summary: "Set a recipient's events, channels, quiet hours and time zone", body: recipientPreferenceBodySchema, response: { 200: preferenceViewSchema, ...preferenceWrite.responses } } },
    async (request, reply) => {
      const { recipientKey, ...input } = request.body;
      const result = await updateRecipientPreferences(deps, principalOf(request), recipientKey, input);
      return result.ok ? reply.send(result.value) : sendFailure(reply, preferenceWrite, result);
    },
  );

  // Unsubscribe links (no login) ----------------------------------------------------------------
  app.get(
    '/api/notifications/unsubscribe',
    { config: { isPublic: true }, schema: { tags, summary: 'The page an unsubscribe link opens (confirm with a POST); an invalid link answers the error envelope unless HTML is accepted', security: [], querystring: unsubscribeQuerySchema, response: tokenFailures.responses } },
    async (request, reply) => {
      const isValid = deps.unsubscribeTokens.verify(request.query.token) !== undefined;
      // A client that does not ask for a page (an API call, a link checker) gets the error envelope.
      if (!isValid && !(request.headers.accept ?? '').includes('text/html')) return sendFailure(reply, tokenFailures, fail('invalid_token', 'This unsubscribe link is not valid'));
      // A page for a person, not JSON: the error envelope's serializer must not see it.
      reply.header('content-type', 'text/html; charset=utf-8').serializer((payload: unknown) => String(payload));
      if (!isValid) return reply.code(400).send(unsubscribePage('Link not valid', 'This unsubscribe link is not valid.') as never);
      return reply.send(unsubscribePage('Unsubscribe', 'Stop receiving these messages?', { action: `/api/notifications/unsubscribe?token=${encodeURIComponent(request.query.token)}` }) as never);
    },
  );
  // Webhook endpoints ---------------------------------------------------------------------------
  app.get('/api/notifications/webhook-endpoints', { schema: { tags, summary: "Your agency's webhook endpoints and their health", response: { 200: z.array(endpointViewSchema), ...agencyOnly.responses } } }, async (request, reply) => {
    const result = await listAgencyEndpoints(deps, principalOf(request));
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyOnly, result);
  });
  app.post(
    '/api/notifications/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Add an endpoint; its whsec_ signing secret is shown once',
        description: 'The URL must resolve to a public address (400 url_not_allowed otherwise). Empty eventTypes = every event.',
        body: endpointBodySchema,
        response: { 201: endpointWithSecretSchema, ...endpointWrite.responses },
      },
    },
    async (request, reply) => {
      const result = await createEndpoint(deps, principalOf(request), request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, endpointWrite, result);
    },
  );
  app.get('/api/notifications/webhook-endpoints/:endpointId', { schema: { tags, summary: 'One endpoint', params: endpointParamsSchema, response: { 200: endpointViewSchema, ...agencyRecord.responses } } }, async (request, reply) => {
    const result = await getEndpoint(deps, principalOf(request), request.params.endpointId);
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
  });
  app.patch(
    '/api/notifications/webhook-endpoints/:endpointId',
    { schema: { tags, summary: 'Change URL, event filter, owner, or enable/disable (enabling restarts the failure clock)', params: endpointParamsSchema, body: endpointPatchSchema, response: { 200: endpointViewSchema, ...endpointWrite.responses } } },
    async (request, reply) => {
      const result = await changeEndpoint(deps, principalOf(request), request.params.endpointId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, endpointWrite, result);
    },
  );
  app.delete('/api/notifications/webhook-endpoints/:endpointId', { schema: { tags, summary: 'Delete an endpoint', params: endpointParamsSchema, response: { 200: endpointViewSchema, ...agencyRecord.responses } } }, async (request, reply) => {
    const result = await removeEndpoint(deps, principalOf(request), request.params.endpointId);
    return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
  });
  app.post(
    '/api/notifications/webhook-endpoints/:endpointId/rotate-secret',
    { schema: { tags, summary: 'New signing secret (shown once); the old one also signs during the overlap', params: endpointParamsSchema, body: rotateBodySchema.nullish(), response: { 200: endpointWithSecretSchema, ...agencyRecord.responses } } },
    async (request, reply) => {
      const result = await rotateEndpointSecret(deps, principalOf(request), request.params.endpointId, request.body?.overlapSeconds);
      return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
    },
  );
  app.post(
    '/api/notifications/webhook-endpoints/:endpointId/test',
    { schema: { tags, summary: 'Queue a signed webhook.test delivery to this endpoint', params: endpointParamsSchema, response: { 202: deliveryViewSchema, ...testSendFailures.responses } } },
    async (request, reply) => {
      const result = await sendTestWebhook(deps, principalOf(request), request.params.endpointId);
      return result.ok ? reply.code(202).send(result.value) : sendFailure(reply, testSendFailures, result);
    },
  );

  // Rebilling -----------------------------------------------------------------------------------
  app.get(
    '/api/notifications/statements/:month',
    {
      schema: {
        tags,
        summary: 'Monthly usage statement with markup, exact in integer cents (JSON, or CSV with ?format=csv or Accept: text/csv)',
        params: statementParamsSchema,
        querystring: statementQuerySchema,
        response: { 200: statementSchema, ...agencyOnly.responses },
      },
    },
    async (request, reply) => {
      const result = await getStatement(deps, principalOf(request), request.params.month);
      if (!result.ok) return sendFailure(reply, agencyOnly, result);
      const wantsCsv = request.query.format === 'csv' || (request.headers.accept ?? '').includes('text/csv');
      if (wantsCsv) {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="notifications-${request.params.month}.csv"`)
          .serializer((payload: unknown) => String(payload))
          .send(result.value.csv as never);
      }
      return reply.send(result.value.statement);
    },
  );

  // Sandbox inbox -------------------------------------------------------------------------------
  if (deps.captured) {
    app.get('/api/notifications/sandbox/messages', { schema: { tags, summary: 'Sandbox mode: messages the local provider fakes captured for your agency', response: { 200: z.array(capturedMessageSchema), ...agencyRecord.responses } } }, async (request, reply) => {
      const result = await listCapturedMessages(deps, principalOf(request));
      return result.ok ? reply.send(result.value) : sendFailure(reply, agencyRecord, result);
    });
  }

  // Provider callbacks (public, signed) ---------------------------------------------------------
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    // Resend's signature covers the raw bytes: keep them.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, String(body)));
    const base = deps.settings.publicBaseUrl;
    const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

    // RFC 8058: the one-click POST carries a form body (List-Unsubscribe=One-Click).
    scope.post(
      '/api/notifications/unsubscribe',
      {
        config: { isPublic: true },
        schema: { tags, summary: 'Unsubscribe (RFC 8058 one-click: mailbox providers POST here without a login)', security: [], querystring: unsubscribeQuerySchema, response: { 200: z.object({ unsubscribed: z.literal(true) }), ...tokenFailures.responses } },
      },
      async (request, reply) => {
        const result = await unsubscribeByToken(deps, (request.query as { token: string }).token);
        return result.ok ? reply.send({ unsubscribed: true as const }) : sendFailure(reply, tokenFailures, result);
      },
    );
    scope.post(
      '/api/notifications/providers/twilio/status',
      { config: { isPublic: true }, schema: { tags, summary: "Twilio's message status callback (X-Twilio-Signature checked)", security: [], body: formBody, response: { 204: z.null(), ...twilioStatusFailures.responses } } },
      async (request, reply) => {
        const deliveryId = (request.query as Record<string, string | undefined>)['deliveryId'];
        const result = await applyTwilioStatus(deps, { url: `${base}${request.url}`, deliveryId, signature: header(request.headers['x-twilio-signature']), params: request.body as Record<string, string> });
        return result.ok ? reply.code(204).send(null) : sendFailure(reply, twilioStatusFailures, result);
      },
    );
    scope.post(
      '/api/notifications/providers/twilio/inbound',
      { config: { isPublic: true }, schema: { tags, summary: "Twilio's incoming-message webhook: STOP opts the number out, START back in", security: [], body: formBody, response: { ...twilioInboundFailures.responses } } },
      async (request, reply) => {
        const result = await applyTwilioInbound(deps, { url: `${base}${request.url}`, signature: header(request.headers['x-twilio-signature']), params: request.body as Record<string, string> });
        if (!result.ok) return sendFailure(reply, twilioInboundFailures, result);
        return reply.header('content-type', 'text/xml; charset=utf-8').serializer((payload: unknown) => String(payload)).send(EMPTY_TWIML);
      },
    );
    scope.post(
      '/api/notifications/providers/resend/events',
      { config: { isPublic: true }, schema: { tags, summary: "Resend's delivery events (svix-signature checked)", security: [], response: { 200: z.object({ received: z.literal(true) }), ...resendEventFailures.responses } } },
      async (request, reply) => {
        const result = await applyResendEvent(deps, {
          rawBody: typeof request.body === 'string' ? request.body : '',
          id: header(request.headers['svix-id'] ?? request.headers['webhook-id']),
          timestamp: header(request.headers['svix-timestamp'] ?? request.headers['webhook-timestamp']),
          signature: header(request.headers['svix-signature'] ?? request.headers['webhook-signature']),
        });
        return result.ok ? reply.send({ received: true as const }) : sendFailure(reply, resendEventFailures, result);
      },
    );
  });
}
