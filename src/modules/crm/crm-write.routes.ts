import { z } from 'zod';
import { principalOf, routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { CRM_ERROR_STATUS } from './crm.errors.js';
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

const notFound = routeFailures(CRM_ERROR_STATUS, ['not_found']);
const createContactFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_custom_field', 'contact_identity_required']);
const updateContactFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_custom_field']);
const createProjectFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_contact', 'unknown_custom_field', 'unknown_pipeline', 'unknown_stage']);
const updateProjectFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_custom_field', 'unknown_pipeline', 'unknown_stage']);
const createAppointmentFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_contact', 'unknown_calendar', 'invalid_window']);
const updateAppointmentFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_calendar', 'invalid_window']);
const noteOrTaskFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked']);
const sendMessageFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'not_linked', 'unknown_contact', 'invalid_message', 'contact_dnd']);

const tags = ['crm'];
const writeNote = 'Stored at once and pushed to GHL by the outbox; `sync.state` is pending until GHL confirms.';

/** Write side of the CRM API: Postgres first, GHL through the outbox (write-through.ts). */
export function registerCrmWriteRoutes(app: HttpServer, deps: CrmWriteDeps): void {
  app.post(
    '/api/locations/:locationId/contacts',
    { schema: { tags, summary: 'Create a contact', description: writeNote, params: locationParamsSchema, body: createContactBodySchema, response: { 201: contactViewSchema, ...createContactFailures.responses } } },
    async (request, reply) => {
      const result = await createContact(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, createContactFailures, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId',
    { schema: { tags, summary: 'Change a contact (given fields only; null clears)', description: writeNote, params: contactParamsSchema, body: updateContactBodySchema, response: { 200: contactViewSchema, ...updateContactFailures.responses } } },
    async (request, reply) => {
      const result = await updateContact(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, updateContactFailures, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId',
    { schema: { tags, summary: 'Delete a contact (here at once, in GHL by the outbox)', params: contactParamsSchema, response: { 200: contactViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await deleteContact(deps, principalOf(request), request.params.locationId, request.params.contactId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.post(
    '/api/locations/:locationId/projects',
    { schema: { tags, summary: 'Create a project (GHL opportunity)', description: writeNote, params: locationParamsSchema, body: createProjectBodySchema, response: { 201: projectViewSchema, ...createProjectFailures.responses } } },
    async (request, reply) => {
      const result = await createProject(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, createProjectFailures, result);
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
        response: { 200: projectViewSchema, ...updateProjectFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await updateProject(deps, principalOf(request), request.params.locationId, request.params.projectId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, updateProjectFailures, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/projects/:projectId',
    { schema: { tags, summary: 'Delete a project', params: projectParamsSchema, response: { 200: projectViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await deleteProject(deps, principalOf(request), request.params.locationId, request.params.projectId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.post(
    '/api/locations/:locationId/appointments',
    { schema: { tags, summary: 'Book an appointment on a GHL calendar', description: writeNote, params: locationParamsSchema, body: createAppointmentBodySchema, response: { 201: appointmentViewSchema, ...createAppointmentFailures.responses } } },
    async (request, reply) => {
      const result = await createAppointment(deps, principalOf(request), request.params.locationId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, createAppointmentFailures, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/appointments/:appointmentId',
    { schema: { tags, summary: 'Reschedule or change an appointment', description: writeNote, params: appointmentParamsSchema, body: updateAppointmentBodySchema, response: { 200: appointmentViewSchema, ...updateAppointmentFailures.responses } } },
    async (request, reply) => {
      const result = await updateAppointment(deps, principalOf(request), request.params.locationId, request.params.appointmentId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, updateAppointmentFailures, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/appointments/:appointmentId',
    { schema: { tags, summary: 'Delete an appointment', params: appointmentParamsSchema, response: { 200: appointmentViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await deleteAppointment(deps, principalOf(request), request.params.locationId, request.params.appointmentId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.post(
    '/api/locations/:locationId/contacts/:contactId/notes',
    { schema: { tags, summary: 'Add a note to a contact', description: writeNote, params: contactParamsSchema, body: noteBodySchema, response: { 201: noteViewSchema, ...noteOrTaskFailures.responses } } },
    async (request, reply) => {
      const result = await createNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, noteOrTaskFailures, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId/notes/:noteId',
    { schema: { tags, summary: 'Change a note', description: writeNote, params: noteParamsSchema, body: noteBodySchema, response: { 200: noteViewSchema, ...noteOrTaskFailures.responses } } },
    async (request, reply) => {
      const result = await updateNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.noteId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, noteOrTaskFailures, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId/notes/:noteId',
    { schema: { tags, summary: 'Delete a note', params: noteParamsSchema, response: { 200: noteViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await deleteNote(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.noteId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );
  app.post(
    '/api/locations/:locationId/contacts/:contactId/tasks',
    { schema: { tags, summary: 'Add a task to a contact', description: writeNote, params: contactParamsSchema, body: createTaskBodySchema, response: { 201: taskViewSchema, ...noteOrTaskFailures.responses } } },
    async (request, reply) => {
      const result = await createTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(201).send(result.value) : sendFailure(reply, noteOrTaskFailures, result);
    },
  );
  app.patch(
    '/api/locations/:locationId/contacts/:contactId/tasks/:taskId',
    { schema: { tags, summary: 'Change, complete or reopen a task', description: writeNote, params: taskParamsSchema, body: updateTaskBodySchema, response: { 200: taskViewSchema, ...noteOrTaskFailures.responses } } },
    async (request, reply) => {
      const result = await updateTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.taskId, request.body);
      return result.ok ? reply.send(result.value) : sendFailure(reply, noteOrTaskFailures, result);
    },
  );
  app.delete(
    '/api/locations/:locationId/contacts/:contactId/tasks/:taskId',
    { schema: { tags, summary: 'Delete a task', params: taskParamsSchema, response: { 200: taskViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await deleteTask(deps, principalOf(request), request.params.locationId, request.params.contactId, request.params.taskId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
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
        response: { 202: messageSendViewSchema, ...sendMessageFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await sendMessage(deps, principalOf(request), request.params.locationId, request.params.contactId, request.body);
      return result.ok ? reply.code(202).send(result.value) : sendFailure(reply, sendMessageFailures, result);
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
        response: { 200: pageOf(messageSendViewSchema), ...notFound.responses },
      },
    },
    async (request, reply) => {
      const result = await listMessageSends(deps, principalOf(request), request.params.locationId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );
  app.get(
    '/api/locations/:locationId/message-sends/:sendId',
    { schema: { tags, summary: 'One message sent through the API', params: messageSendParamsSchema, response: { 200: messageSendViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await getMessageSend(deps, principalOf(request), request.params.locationId, request.params.sendId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );
}
