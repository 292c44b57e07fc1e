/*
 * Column values of a record (CRM tables) → GHL request bodies (ghl-api.md §7.3–7.5). Only GHL's
 * own ids travel: records store GHL ids for pipelines, stages, calendars, users and custom fields;
 * the contact's GHL id is resolved by the caller. Cleared text goes as '' (GHL rejects null strings).
 */

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function customFieldsBody(value: unknown): { id: string; field_value: unknown }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((field: unknown) => {
    if (typeof field !== 'object' || field === null) return [];
    const { id, value: fieldValue } = field as { id?: unknown; value?: unknown };
    return typeof id === 'string' ? [{ id, field_value: fieldValue ?? '' }] : [];
  });
}

function isoOf(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Integer cents → GHL's decimal amount; exact for any safe integer (one division by 100 of an integer). */
function amountOf(cents: unknown): number | undefined {
  return typeof cents === 'number' && Number.isSafeInteger(cents) ? cents / 100 : undefined;
}

/** Writes one column's value into a GHL request body; `values` is the whole row. */
export type ColumnWriter = (body: Record<string, unknown>, value: unknown, values: Record<string, unknown>) => void;

export const CONTACT_WRITERS: Record<string, ColumnWriter> = {
  first_name: (body, value) => void (body['firstName'] = text(value)),
  last_name: (body, value) => void (body['lastName'] = text(value)),
  email: (body, value) => void (body['email'] = text(value)),
  phone: (body, value) => void (body['phone'] = text(value)),
  company_name: (body, value) => void (body['companyName'] = text(value)),
  tags: (body, value) => void (body['tags'] = Array.isArray(value) ? value : []),
  source: (body, value) => void (body['source'] = text(value)),
  assigned_to: (body, value) => void (body['assignedTo'] = text(value)),
  is_dnd: (body, value) => void (body['dnd'] = value === true),
  custom_fields: (body, value) => void (body['customFields'] = customFieldsBody(value)),
};

export const OPPORTUNITY_WRITERS: Record<string, ColumnWriter> = {
  name: (body, value) => void (body['name'] = text(value)),
  pipeline_id: (body, value) => void (body['pipelineId'] = text(value)),
  pipeline_stage_id: (body, value) => void (body['pipelineStageId'] = text(value)),
  status: (body, value) => void (body['status'] = text(value) || 'open'),
  monetary_value_cents: (body, value) => void (body['monetaryValue'] = amountOf(value) ?? 0),
  assigned_to: (body, value) => void (body['assignedTo'] = text(value)),
  custom_fields: (body, value) => void (body['customFields'] = customFieldsBody(value)),
};

export const APPOINTMENT_WRITERS: Record<string, ColumnWriter> = {
  calendar_id: (body, value) => void (body['calendarId'] = text(value)),
  title: (body, value) => void (body['title'] = text(value)),
  status: (body, value) => void (body['appointmentStatus'] = text(value) || 'confirmed'),
  assigned_user_id: (body, value) => void (body['assignedUserId'] = text(value)),
  address: (body, value) => void (body['address'] = text(value)),
  // A moved start sends the end too, so GHL keeps the duration we computed.
  start_time: (body, value, values) => {
    const start = isoOf(value);
    if (start) body['startTime'] = start;
    const end = isoOf(values['end_time']);
    if (end) body['endTime'] = end;
  },
  end_time: (body, value, values) => {
    const end = isoOf(value);
    if (end) body['endTime'] = end;
    const start = isoOf(values['start_time']);
    if (start) body['startTime'] = start;
  },
};

export const NOTE_WRITERS: Record<string, ColumnWriter> = {
  body: (body, value) => void (body['body'] = text(value)),
};

export const TASK_WRITERS: Record<string, ColumnWriter> = {
  title: (body, value) => void (body['title'] = text(value)),
  body: (body, value) => void (body['body'] = text(value)),
  due_at: (body, value) => {
    const due = isoOf(value);
    if (due) body['dueDate'] = due;
  },
  completed_at: (body, value) => void (body['completed'] = value !== null && value !== undefined),
  assigned_to: (body, value) => void (body['assignedTo'] = text(value)),
};
