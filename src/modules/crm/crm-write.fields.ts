/** API field names of the columns the CRM API writes, per entity (for pendingFields and edits). */
export const CONTACT_FIELDS = {
  firstName: 'first_name',
  lastName: 'last_name',
  fullName: 'full_name',
  email: 'email',
  phone: 'phone',
  companyName: 'company_name',
  tags: 'tags',
  isDnd: 'is_dnd',
  source: 'source',
  assignedTo: 'assigned_to',
  customFields: 'custom_fields',
} as const;

export const PROJECT_FIELDS = {
  name: 'name',
  pipelineId: 'pipeline_id',
  stageId: 'pipeline_stage_id',
  status: 'status',
  amountCents: 'monetary_value_cents',
  contactGhlId: 'contact_ghl_id',
  assignedTo: 'assigned_to',
  source: 'source',
  customFields: 'custom_fields',
} as const;

export const APPOINTMENT_FIELDS = {
  calendarId: 'calendar_id',
  contactGhlId: 'contact_ghl_id',
  title: 'title',
  status: 'status',
  assignedUserId: 'assigned_user_id',
  address: 'address',
  notes: 'notes',
  startTime: 'start_time',
  endTime: 'end_time',
} as const;

export const NOTE_FIELDS = { body: 'body' } as const;

export const TASK_FIELDS = { title: 'title', body: 'body', dueAt: 'due_at', completedAt: 'completed_at', assignedTo: 'assigned_to' } as const;

/** Column → API name, for showing which fields are pending. */
export function apiNamesOf(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([api, column]) => [column, api]));
}
