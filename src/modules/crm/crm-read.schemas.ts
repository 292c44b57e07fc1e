import { z } from 'zod';
import { isoDateTimeSchema } from '../../platform/http/index.js';

/*
 * Request and response shapes of the CRM read API (frontends). Ids: `id` is ours, `ghlId` is GHL's;
 * every `:…Id` path parameter accepts either. Filters that name another GHL object (pipelineId,
 * stageId, calendarId) take GHL ids, as the pipelines and calendars endpoints list them in `ghlId`.
 */

// Query strings carry text: z.coerce.boolean() would read "false" as true.
const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
const isoDateTime = isoDateTimeSchema;
const idSchema = z.string().min(1).max(100);

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  includeDeleted: booleanQuery.default(false).describe('true: also rows deleted in GHL (they carry deletedAt)'),
};

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
}

export const locationParamsSchema = z.object({ locationId: idSchema });
export const contactParamsSchema = z.object({ locationId: idSchema, contactId: idSchema });
export const projectParamsSchema = z.object({ locationId: idSchema, projectId: idSchema });
export const appointmentParamsSchema = z.object({ locationId: idSchema, appointmentId: idSchema });
export const calendarParamsSchema = z.object({ locationId: idSchema, calendarId: idSchema });
export const conversationParamsSchema = z.object({ locationId: idSchema, conversationId: idSchema });
export const invoiceParamsSchema = z.object({ locationId: idSchema, invoiceId: idSchema });

export const includeDeletedQuerySchema = z.object({ includeDeleted: pageQuery.includeDeleted });

export const listContactsQuerySchema = z.object({
  ...pageQuery,
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .describe(
      'Case-insensitive. Three characters or more: a substring of the name, email or phone (a phone typed with spaces, dashes or brackets also matches by its digits). One or two characters: the start of a word of the name, or of the email.',
    ),
  tag: z.string().min(1).max(200).optional(),
  sort: z.enum(['dateAdded', 'updatedAt']).default('dateAdded'),
  order: z.enum(['asc', 'desc']).default('desc'),
  after: z
    .string()
    .min(1)
    .max(400)
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional()
    .describe('The `nextCursor` of the previous page (same sort, order and filters; no `offset`): the next page costs what the first does, however deep'),
});

export const listProjectsQuerySchema = z.object({
  ...pageQuery,
  pipelineId: idSchema.optional().describe('GHL pipeline id'),
  stageId: idSchema.optional().describe('GHL stage id'),
  status: z.enum(['open', 'won', 'lost', 'abandoned']).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Matches the opportunity name'),
  contactId: idSchema.optional().describe('Only this contact’s projects (our id or GHL id)'),
});

export const listAppointmentsQuerySchema = z.object({
  ...pageQuery,
  from: isoDateTime.optional().describe('Appointments starting at or after this instant'),
  to: isoDateTime.optional().describe('Appointments starting before this instant'),
  calendarId: idSchema.optional().describe('GHL calendar id'),
  status: z.string().min(1).max(50).optional().describe('GHL appointmentStatus: confirmed, cancelled, showed, noshow, new …'),
  contactId: idSchema.optional().describe('Only this contact’s appointments (our id or GHL id)'),
  q: z.string().trim().min(1).max(200).optional().describe('Matches the title'),
});

export const freeSlotsQuerySchema = z.object({
  from: isoDateTime,
  to: isoDateTime,
  timezone: z.string().min(1).max(64).optional().describe('IANA time zone for the slots; GHL defaults to the location’s'),
});

export const listConversationsQuerySchema = z.object({
  ...pageQuery,
  unread: booleanQuery.optional().describe('true: only conversations with unread messages; false: only read ones'),
  contactId: idSchema.optional().describe('Only this contact’s conversations (our id or GHL id)'),
  q: z.string().trim().min(1).max(200).optional().describe('Matches the contact’s name, email or phone, or the last message'),
});

export const listMessagesQuerySchema = z.object(pageQuery);

export const listInvoicesQuerySchema = z.object({
  ...pageQuery,
  status: z.enum(['draft', 'sent', 'payment_processing', 'paid', 'void', 'partially_paid']).optional(),
  contactId: idSchema.optional().describe('Only this contact’s invoices (our id or GHL id)'),
  q: z.string().trim().min(1).max(200).optional().describe('Matches number, name, title, contact name or email'),
});

