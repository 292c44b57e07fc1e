import { principalOf, routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import type { CrmReadDeps, CrmWriteDeps } from './crm-read.deps.js';
import { CRM_ERROR_STATUS } from './crm.errors.js';
import { registerCrmWriteRoutes } from './crm-write.routes.js';
import {
  appointmentParamsSchema,
  appointmentViewSchema,
  calendarListSchema,
  customFieldListSchema,
  customFieldsQuerySchema,
  calendarParamsSchema,
  contactDetailSchema,
  contactParamsSchema,
  contactPageSchema,
  conversationParamsSchema,
  conversationViewSchema,
  freeSlotsQuerySchema,
  freeSlotsSchema,
  includeDeletedQuerySchema,
  invoiceParamsSchema,
  invoiceViewSchema,
  listAppointmentsQuerySchema,
  listContactsQuerySchema,
  listConversationsQuerySchema,
  listInvoicesQuerySchema,
  listMessagesQuerySchema,
  listProjectsQuerySchema,
  locationParamsSchema,
  messageViewSchema,
  pageOf,
  pipelineListSchema,
  projectParamsSchema,
  projectViewSchema,
} from './crm-read.schemas.js';
import { CONTACT_COUNT_CAP, getContact, listContacts } from './list-contacts.js';
import { getProject, listPipelines, listProjects } from './list-projects.js';
import { getAppointment, listAppointments, listCalendars, listCustomFields } from './list-appointments.js';
import { getFreeSlots } from './get-free-slots.js';
import { listConversations, listMessages } from './list-conversations.js';
import { getInvoice, listInvoices } from './list-invoices.js';

const notFound = routeFailures(CRM_ERROR_STATUS, ['not_found']);
const listContactsFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'invalid_cursor']);
const listAppointmentsFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'invalid_window']);
const freeSlotsFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'invalid_window', 'invalid_timezone', 'not_linked', 'ghl_not_configured', 'ghl_unavailable']);

const tags = ['crm'];

/**
 * Read side of the CRM for web and mobile frontends: the local copies of GHL data, scoped to the
 * caller's locations by RLS. Free slots are the one live GHL read.
 */
export function registerCrmRoutes(app: HttpServer, deps: CrmWriteDeps): void {
  registerCrmReadRoutes(app, deps);
  registerCrmWriteRoutes(app, deps);
}

