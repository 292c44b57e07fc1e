import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCrmApiKit, type CrmApiKit } from './crm-api-kit.js';
import { bearer, type TestApp } from './support/test-app.js';
import { TEST_PASSWORD } from './support/factories.js';

/*
 * Walks every operation of the OpenAPI document the app serves and sends hostile values in each
 * path, query and body field, with and without credentials: nothing may answer 5xx, and every
 * error answers in the one envelope. The values are the ones that once reached PostgreSQL and came
 * back as 500s: NUL characters, lone UTF-16 surrogates, dates PostgreSQL cannot hold, ids past the
 * bigint range; plus Fastify's and Node's own refusals (bad percent-encoding, over-long path
 * parameters, oversized headers).
 */

type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
};

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

const HOSTILE_STRINGS = ['nul\u0000inside', 'lone\ud800surrogate', '\udc00', '0000-01-01T00:00:00Z', '0001-01-01T00:30:00+01:00', '9999999999999999999', '-1'];
/** Raw JSON number literals (written into the body text as they are). */
const HOSTILE_NUMBER_LITERALS = ['9999999999999999999', '-1', '1e308', '1e400', '-0.0'];
const NUMBER_PLACEHOLDER = '__hostile_number__';
/** Raw (already percent-encoded) path and query values. */
const HOSTILE_URL_VALUES = ['%00', 'a%00b', '%ED%A0%80', '%FF', '9999999999999999999', '0000-01-01T00:00:00Z', 'x'.repeat(101)];

let kit: CrmApiKit;
let app: TestApp;
let document: OpenApiDocument;
let token: string;
/** Real ids of the installed, synced location, so hostile values in one field reach past the lookups. */
const knownIds = new Map<string, string>();

/** A new session of the agency's admin (a new login). */
async function logInAgain(): Promise<string> {
  const response = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: kit.agency.email, password: TEST_PASSWORD } });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return response.json<{ token: string }>().token;
}

async function rememberFirstId(name: string, path: string, field: 'id' | 'ghlId' = 'id'): Promise<void> {
  const response = await app.app.inject({ method: 'GET', url: path, headers: bearer(token) });
  const value = response.json<{ items: Record<string, unknown>[] }>().items[0]?.[field];
  if (typeof value === 'string') knownIds.set(name, value);
}

beforeAll(async () => {
  kit = await startCrmApiKit({ contacts: 20 });
  app = kit.app;
  token = kit.agency.token;
  const served = await app.app.inject({ method: 'GET', url: '/docs/json' });
  document = served.json<OpenApiDocument>();
  const locationId = kit.installed.locationId;
  const base = `/api/locations/${locationId}`;
  knownIds.set('locationId', locationId);
  knownIds.set('ghlLocationId', kit.installed.ghlLocationId);
  await rememberFirstId('contactId', `${base}/contacts`);
  await rememberFirstId('projectId', `${base}/projects`);
  await rememberFirstId('appointmentId', `${base}/appointments`);
  await rememberFirstId('calendarId', `${base}/calendars`, 'ghlId');
  await rememberFirstId('conversationId', `${base}/conversations`);
  await rememberFirstId('invoiceId', `${base}/invoices`);
  const pipelines = await app.app.inject({ method: 'GET', url: `${base}/pipelines`, headers: bearer(token) });
  const pipeline = pipelines.json<{ items: { ghlId: string; stages: { ghlId: string }[] }[] }>().items[0];
  if (!pipeline) throw new Error('no pipeline');
  knownIds.set('pipelineId', pipeline.ghlId);
  knownIds.set('stageId', pipeline.stages[0]?.ghlId ?? '');
  const contactId = knownIds.get('contactId') as string;
  const note = await app.app.inject({ method: 'POST', url: `${base}/contacts/${contactId}/notes`, headers: bearer(token), payload: { body: 'a note' } });
  knownIds.set('noteId', note.json<{ id: string }>().id);
  const task = await app.app.inject({ method: 'POST', url: `${base}/contacts/${contactId}/tasks`, headers: bearer(token), payload: { title: 'a task', dueAt: '2026-01-02T03:04:05Z' } });
  knownIds.set('taskId', task.json<{ id: string }>().id);
  for (const name of ['contactId', 'projectId', 'appointmentId', 'calendarId', 'conversationId', 'noteId', 'taskId']) {
    if (!knownIds.get(name)) throw new Error(`the synced location has no ${name}`);
  }
}, 180_000);

