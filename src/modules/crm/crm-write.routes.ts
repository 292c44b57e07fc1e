import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { errorResponses, principalOf, sendError, type HttpServer } from '../../platform/http/index.js';
import type { Failure } from '../../platform/result/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { appointmentParamsSchema, appointmentViewSchema, contactParamsSchema, contactViewSchema, locationParamsSchema, noteViewSchema, pageOf, projectParamsSchema, projectViewSchema, taskViewSchema } from './crm-read.schemas.js';
import {
  createAppointmentBodySchema,
  createContactBodySchema,
  createProjectBodySchema,
  createTaskBodySchema,
  noteBodySchema,
  noteParamsSchema,
  taskParamsSchema,
  updateTaskBodySchema,
  messageSendParamsSchema,
  messageSendViewSchema,
  sendMessageBodySchema,
  updateAppointmentBodySchema,
  updateContactBodySchema,
  updateProjectBodySchema,
} from './crm-write.schemas.js';
import { getMessageSend, listMessageSends, sendMessage } from './send-message.js';
import { createAppointment, deleteAppointment, updateAppointment } from './write-appointments.js';
import { createContact, deleteContact, updateContact } from './write-contacts.js';
import { createProject, deleteProject, updateProject } from './write-projects.js';
import { createNote, createTask, deleteNote, deleteTask, updateNote, updateTask } from './write-notes-and-tasks.js';

type WriteFailureCode =
  | 'not_found'
  | 'not_linked'
  | 'contact_dnd'
  | 'unknown_custom_field'
  | 'unknown_contact'
  | 'unknown_pipeline'
  | 'unknown_stage'
  | 'unknown_calendar'
  | 'invalid_window'
  | 'invalid_message'
  | 'contact_identity_required';

/** One mapping for every write: what the caller must fix is 400, a state conflict 409. */
function sendWriteFailure(reply: FastifyReply, failure: Failure<WriteFailureCode>) {
  switch (failure.code) {
    case 'not_found':
      return sendError(reply, 404, failure.code, failure.message);
    case 'not_linked':
    case 'contact_dnd':
      return sendError(reply, 409, failure.code, failure.message);
    case 'unknown_custom_field':
    case 'unknown_contact':
    case 'unknown_pipeline':
    case 'unknown_stage':
    case 'unknown_calendar':
    case 'invalid_window':
    case 'invalid_message':
    case 'contact_identity_required':
      return sendError(reply, 400, failure.code, failure.message);
  }
}

const tags = ['crm'];
const writeNote = 'Stored at once and pushed to GHL by the outbox; `sync.state` is pending until GHL confirms.';

