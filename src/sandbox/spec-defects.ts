/**
 * Known defects of the official GHL OpenAPI files, in one place. The contract tests validate the
 * sandbox against the official files with exactly these corrections applied, each with its reason.
 * A correction that no longer matches the file (upstream fixed it) fails loudly at load time.
 */

export type SpecFamily = 'oauth' | 'locations' | 'users' | 'contacts' | 'opportunities' | 'calendars' | 'conversations' | 'invoices';

export type SpecCorrection =
  | { kind: 'replace'; path: string[]; value: unknown }
  | { kind: 'unrequire'; path: string[]; fields: string[] }
  | { kind: 'add-response'; path: string; method: string; status: string; schema: unknown }
  | { kind: 'append'; path: string[]; value: unknown };

export interface SpecDefect {
  family: SpecFamily;
  summary: string;
  reason: string;
  correction: SpecCorrection;
}

const STRING = { type: 'string' };
const schemaPath = (...segments: string[]): string[] => ['components', 'schemas', ...segments];

export const SPEC_DEFECTS: readonly SpecDefect[] = [
  {
    family: 'opportunities',
    summary: 'PipelinesResponseSchema.stages is typed as an array of arrays',
    reason: 'Real pipelines carry stage objects ({id, name, position, ...}); ghl-openapi/README.md lists this defect.',
    correction: { kind: 'replace', path: schemaPath('PipelinesResponseSchema', 'properties', 'stages'), value: { type: 'array', items: { type: 'object', properties: { id: STRING, name: STRING } } } },
  },
  {
    family: 'opportunities',
    summary: 'UpsertOpportunityDto.monetaryValue is typed object',
    reason: 'It is a number in CreateDto, UpdateOpportunityDto, the opportunity object and every Opportunity webhook example.',
    correction: { kind: 'replace', path: schemaPath('UpsertOpportunityDto', 'properties', 'monetaryValue'), value: { type: 'number' } },
  },
  ...(['startTime', 'endTime', 'dateAdded', 'dateUpdated'] as const).map(
    (field): SpecDefect => ({
      family: 'calendars',
      summary: `CalendarEventDTO.${field} is typed object`,
      reason: 'Event times are ISO-8601 strings in every example (spec examples, AppointmentCreate webhook, integrator code).',
      correction: { kind: 'replace', path: schemaPath('CalendarEventDTO', 'properties', field), value: STRING },
    }),
  ),
  ...(['startTime', 'endTime'] as const).map(
    (field): SpecDefect => ({
      family: 'calendars',
      summary: `BlockedSlotSuccessfulResponseDto.${field} is typed object`,
      reason: 'Same as CalendarEventDTO: times are ISO-8601 strings.',
      correction: { kind: 'replace', path: schemaPath('BlockedSlotSuccessfulResponseDto', 'properties', field), value: STRING },
    }),
  ),
  ...(['GetInvoiceResponseDto', 'DefaultInvoiceResponseDto', 'CreateInvoiceResponseDto', 'VoidInvoiceResponseDto'] as const).flatMap((schema): SpecDefect[] => [
    {
      family: 'invoices',
      summary: `${schema}.invoiceNumber is typed number`,
      reason: 'Invoice numbers are strings in the invoice webhook examples and in CreateInvoiceDto (which may carry a prefix).',
      correction: { kind: 'replace', path: schemaPath(schema, 'properties', 'invoiceNumber'), value: STRING },
    },
    {
      family: 'invoices',
      summary: `${schema}.invoiceItems is typed as an array of strings`,
      reason: 'Invoice items are objects ({_id, name, qty, amount, currency, ...}) in every invoice webhook example.',
      correction: { kind: 'replace', path: schemaPath(schema, 'properties', 'invoiceItems'), value: { type: 'array', items: { type: 'object' } } },
    },
  ]),
  {
    family: 'locations',
    summary: 'LocationTaskListSuccessfulResponseDto.tasks is typed as an array of arrays',
    reason: 'Tasks are objects ({id, title, body, assignedTo, dueDate, completed, contactId}), as in the contact task endpoints.',
    correction: { kind: 'replace', path: schemaPath('LocationTaskListSuccessfulResponseDto', 'properties', 'tasks'), value: { type: 'array', items: { type: 'object' } } },
  },
  {
    family: 'invoices',
    summary: 'DeleteInvoiceResponseDto.invoiceItems is typed as an array of strings',
    reason: 'Invoice items are objects in every invoice webhook example.',
    correction: { kind: 'replace', path: schemaPath('DeleteInvoiceResponseDto', 'properties', 'invoiceItems'), value: { type: 'array', items: { type: 'object' } } },
  },
  {
    family: 'invoices',
    summary: 'DeleteInvoiceResponseDto.invoiceNumber is typed number',
    reason: 'Invoice numbers are strings (webhook examples, CreateInvoiceDto).',
    correction: { kind: 'replace', path: schemaPath('DeleteInvoiceResponseDto', 'properties', 'invoiceNumber'), value: STRING },
  },
  {
    family: 'contacts',
    summary: 'POST /contacts/search has an empty request schema and no response schema',
    reason: 'The docs link an external guide instead (ghl-api.md §7.3): body {locationId, pageLimit, page|searchAfter, filters, sort, query}, answer {contacts[], total}.',
    correction: {
      kind: 'add-response',
      path: '/contacts/search',
      method: 'post',
      status: '200',
      schema: { type: 'object', required: ['contacts', 'total'], properties: { contacts: { type: 'array', items: { type: 'object', required: ['id', 'searchAfter'], properties: { id: STRING, searchAfter: { type: 'array' } } } }, total: { type: 'number' } } },
    },
  },
  {
    family: 'calendars',
    summary: 'GET /calendars/{calendarId}/free-slots allows only date keys, no traceId',
    reason: 'docs/oauth/Overview.md: a traceId "is returned with every response"; GHL puts it beside the date keys of this map.',
    correction: {
      kind: 'replace',
      path: ['paths', '/calendars/{calendarId}/free-slots', 'get', 'responses', '200', 'content', 'application/json', 'schema'],
      value: { type: 'object', properties: { traceId: STRING }, additionalProperties: { $ref: '#/components/schemas/SlotsSchema' } },
    },
  },
  {
    family: 'contacts',
    summary: 'GET /contacts/{contactId} does not document a 404 for an unknown id',
    reason: 'No v2 operation documents 404; ghl-api.md §8 expects 404 {statusCode, message} for unknown resources and the v3 common schemas define NotFoundDTO.',
    correction: { kind: 'add-response', path: '/contacts/{contactId}', method: 'get', status: '404', schema: { $ref: '#/components/schemas/NotFoundDTO' } },
  },
  {
    family: 'contacts',
    summary: 'POST /contacts/search does not document its 422 answer',
    reason: 'GHL answers 422 with a message array when locationId or pageLimit is missing (highlevel-api-docs issue #31).',
    correction: { kind: 'add-response', path: '/contacts/search', method: 'post', status: '422', schema: { $ref: '#/components/schemas/UnprocessableDTO' } },
  },
  {
    family: 'conversations',
    summary: 'GET /conversations/messages/{id} does not declare its `id` path parameter',
    reason: 'The path template has {id} but the parameter list only has the Version header.',
    correction: { kind: 'append', path: ['paths', '/conversations/messages/{id}', 'get', 'parameters'], value: { name: 'id', in: 'path', required: true, schema: { type: 'string' } } },
  },
  {
    family: 'conversations',
    summary: 'SendMessageBodyDto requires subType and status; subType is typed object',
    reason: 'UNCONFIRMED whether enforced; real clients send only type, contactId and message/html (ghl-openapi/README.md).',
    correction: { kind: 'unrequire', path: schemaPath('SendMessageBodyDto'), fields: ['subType', 'status'] },
  },
  {
    family: 'conversations',
    summary: 'GET /conversations/search query parameter startAfterDate has the invalid schema type "any"',
    reason: '"any" is not a JSON Schema type; the description says it holds the sort value of the last document (a number).',
    correction: { kind: 'replace', path: ['paths', '/conversations/search', 'get', 'parameters', '8', 'schema'], value: { type: 'number' } },
  },
];