afterAll(async () => {
  await kit?.close();
});

function resolveSchema(schema: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = document.components.schemas[name];
    if (!target) throw new Error(`unresolved ${schema.$ref}`);
    return resolveSchema(target);
  }
  return schema;
}

function typeOf(schema: JsonSchema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((candidate) => candidate !== 'null') : schema.type;
  if (type) return type;
  if (schema.properties) return 'object';
  return undefined;
}

// Later dates for the end of a window, so `from < to` style rules pass.
const LATER_DATE_FIELDS = new Set(['to', 'endTime', 'receivedTo']);

/**
 * A value the schema accepts (as far as a generator can tell), so a hostile value in one field
 * reaches as deep as possible. `isFull`: every optional property too; otherwise only required ones.
 */
function sampleOf(raw: JsonSchema, name = '', isFull = true): unknown {
  const schema = resolveSchema(raw);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    const first = alternatives.map(resolveSchema).find((alternative) => typeOf(alternative) !== 'null') ?? alternatives[0];
    return first ? sampleOf(first, name, isFull) : null;
  }
  if (schema.allOf?.[0]) return sampleOf(schema.allOf[0], name, isFull);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  switch (typeOf(schema)) {
    case 'object': {
      const result: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (isFull || required.has(key)) result[key] = sampleOf(property, key, isFull);
      }
      return result;
    }
    case 'array':
      return schema.items ? [sampleOf(schema.items, name, isFull)] : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'string': {
      const known = knownIds.get(name);
      if (known) return known;
      if (schema.format === 'date-time') return LATER_DATE_FIELDS.has(name) ? '2026-01-03T03:04:05Z' : '2026-01-02T03:04:05Z';
      if (schema.format === 'email') return 'sample@example.test';
      if (schema.pattern) {
        const pattern = new RegExp(schema.pattern);
        const candidate = ['1', '+15555550100', 'sample', 'abc'].find((value) => pattern.test(value));
        if (candidate) return candidate;
      }
      return 'sample-text-value'.padEnd(schema.minLength ?? 0, 'x');
    }
    case undefined:
    default:
      return 'sample';
  }
}

type Path = (string | number)[];