/** Write side of the CRM API: Postgres first, GHL through the outbox (write-through.ts). */
export function registerCrmWriteRoutes(app: HttpServer, deps: CrmWriteDeps): void {
  app.post(
    '/api/locations/:locationId/contacts',
    { schema: { tags, summary: 'Create a contact', description: writeNote, params: locationParamsSchema, body: createContactBodySchema, response: { 201: contactViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await createContact(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId',
    { schema: { tags, summary: 'Change a contact (given fields only; null clears)', description: writeNote, params: contactParamsSchema, body: updateContactBodySchema, response: { 200: contactViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await updateContact(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId',
    { schema: { tags, summary: 'Delete a contact (here at once, in GHL by the outbox)', params: contactParamsSchema, response: { 200: contactViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await deleteContact(deps, principalOf(request), request.params.locationId, request.params.contactId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );

  app.post(
    '/api/locations/:locationId/projects',
    { schema: { tags, summary: 'Create a project (GHL opportunity)', description: writeNote, params: locationParamsSchema, body: createProjectBodySchema, response: { 201: projectViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await createProject(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/projects/:projectId',
    {
      schema: {
        tags,
        summary: 'Change a project: name, pipeline/stage, status (open, won, lost, abandoned), amount, owner, custom fields',
        description: writeNote,
        params: projectParamsSchema,
        body: updateProjectBodySchema,
        response: { 200: projectViewSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = await updateProject(deps, principalOf(request), request.params.locationId, request.params.projectId, request.body);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/projects/:projectId',
    { schema: { tags, summary: 'Delete a project', params: projectParamsSchema, response: { 200: projectViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await deleteProject(deps, principalOf(request), request.params.locationId, request.params.projectId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );

  app.post(
    '/api/locations/:locationId/appointments',
    { schema: { tags, summary: 'Book an appointment on a GHL calendar', description: writeNote, params: locationParamsSchema, body: createAppointmentBodySchema, response: { 201: appointmentViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await createAppointment(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/appointments/:appointmentId',
    { schema: { tags, summary: 'Reschedule or change an appointment', description: writeNote, params: appointmentParamsSchema, body: updateAppointmentBodySchema, response: { 200: appointmentViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await updateAppointment(deps, principalOf(request), request.params.locationId, request.params.appointmentId, request.body);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/appointments/:appointmentId',
    { schema: { tags, summary: 'Delete an appointment', params: appointmentParamsSchema, response: { 200: appointmentViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await deleteAppointment(deps, principalOf(request), request.params.locationId, request.params.appointmentId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );

  app.post(
    '/api/locations/:locationId/contacts/:contactId/notes',
    { schema: { tags, summary: 'Add a note to a contact', description: writeNote, params: contactParamsSchema, body: noteBodySchema, response: { 201: noteViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await createNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId/notes/:noteId',
    { schema: { tags, summary: 'Change a note', description: writeNote, params: noteParamsSchema, body: noteBodySchema, response: { 200: noteViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await updateNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.noteId, request.body);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId/notes/:noteId',
    { schema: { tags, summary: 'Delete a note', params: noteParamsSchema, response: { 200: noteViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await deleteNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.noteId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.post(
    '/api/locations/:locationId/contacts/:contactId/tasks',
    { schema: { tags, summary: 'Add a task to a contact', description: writeNote, params: contactParamsSchema, body: createTaskBodySchema, response: { 201: taskViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await createTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId/tasks/:taskId',
    { schema: { tags, summary: 'Change, complete or reopen a task', description: writeNote, params: taskParamsSchema, body: updateTaskBodySchema, response: { 200: taskViewSchema, ...errorResponses(400, 401, 404, 409) } } },
    async (request, reply) => {
      const result = await updateTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.taskId, request.body);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId/tasks/:taskId',
    { schema: { tags, summary: 'Delete a task', params: taskParamsSchema, response: { 200: taskViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await deleteTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.taskId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );

  app.post(
    '/api/locations/:locationId/contacts/:contactId/messages',
    {
      schema: {
        tags,
        summary: 'Send an SMS or email to a contact through GHL',
        description: 'Queued at once (202); the outbox sends it through GHL. Follow it with GET …/message-sends/:sendId.',
        params: contactParamsSchema,
        body: sendMessageBodySchema,
        response: { 202: messageSendViewSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const result = await sendMessage(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(202).send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.get(
    '/api/locations/:locationId/message-sends',
    {
      schema: {
        tags,
        summary: 'Messages sent through the API, newest first',
        params: locationParamsSchema,
        querystring: z.object({ contactId: z.string().min(1).max(100).optional(), limit: z.coerce.number().int().min(1).max(200).default(50), offset: z.coerce.number().int().min(0).max(1_000_000).default(0) }),
        response: { 200: pageOf(messageSendViewSchema), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const result = await listMessageSends(deps, principalOf(request), request.params.locationId, request.query);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
  app.get(
    '/api/locations/:locationId/message-sends/:sendId',
    { schema: { tags, summary: 'One message sent through the API', params: messageSendParamsSchema, response: { 200: messageSendViewSchema, ...errorResponses(400, 401, 404) } } },
    async (request, reply) => {
      const result = await getMessageSend(deps, principalOf(request), request.params.locationId, request.params.sendId);
      return result.ok ? reply.send(result.value) : sendWriteFailure(reply, result);
    },
  );
}
