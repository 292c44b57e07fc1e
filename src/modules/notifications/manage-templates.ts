import type { z } from 'zod';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withAgency, type AccessError } from './agency-access.js';
import { findBuiltInTemplate, type TemplateContent } from './default-templates.js';
import { deleteTemplate, findTemplate, listTemplates, upsertTemplate, type TemplateRow } from './notifications.repo.js';
import type { previewBodySchema, previewViewSchema, templateBodySchema, templateViewSchema } from './notifications.schemas.js';
import type { NotificationsDeps } from './notifications.types.js';
import { listTemplateVariables, renderTemplate } from './render-template.js';
import { countSmsSegments } from './sms-segments.js';

type TemplateView = z.infer<typeof templateViewSchema>;
type TemplateDeps = Pick<NotificationsDeps, 'database' | 'clock' | 'generateId'>;

function viewOf(event: string, channel: 'email' | 'sms', content: TemplateContent, row: TemplateRow | undefined): TemplateView {
  const variables = new Set([...listTemplateVariables(content.subject ?? ''), ...listTemplateVariables(content.text), ...listTemplateVariables(content.html ?? '')]);
  return { event, channel, subject: content.subject, text: content.text, html: content.html, variables: [...variables], isBuiltIn: row === undefined, updatedAt: row ? row.updatedAt.toISOString() : null };
}

export async function listAgencyTemplates(deps: TemplateDeps, principal: Principal): Promise<Result<TemplateView[], AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) =>
    succeed((await listTemplates(tx, companyId)).map((row) => viewOf(row.event, row.channel as 'email' | 'sms', { subject: row.subject, text: row.text, html: row.html }, row))),
  );
}

/** The agency's template, or the built-in one it would fall back to. */
export async function getTemplate(deps: TemplateDeps, principal: Principal, event: string, channel: 'email' | 'sms'): Promise<Result<TemplateView, AccessError>> {
  return withAgency(deps, principal, async (tx, companyId) => {
    const row = await findTemplate(tx, companyId, event, channel);
    return succeed(viewOf(event, channel, row ? { subject: row.subject, text: row.text, html: row.html } : findBuiltInTemplate(event, channel), row));
  });
}

type TemplateError = AccessError | 'invalid_template';

export async function saveTemplate(deps: TemplateDeps, principal: Principal, event: string, channel: 'email' | 'sms', input: z.infer<typeof templateBodySchema>): Promise<Result<TemplateView, TemplateError>> {
  if (channel === 'email' && !input.subject) return fail('invalid_template', 'An email template needs a subject');
  if (channel === 'sms' && (input.subject || input.html)) return fail('invalid_template', 'An SMS template has text only');
  return withAgency(deps, principal, async (tx, companyId) => {
    const now = deps.clock.now();
    const row = await upsertTemplate(tx, { id: deps.generateId('tpl'), companyId, event, channel, subject: input.subject ?? null, text: input.text, html: input.html ?? null, createdAt: now, updatedAt: now });
    return succeed(viewOf(event, channel, { subject: row.subject, text: row.text, html: row.html }, row));
  });
}

export async function removeTemplate(deps: TemplateDeps, principal: Principal, event: string, channel: 'email' | 'sms'): Promise<Result<{ deleted: true }, AccessError | 'not_found'>> {
  return withAgency(deps, principal, async (tx, companyId): Promise<Result<{ deleted: true }, 'not_found'>> =>
    (await deleteTemplate(tx, companyId, event, channel)) ? succeed({ deleted: true }) : fail('not_found', 'This agency has no own template for that event and channel'),
  );
}

/** Renders the stored (or a draft) template with sample data, exactly as a send would. */
export async function previewTemplate(deps: TemplateDeps, principal: Principal, input: z.infer<typeof previewBodySchema>): Promise<Result<z.infer<typeof previewViewSchema>, TemplateError>> {
  return withAgency(deps, principal, async (tx, companyId) => {
    let content: TemplateContent;
    if (input.template) content = { subject: input.template.subject ?? null, text: input.template.text, html: input.template.html ?? null };
    else {
      const row = await findTemplate(tx, companyId, input.event, input.channel);
      content = row ? { subject: row.subject, text: row.text, html: row.html } : findBuiltInTemplate(input.event, input.channel);
    }
    const data = { event: input.event, recipientName: '', unsubscribeUrl: 'https://example.invalid/unsubscribe', ...input.data };
    const subject = input.channel === 'email' ? renderTemplate(content.subject ?? '{{event}}', data, 'text') : undefined;
    const text = renderTemplate(content.text, data, 'text');
    const html = content.html ? renderTemplate(content.html, data, 'html') : undefined;
    const missing = new Set([...(subject?.missingVariables ?? []), ...text.missingVariables, ...(html?.missingVariables ?? [])]);
    return succeed({
      subject: subject ? subject.text.replace(/[\r\n]+/g, ' ').trim() : null,
      text: text.text,
      html: html?.text ?? null,
      missingVariables: [...missing],
      sms: input.channel === 'sms' ? countSmsSegments(text.text.trim()) : null,
    });
  });
}