/** Every leaf of a sample body with the schema type it came from. */
function leavesOf(value: unknown, path: Path = []): { path: Path; kind: 'string' | 'number' }[] {
  if (typeof value === 'string') return [{ path, kind: 'string' }];
  if (typeof value === 'number') return [{ path, kind: 'number' }];
  if (Array.isArray(value)) return value.flatMap((item, index) => leavesOf(item, [...path, index]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leavesOf(item, [...path, key]));
  return [];
}

/** `value` with the leaf at `path` replaced; branches `value` lacks are taken from `full`. */
function withLeaf(value: unknown, full: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const source = value === undefined ? full : value;
  if (Array.isArray(source)) {
    const fullItems = Array.isArray(full) ? full : [];
    const items = source.length > (head as number) ? source : fullItems;
    return items.map((item: unknown, index: number) => (index === head ? withLeaf(item, fullItems[index], rest, replacement) : item));
  }
  const object = (source ?? {}) as Record<string, unknown>;
  const fullObject = (full ?? {}) as Record<string, unknown>;
  return { ...object, [head as string]: withLeaf(object[head as string], fullObject[head as string], rest, replacement) };
}

interface Probe {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function buildUrl(template: string, pathValues: Record<string, string>, query: Record<string, string>): string {
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => pathValues[name] ?? 'x');
  const search = Object.entries(query)
    .map(([key, value]) => `${encodeURIComponent(key)}=${value}`)
    .join('&');
  return search ? `${path}?${search}` : path;
}

function probesOf(template: string, method: string, operation: Operation, headers: Record<string, string>): Probe[] {
  const parameters = operation.parameters ?? [];
  const pathParameters = parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = parameters.filter((parameter) => parameter.in === 'query');
  const basePath = Object.fromEntries(pathParameters.map((parameter) => [parameter.name, encodeURIComponent(String(sampleOf(parameter.schema, parameter.name)))]));
  const baseQuery = Object.fromEntries(queryParameters.filter((parameter) => parameter.required).map((parameter) => [parameter.name, encodeURIComponent(String(sampleOf(parameter.schema, parameter.name)))]));
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const baseBody = bodySchema ? sampleOf(bodySchema, '', false) : undefined;
  const fullBody = bodySchema ? sampleOf(bodySchema) : undefined;
  const jsonHeaders = baseBody === undefined ? headers : { ...headers, 'content-type': 'application/json' };
  const payload = baseBody === undefined ? undefined : JSON.stringify(baseBody);
  const probe = (pathValues: Record<string, string>, query: Record<string, string>, body: string | undefined, extraHeaders: Record<string, string> = {}): Probe => ({
    method: method.toUpperCase(),
    url: buildUrl(template, pathValues, query),
    headers: { ...jsonHeaders, ...extraHeaders },
    ...(body === undefined ? {} : { payload: body }),
  });

  const probes: Probe[] = [probe(basePath, baseQuery, payload)];
  if (fullBody !== undefined) probes.push(probe(basePath, baseQuery, JSON.stringify(fullBody)));
  for (const parameter of pathParameters) {
    for (const value of HOSTILE_URL_VALUES) probes.push(probe({ ...basePath, [parameter.name]: value }, baseQuery, payload));
  }
  for (const parameter of queryParameters) {
    for (const value of [...HOSTILE_URL_VALUES, ...HOSTILE_STRINGS.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '')))]) {
      probes.push(probe(basePath, { ...baseQuery, [parameter.name]: value }, payload));
    }
  }
  if (baseBody !== undefined) {
    for (const leaf of leavesOf(fullBody)) {
      if (leaf.kind === 'string') {
        for (const value of HOSTILE_STRINGS) probes.push(probe(basePath, baseQuery, JSON.stringify(withLeaf(baseBody, fullBody, leaf.path, value))));
      } else {
        const template = JSON.stringify(withLeaf(baseBody, fullBody, leaf.path, NUMBER_PLACEHOLDER));
        for (const literal of HOSTILE_NUMBER_LITERALS) probes.push(probe(basePath, baseQuery, template.replace(`"${NUMBER_PLACEHOLDER}"`, literal)));
      }
    }
    // Hostile object keys and a lone surrogate written as a JSON escape (JSON.stringify escapes it anyway).
    probes.push(probe(basePath, baseQuery, JSON.stringify({ ...(baseBody as object), 'key\u0000': 'x' })));
    probes.push(probe(basePath, baseQuery, JSON.stringify(fullBody).replace(/"sample-text-value"/, '"\\ud800"')));
  }
  // Header-derived strings (inject bypasses Node's header parser, so NUL reaches the app).
  probes.push(probe(basePath, baseQuery, payload, { 'x-integration-id': 'int\u0000', 'x-webhook-id': 'w\u0000', 'user-agent': 'ua\u0000' }));
  return probes;
}

function isEnvelope(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const error = (body as { error?: unknown }).error;
  if (!error || typeof error !== 'object') return false;
  const { code, message, requestId } = error as Record<string, unknown>;
  return typeof code === 'string' && code.length > 0 && typeof message === 'string' && typeof requestId === 'string' && requestId.length > 0;
}

async function send(probe: Probe): Promise<string | undefined> {
  const response = await app.app.inject({ method: probe.method as 'GET', url: probe.url, headers: probe.headers, ...(probe.payload === undefined ? {} : { payload: probe.payload }) });
  const label = `${probe.method} ${probe.url}${probe.payload === undefined ? '' : ` ${JSON.stringify(probe.payload).slice(0, 160)}`} → ${response.statusCode}`;
  if (response.statusCode >= 500) return `${label} ${response.body.slice(0, 200)}`;
  if (response.statusCode >= 400) {
    let body: unknown;
    try {
      body = response.json();
    } catch {
      return `${label} not JSON: ${response.body.slice(0, 200)}`;
    }
    if (!isEnvelope(body)) return `${label} not the error envelope: ${response.body.slice(0, 200)}`;
  }
  return undefined;
}

describe('hostile input on every route of the OpenAPI document', () => {
  it('covers the whole API', () => {
    const operations = Object.values(document.paths).flatMap((operations) => Object.keys(operations));
    expect(operations.length).toBeGreaterThan(60);
    expect(Object.keys(document.paths)).toContain('/api/oauth/install');
  });

  it('never answers 5xx and always answers errors in the envelope, with and without credentials', async () => {
    const failures: string[] = [];
    let sent = 0;
    // Deletes last, so the records the other operations name still exist when they are probed.
    const operations = Object.entries(document.paths)
      .flatMap(([template, byMethod]) => Object.entries(byMethod).map(([method, operation]) => ({ template, method, operation })))
      .sort((a, b) => Number(a.method === 'delete') - Number(b.method === 'delete'));
    for (const { template, method, operation } of operations) {
      // Logout ends the session it is called with: each of its probes gets a session of its own.
      const endsItsSession = template === '/api/auth/logout';
      // An event stream stays open by design; its JSON form is probed like every other GET.
      for (const headers of [{ ...bearer(token), accept: 'application/json' }, { accept: 'application/json' }]) {
        for (const probe of probesOf(template, method, operation, headers)) {
          if (endsItsSession && probe.headers.authorization) probe.headers.authorization = bearer(await logInAgain()).authorization;
          sent += 1;
          const failure = await send(probe);
          if (failure) failures.push(failure);
        }
      }
    }
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
  }, 600_000);
});

