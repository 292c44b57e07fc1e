import { z } from 'zod';
import { isoDateTimeSchema } from '../../platform/http/index.js';

/*
 * Request shapes of the CRM write API. Writes land in Postgres at once and reach GHL through the
 * outbox; the answer is the record as stored, with `sync.state = pending` until GHL confirms.
 * References (contactId, pipelineId, stageId, calendarId) accept our id or GHL's.
 */

const idSchema = z.string().min(1).max(100);
const shortText = z.string().trim().max(200);
const isoDateTime = isoDateTimeSchema;

export const customFieldInputSchema = z
  .object({
    id: idSchema.optional().describe('GHL custom field id'),
    key: z.string().min(1).max(100).optional().describe('Field key, with or without the model prefix: project_title or opportunity.project_title'),
    value: z.union([z.string().max(10_000), z.number(), z.boolean(), z.array(z.string().max(1000)).max(100), z.null()]),
  })
  // No component id: a refined schema used in several request bodies collides with itself in OpenAPI.
  .refine((field) => field.id !== undefined || field.key !== undefined, { message: 'id or key is required' });

const contactFields = {
  firstName: shortText.nullable().optional(),
  lastName: shortText.nullable().optional(),
  email: z.email().max(254).nullable().optional(),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9 ()./-]{3,40}$/, 'a phone number')
    .nullable()
    .optional(),
  companyName: shortText.nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  source: shortText.nullable().optional(),
  assignedTo: idSchema.nullable().optional().describe('GHL user id'),
  isDnd: z.boolean().optional(),
  customFields: z.array(customFieldInputSchema).max(100).optional().describe('Sets these fields; others keep their values'),
};

export const createContactBodySchema = z.object(contactFields).strict().meta({ id: 'CreateContact' });
export const updateContactBodySchema = z.object(contactFields).strict().meta({ id: 'UpdateContact' });

export const OPPORTUNITY_STATUSES = ['open', 'won', 'lost', 'abandoned'] as const;
/** What GHL accepts when booking or updating (ghl-api.md §7.5); `active`/`completed` only appear in answers. */
export const APPOINTMENT_STATUSES = ['new', 'confirmed', 'cancelled', 'showed', 'noshow', 'invalid'] as const;

const amountCents = z.number().int().min(0).max(1_000_000_000_000).describe('Integer cents');

export const createProjectBodySchema = z
  .object({
    name: z.string().trim().min(1).max(500),
    contactId: idSchema,
    pipelineId: idSchema,
    stageId: idSchema.optional().describe('Default: the pipeline’s first stage'),
    status: z.enum(OPPORTUNITY_STATUSES).default('open'),
    amountCents: amountCents.optional(),
    assignedTo: idSchema.nullable().optional(),
    source: shortText.nullable().optional(),
    customFields: z.array(customFieldInputSchema).max(100).optional(),
  })
  .strict()
  .meta({ id: 'CreateProject' });

export const updateProjectBodySchema = z
  .object({
    name: z.string().trim().min(1).max(500).optional(),
    pipelineId: idSchema.optional(),
    stageId: idSchema.optional(),
    status: z.enum(OPPORTUNITY_STATUSES).optional(),
    amountCents: amountCents.nullable().optional(),
    assignedTo: idSchema.nullable().optional(),
    customFields: z.array(customFieldInputSchema).max(100).optional(),
  })
  .strict()
  .meta({ id: 'UpdateProject' });

export const createAppointmentBodySchema = z
  .object({
    calendarId: idSchema,
    contactId: idSchema,
    startTime: isoDateTime,
    endTime: isoDateTime.optional().describe('Default: GHL applies the calendar’s slot duration'),
    title: shortText.nullable().optional(),
    status: z.enum(APPOINTMENT_STATUSES).default('confirmed'),
    assignedUserId: idSchema.nullable().optional(),
    address: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateAppointment' });

export const updateAppointmentBodySchema = z
  .object({
    calendarId: idSchema.optional(),
    startTime: isoDateTime.optional(),
    endTime: isoDateTime.optional(),
    title: shortText.nullable().optional(),
    status: z.enum(APPOINTMENT_STATUSES).optional(),
    assignedUserId: idSchema.nullable().optional(),
    address: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .meta({ id: 'UpdateAppointment' });

export const noteBodySchema = z.object({ body: z.string().trim().min(1).max(5000) }).strict().meta({ id: 'NoteInput' });

export const createTaskBodySchema = z
  .object({
    title: z.string().trim().min(1).max(500),
    body: z.string().trim().max(5000).nullable().optional(),
    dueAt: isoDateTime,
    assignedTo: idSchema.nullable().optional().describe('GHL user id'),
  })
  .strict()
  .meta({ id: 'CreateTask' });

export const updateTaskBodySchema = z
  .object({
    title: z.string().trim().min(1).max(500).optional(),
    body: z.string().trim().max(5000).nullable().optional(),
    dueAt: isoDateTime.optional(),
    assignedTo: idSchema.nullable().optional(),
    completed: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UpdateTask' });

export const noteParamsSchema = z.object({ locationId: idSchema, contactId: idSchema, noteId: idSchema });
export const taskParamsSchema = z.object({ locationId: idSchema, contactId: idSchema, taskId: idSchema });

export const sendMessageBodySchema = z
  .object({
    channel: z.enum(['SMS', 'Email']),
    message: z.string().min(1).max(10_000).optional().describe('SMS text, or the plain-text email body'),
    subject: z.string().trim().min(1).max(500).optional(),
    html: z.string().min(1).max(200_000).optional(),
  })
  .strict()
  .meta({ id: 'SendMessage' });

export const messageSendViewSchema = z
  .object({
    id: z.string(),
    contactId: z.string(),
    channel: z.enum(['SMS', 'Email']),
    status: z.enum(['queued', 'sending', 'sent', 'failed']).describe('sending: handed to GHL, answer not recorded yet'),
    ghlMessageId: z.string().nullable(),
    ghlConversationId: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'MessageSend' });

export const messageSendParamsSchema = z.object({ locationId: idSchema, sendId: idSchema });

export type CustomFieldInput = z.infer<typeof customFieldInputSchema>;
export type CreateContactInput = z.infer<typeof createContactBodySchema>;
export type UpdateContactInput = z.infer<typeof updateContactBodySchema>;
export type CreateProjectInput = z.infer<typeof createProjectBodySchema>;
export type UpdateProjectInput = z.infer<typeof updateProjectBodySchema>;
export type CreateAppointmentInput = z.infer<typeof createAppointmentBodySchema>;
export type UpdateAppointmentInput = z.infer<typeof updateAppointmentBodySchema>;
export type SendMessageInput = z.infer<typeof sendMessageBodySchema>;
export type NoteInput = z.infer<typeof noteBodySchema>;
export type CreateTaskInput = z.infer<typeof createTaskBodySchema>;
export type UpdateTaskInput = z.infer<typeof updateTaskBodySchema>;
export type MessageSendView = z.infer<typeof messageSendViewSchema>;