export const paginationQuerySchema = z.object(pageQuery);

/** Write-through state of a record that can be edited here (contacts, projects, appointments). */
export const syncStateSchema = z
  .object({
    state: z.enum(['synced', 'pending', 'failed']).describe('pending: local edits GHL has not confirmed yet; failed: GHL refused the last push'),
    pendingFields: z.array(z.string()).describe('Fields edited here and not yet confirmed by GHL (`deleted` for a local delete)'),
    error: z.string().nullable(),
    lastPushedAt: z.string().nullable(),
  })
  .meta({ id: 'SyncState' });

const timestamps = {
  sourceUpdatedAt: z.string().nullable().describe('GHL’s own change time of the version we hold'),
  deletedAt: z.string().nullable(),
};

export const contactViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string().nullable().describe('Null until the record created here reached GHL'),
    firstName: z.string().nullable(),
    lastName: z.string().nullable(),
    fullName: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    companyName: z.string().nullable(),
    tags: z.array(z.string()),
    isDnd: z.boolean(),
    source: z.string().nullable(),
    assignedTo: z.string().nullable(),
    dateAdded: z.string().nullable(),
    ...timestamps,
    sync: syncStateSchema,
  })
  .meta({ id: 'Contact' });

export const contactPageSchema = pageOf(contactViewSchema).extend({
  nextCursor: z.string().nullable().describe('Pass as `after` for the next page; null when this page is not full (the list ends here)'),
});

export const noteViewSchema = z
  .object({ id: z.string(), ghlId: z.string().nullable(), body: z.string().nullable(), dateAdded: z.string().nullable(), ...timestamps, sync: syncStateSchema })
  .meta({ id: 'ContactNote' });

export const taskViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string().nullable(),
    title: z.string().nullable(),
    body: z.string().nullable(),
    assignedTo: z.string().nullable(),
    dueAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    isCompleted: z.boolean(),
    dateAdded: z.string().nullable(),
    ...timestamps,
    sync: syncStateSchema,
  })
  .meta({ id: 'ContactTask' });

export const contactDetailSchema = contactViewSchema
  .extend({
    customFields: z.array(z.object({ id: z.string().nullable().describe('GHL custom field id (null until pushed when set by key)'), key: z.string().nullable(), value: z.unknown() })),
    notes: z.array(noteViewSchema),
    tasks: z.array(taskViewSchema),
  })
  .meta({ id: 'ContactDetail' });

export const stageViewSchema = z.object({ id: z.string(), ghlId: z.string(), name: z.string().nullable(), position: z.number().int().nullable() }).meta({ id: 'PipelineStage' });
export const pipelineViewSchema = z
  .object({ id: z.string(), ghlId: z.string(), name: z.string().nullable(), stages: z.array(stageViewSchema), sourceUpdatedAt: z.string().nullable() })
  .meta({ id: 'Pipeline' });
export const pipelineListSchema = z.object({ items: z.array(pipelineViewSchema) });

export const projectViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string().nullable().describe('Null until the record created here reached GHL'),
    name: z.string().nullable(),
    pipelineId: z.string().nullable().describe('GHL pipeline id'),
    stageId: z.string().nullable().describe('GHL stage id'),
    status: z.string().nullable(),
    amountCents: z.number().int().nullable(),
    currency: z.string().nullable().describe('Null when GHL did not send one (opportunities rarely carry it)'),
    contactGhlId: z.string().nullable(),
    assignedTo: z.string().nullable(),
    source: z.string().nullable(),
    customFields: z.array(z.object({ id: z.string().nullable().describe('GHL custom field id (null until pushed when set by key)'), key: z.string().nullable(), value: z.unknown() })),
    dateAdded: z.string().nullable(),
    ...timestamps,
    sync: syncStateSchema,
  })
  .meta({ id: 'Project' });

export const appointmentViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string().nullable().describe('Null until the record created here reached GHL'),
    calendarId: z.string().nullable().describe('GHL calendar id'),
    contactGhlId: z.string().nullable(),
    title: z.string().nullable(),
    status: z.string().nullable(),
    assignedUserId: z.string().nullable(),
    address: z.string().nullable(),
    notes: z.string().nullable(),
    source: z.string().nullable(),
    startTime: z.string().nullable(),
    endTime: z.string().nullable(),
    dateAdded: z.string().nullable(),
    ...timestamps,
    sync: syncStateSchema,
  })
  .meta({ id: 'Appointment' });

