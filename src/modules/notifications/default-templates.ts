/**
 * Built-in templates, used when an agency has none of its own for an event and channel. Events
 * without a built-in use the generic one, which shows `subject` and `message` from the data.
 */
export interface TemplateContent {
  subject: string | null;
  text: string;
  html: string | null;
}

export const ENDPOINT_DISABLED_EVENT = 'notifications.endpoint-disabled';
export const WEBHOOK_TEST_EVENT = 'webhook.test';

const GENERIC: Record<'email' | 'sms', TemplateContent> = {
  email: { subject: '{{subject}}', text: '{{message}}', html: '<p>{{message}}</p>' },
  sms: { subject: null, text: '{{message}}', html: null },
};

const BUILT_IN: Record<string, Partial<Record<'email' | 'sms', TemplateContent>>> = {
  [ENDPOINT_DISABLED_EVENT]: {
    email: {
      subject: 'Webhook endpoint disabled: {{url}}',
      text: 'Your webhook endpoint {{url}} failed every delivery since {{failingSince}} and has been disabled.\nLast error: {{lastError}}\nRe-enable it in Switchboard once it answers again.',
      html: '<p>Your webhook endpoint <code>{{url}}</code> failed every delivery since {{failingSince}} and has been disabled.</p><p>Last error: {{lastError}}</p><p>Re-enable it in Switchboard once it answers again.</p>',
    },
  },
};

export function findBuiltInTemplate(event: string, channel: 'email' | 'sms'): TemplateContent {
  return BUILT_IN[event]?.[channel] ?? GENERIC[channel];
}