function registerCrmReadRoutes(app: HttpServer, deps: CrmReadDeps): void {
  app.get(
    '/api/locations/:locationId/contacts',
    {
      schema: {
        tags,
        summary: 'Contacts of a location: search by name/email/phone, filter by tag, sort by dateAdded or updatedAt',
        description:
          `\`total\` is exact up to ${CONTACT_COUNT_CAP.toLocaleString('en-US')} matches (or up to offset + limit if that is further). Beyond, the response has the header \`X-Total-Exact: false\` and \`total\` is a lower bound greater than offset + limit, so "another page exists while offset + limit < total" holds either way.`,
        params: locationParamsSchema,
        querystring: listContactsQuerySchema,
        response: { 200: contactPageSchema, ...listContactsFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await listContacts(deps, principalOf(request), request.params.locationId, request.query);
      if (!result.ok) return sendFailure(reply, listContactsFailures, result);
      return reply.header('x-total-exact', String(result.value.isTotalExact)).send(result.value.page);
    },
  );

  app.get(
    '/api/locations/:locationId/contacts/:contactId',
    {
      schema: {
        tags,
        summary: 'One contact (our id or GHL id) with its notes and tasks',
        params: contactParamsSchema,
        querystring: includeDeletedQuerySchema,
        response: { 200: contactDetailSchema, ...notFound.responses },
      },
    },
    async (request, reply) => {
      const result = await getContact(deps, principalOf(request), request.params.locationId, request.params.contactId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/pipelines',
    { schema: { tags, summary: 'Pipelines of a location with their stages', params: locationParamsSchema, response: { 200: pipelineListSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await listPipelines(deps, principalOf(request), request.params.locationId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/projects',
    {
      schema: {
        tags,
        summary: 'Projects (GHL opportunities): filter by pipeline, stage, status, name; amounts in integer cents',
        params: locationParamsSchema,
        querystring: listProjectsQuerySchema,
        response: { 200: pageOf(projectViewSchema), ...notFound.responses },
      },
    },
    async (request, reply) => {
      const result = await listProjects(deps, principalOf(request), request.params.locationId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/projects/:projectId',
    { schema: { tags, summary: 'One project (our id or GHL id)', params: projectParamsSchema, querystring: includeDeletedQuerySchema, response: { 200: projectViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await getProject(deps, principalOf(request), request.params.locationId, request.params.projectId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/appointments',
    {
      schema: {
        tags,
        summary: 'Appointments starting in a window (from inclusive, to exclusive), by calendar and status, earliest first',
        params: locationParamsSchema,
        querystring: listAppointmentsQuerySchema,
        response: { 200: pageOf(appointmentViewSchema), ...listAppointmentsFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await listAppointments(deps, principalOf(request), request.params.locationId, request.query);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, listAppointmentsFailures, result);
    },
  );

  app.get(
    '/api/locations/:locationId/appointments/:appointmentId',
    {
      schema: { tags, summary: 'One appointment (our id or GHL id)', params: appointmentParamsSchema, querystring: includeDeletedQuerySchema, response: { 200: appointmentViewSchema, ...notFound.responses } },
    },
    async (request, reply) => {
      const result = await getAppointment(deps, principalOf(request), request.params.locationId, request.params.appointmentId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/calendars',
    { schema: { tags, summary: 'Calendars of a location', params: locationParamsSchema, response: { 200: calendarListSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await listCalendars(deps, principalOf(request), request.params.locationId);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/custom-fields',
    {
      schema: { tags, summary: 'Contact and opportunity custom fields of a location (synced from GHL)', params: locationParamsSchema, querystring: customFieldsQuerySchema, response: { 200: customFieldListSchema, ...notFound.responses } },
    },
    async (request, reply) => {
      const result = await listCustomFields(deps, principalOf(request), request.params.locationId, request.query.model);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/calendars/:calendarId/free-slots',
    {
      schema: {
        tags,
        summary: 'Free slots of a calendar (our id or GHL id), read live from GHL; at most 31 days',
        params: calendarParamsSchema,
        querystring: freeSlotsQuerySchema,
        response: { 200: freeSlotsSchema, ...freeSlotsFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await getFreeSlots(deps, principalOf(request), request.params.locationId, request.params.calendarId, request.query);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, freeSlotsFailures, result);
    },
  );

  app.get(
    '/api/locations/:locationId/conversations',
    {
      schema: {
        tags,
        summary: 'Conversations, most recent message first; filter unread',
        params: locationParamsSchema,
        querystring: listConversationsQuerySchema,
        response: { 200: pageOf(conversationViewSchema), ...notFound.responses },
      },
    },
    async (request, reply) => {
      const result = await listConversations(deps, principalOf(request), request.params.locationId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/conversations/:conversationId/messages',
    {
      schema: {
        tags,
        summary: 'Messages of a conversation (our id or GHL id), newest first',
        params: conversationParamsSchema,
        querystring: listMessagesQuerySchema,
        response: { 200: pageOf(messageViewSchema), ...notFound.responses },
      },
    },
    async (request, reply) => {
      const result = await listMessages(deps, principalOf(request), request.params.locationId, request.params.conversationId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/invoices',
    {
      schema: { tags, summary: 'Invoices, newest first; filter by status; amounts in integer cents', params: locationParamsSchema, querystring: listInvoicesQuerySchema, response: { 200: pageOf(invoiceViewSchema), ...notFound.responses } },
    },
    async (request, reply) => {
      const result = await listInvoices(deps, principalOf(request), request.params.locationId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );

  app.get(
    '/api/locations/:locationId/invoices/:invoiceId',
    { schema: { tags, summary: 'One invoice (our id or GHL id)', params: invoiceParamsSchema, querystring: includeDeletedQuerySchema, response: { 200: invoiceViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await getInvoice(deps, principalOf(request), request.params.locationId, request.params.invoiceId, request.query);
      return result.ok ? reply.send(result.value) : sendFailure(reply, notFound, result);
    },
  );
}