export const calendarViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string(),
    name: z.string().nullable(),
    calendarType: z.string().nullable(),
    isActive: z.boolean().nullable(),
    groupId: z.string().nullable(),
    sourceUpdatedAt: z.string().nullable(),
  })
  .meta({ id: 'Calendar' });
export const calendarListSchema = z.object({ items: z.array(calendarViewSchema) });

export const customFieldViewSchema = z
  .object({
    ghlId: z.string(),
    key: z.string().nullable().describe('GHL fieldKey, e.g. opportunity.project_title; writes accept it with or without the model prefix'),
    name: z.string().nullable(),
    dataType: z.string().nullable(),
    model: z.string().nullable().describe('contact | opportunity'),
  })
  .meta({ id: 'CustomField' });
export const customFieldListSchema = z.object({ items: z.array(customFieldViewSchema) });
export const customFieldsQuerySchema = z.object({ model: z.enum(['contact', 'opportunity']).optional() });

export const freeSlotsSchema = z
  .object({
    calendarId: z.string(),
    ghlCalendarId: z.string(),
    days: z.array(z.object({ date: z.string().describe('YYYY-MM-DD'), slots: z.array(z.string().describe('ISO start time with offset')) })),
  })
  .meta({ id: 'FreeSlots' });

export const conversationViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string(),
    contactGhlId: z.string().nullable(),
    lastMessageBody: z.string().nullable(),
    lastMessageType: z.string().nullable(),
    lastMessageDirection: z.string().nullable(),
    lastMessageAt: z.string().nullable(),
    unreadCount: z.number().int().nullable(),
    isStarred: z.boolean().nullable(),
    ...timestamps,
  })
  .meta({ id: 'Conversation' });

export const messageViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string(),
    conversationId: z.string(),
    direction: z.string().nullable(),
    messageType: z.string().nullable(),
    body: z.string().nullable(),
    contentType: z.string().nullable(),
    status: z.string().nullable(),
    subject: z.string().nullable(),
    attachments: z.array(z.unknown()),
    callDurationSeconds: z.number().int().nullable(),
    callStatus: z.string().nullable(),
    userGhlId: z.string().nullable(),
    dateAdded: z.string().nullable(),
    ...timestamps,
  })
  .meta({ id: 'Message' });

export const invoiceViewSchema = z
  .object({
    id: z.string(),
    ghlId: z.string(),
    invoiceNumber: z.string().nullable(),
    name: z.string().nullable(),
    title: z.string().nullable(),
    status: z.string().nullable(),
    currency: z.string().nullable(),
    totalCents: z.number().int().nullable(),
    subtotalCents: z.number().int().nullable(),
    discountCents: z.number().int().nullable(),
    amountPaidCents: z.number().int().nullable(),
    amountDueCents: z.number().int().nullable(),
    contactGhlId: z.string().nullable(),
    contactName: z.string().nullable(),
    contactEmail: z.string().nullable(),
    issueDate: z.string().nullable(),
    dueDate: z.string().nullable(),
    isLiveMode: z.boolean().nullable(),
    createdAt: z.string().nullable().describe('When GHL created the invoice'),
    ...timestamps,
  })
  .meta({ id: 'Invoice' });

export type ContactView = z.infer<typeof contactViewSchema>;
export type ContactDetail = z.infer<typeof contactDetailSchema>;
export type NoteView = z.infer<typeof noteViewSchema>;
export type TaskView = z.infer<typeof taskViewSchema>;
export type PipelineView = z.infer<typeof pipelineViewSchema>;
export type ProjectView = z.infer<typeof projectViewSchema>;
export type AppointmentView = z.infer<typeof appointmentViewSchema>;
export type CalendarView = z.infer<typeof calendarViewSchema>;
export type CustomFieldView = z.infer<typeof customFieldViewSchema>;
export type FreeSlotsView = z.infer<typeof freeSlotsSchema>;
export type ConversationView = z.infer<typeof conversationViewSchema>;
export type MessageView = z.infer<typeof messageViewSchema>;
export type InvoiceView = z.infer<typeof invoiceViewSchema>;
export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
export type ContactPage = Page<ContactView> & { nextCursor: string | null };