describe("Fastify's and Node's own refusals answer in the envelope", () => {
  it('bad percent-encoding in a path answers 400', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/api/locations/%FF', headers: bearer(token) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'bad_url', requestId: response.headers['x-request-id'] } });
  });

  it('a path parameter over the length limit answers 414', async () => {
    const response = await app.app.inject({ method: 'GET', url: `/api/locations/${'x'.repeat(500)}`, headers: bearer(token) });
    expect(response.statusCode).toBe(414);
    expect(response.json()).toMatchObject({ error: { code: 'uri_too_long', requestId: expect.any(String) } });
  });

  it('a NUL in a path parameter, query or body answers 400 invalid_text before any handler runs', async () => {
    const locationId = knownIds.get('locationId') as string;
    const inPath = await app.app.inject({ method: 'GET', url: `/api/locations/${locationId}%00`, headers: bearer(token) });
    expect(inPath.statusCode).toBe(400);
    expect(inPath.json()).toMatchObject({ error: { code: 'invalid_text', details: [{ path: '/params/locationId' }] } });
    const inQuery = await app.app.inject({ method: 'GET', url: `/api/locations/${locationId}/contacts?q=a%00b`, headers: bearer(token) });
    expect(inQuery.json()).toMatchObject({ error: { code: 'invalid_text', details: [{ path: '/query/q' }] } });
    const login = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'x\u0000@y.z', password: 'whatever-pw' } });
    expect(login.statusCode).toBe(400);
    expect(login.json()).toMatchObject({ error: { code: 'invalid_text', details: [{ path: '/body/email' }] } });
    const surrogate = await app.app.inject({ method: 'POST', url: `/api/locations/${locationId}/contacts`, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: '{"firstName":"\\ud800"}' });
    expect(surrogate.statusCode).toBe(400);
    expect(surrogate.json()).toMatchObject({ error: { code: 'invalid_text', details: [{ path: '/body/firstName' }] } });
  });

  it('dates PostgreSQL cannot hold and ids past the bigint range answer 400 validation_failed', async () => {
    const locationId = knownIds.get('locationId') as string;
    const date = await app.app.inject({ method: 'GET', url: `/api/locations/${locationId}/appointments?from=0000-01-01T00:00:00Z`, headers: bearer(token) });
    expect(date.statusCode).toBe(400);
    expect(date.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const shifted = await app.app.inject({ method: 'GET', url: `/api/webhooks/events?receivedFrom=${encodeURIComponent('0001-01-01T00:30:00+01:00')}`, headers: bearer(token) });
    expect(shifted.statusCode).toBe(400);
    const id = await app.app.inject({ method: 'GET', url: '/api/webhooks/events/9999999999999999999', headers: bearer(token) });
    expect(id.statusCode).toBe(400);
    expect(id.json()).toMatchObject({ error: { code: 'validation_failed' } });
    const largest = await app.app.inject({ method: 'GET', url: '/api/webhooks/events/9223372036854775807', headers: bearer(token) });
    expect(largest.statusCode).toBe(404);
  });

  it('oversized headers answer 431 and a malformed request 400, both in the envelope (real socket)', async () => {
    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.app.server.address() as AddressInfo;
    expect(address).toContain(String(port));
    const rawRequest = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write(request));
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString('latin1')));
        socket.on('end', () => resolve(received));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });
    const oversized = await rawRequest(`GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(oversized).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(oversized.slice(oversized.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toMatchObject({ error: { code: 'headers_too_large', requestId: expect.any(String) } });
    const malformed = await rawRequest('GET /api/status HTTP/1.1\r\nHost: x\r\nBad\u0001Header: y\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(malformed.slice(malformed.indexOf('\r\n\r\n') + 4))).toMatchObject({ error: { code: 'bad_request', requestId: expect.any(String) } });
  });
});
