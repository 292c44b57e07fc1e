import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { SPEC_DEFECTS, type SpecCorrection, type SpecFamily } from './spec-defects.js';

/** The official specs, vendored unchanged with their `$ref` layout (reference/ghl/README.md names the upstream commit). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPEC_DIR = path.resolve(REPO_ROOT, 'reference/ghl/openapi');

export const SPEC_FAMILIES: readonly SpecFamily[] = ['oauth', 'locations', 'users', 'contacts', 'opportunities', 'calendars', 'conversations', 'invoices'];

const COMMON_REF_PREFIX = '../common/common-schemas.json#/components/schemas/';
const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'patch'];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, 'utf8')) as Json;
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Points `../common/common-schemas.json#/...` refs at local copies so one document is self-contained. */
function inlineCommonRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(inlineCommonRefs);
  if (!isObject(node)) return node;
  const result: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    result[key] = key === '$ref' && typeof value === 'string' && value.startsWith(COMMON_REF_PREFIX) ? `#/components/schemas/${value.slice(COMMON_REF_PREFIX.length)}` : inlineCommonRefs(value);
  }
  return result;
}

function walk(document: Record<string, Json>, segments: string[]): { parent: Record<string, Json> | Json[]; key: string } {
  let node: Json = document;
  for (const segment of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node) ? node[Number(segment)] : isObject(node) ? node[segment] : undefined;
    if (next === undefined) throw new Error(`spec correction path not found: ${segments.join('/')}`);
    node = next;
  }
  if (!Array.isArray(node) && !isObject(node)) throw new Error(`spec correction path not found: ${segments.join('/')}`);
  const key = segments[segments.length - 1] ?? '';
  const exists = Array.isArray(node) ? node[Number(key)] !== undefined : key in node;
  if (!exists) throw new Error(`spec correction target missing (fixed upstream?): ${segments.join('/')}`);
  return { parent: node, key };
}

function applyCorrection(document: Record<string, Json>, correction: SpecCorrection): void {
  if (correction.kind === 'replace') {
    const { parent, key } = walk(document, correction.path);
    if (Array.isArray(parent)) parent[Number(key)] = correction.value as Json;
    else parent[key] = correction.value as Json;
    return;
  }
  if (correction.kind === 'append') {
    const { parent, key } = walk(document, correction.path);
    const list = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if (!Array.isArray(list)) throw new Error(`no array at ${correction.path.join('/')}`);
    list.push(correction.value as Json);
    return;
  }
  if (correction.kind === 'unrequire') {
    const { parent, key } = walk(document, correction.path);
    const schema = Array.isArray(parent) ? parent[Number(key)] : parent[key];
    if (!isObject(schema) || !Array.isArray(schema['required'])) throw new Error(`no required list at ${correction.path.join('/')}`);
    schema['required'] = schema['required'].filter((field) => typeof field !== 'string' || !correction.fields.includes(field));
    return;
  }
  const paths = document['paths'];
  const operation = isObject(paths) && isObject(paths[correction.path]) ? (paths[correction.path] as Record<string, Json>)[correction.method] : undefined;
  if (!isObject(operation) || !isObject(operation['responses'])) throw new Error(`operation not found: ${correction.method} ${correction.path}`);
  operation['responses'][correction.status] = { description: 'added by spec-defects.ts', content: { 'application/json': { schema: correction.schema as Json } } };
}

/** Loads one family's official spec with common schemas inlined and the known defects corrected. */
export function loadCorrectedSpec(family: SpecFamily): Record<string, Json> {
  const raw = readJson(path.join(SPEC_DIR, 'apps', `${family}.json`));
  const common = readJson(path.join(SPEC_DIR, 'common', 'common-schemas.json'));
  // The v3 copy is a superset (adds ForbiddenDTO, NotFoundDTO); its extra schemas serve spec-defects.ts.
  const commonV3 = readJson(path.join(SPEC_DIR, 'apps', 'common', 'common-schemas.json'));
  const document = inlineCommonRefs(raw);
  if (!isObject(document)) throw new Error(`bad spec ${family}`);
  const components = isObject(document['components']) ? document['components'] : {};
  const schemas = isObject(components['schemas']) ? components['schemas'] : {};
  const commonSchemas = isObject(common) && isObject(common['components']) && isObject(common['components']['schemas']) ? common['components']['schemas'] : {};
  const commonV3Schemas = isObject(commonV3) && isObject(commonV3['components']) && isObject(commonV3['components']['schemas']) ? commonV3['components']['schemas'] : {};
  for (const source of [commonSchemas, commonV3Schemas]) for (const [name, schema] of Object.entries(source)) if (!(name in schemas)) schemas[name] = schema;
  components['schemas'] = schemas;
  document['components'] = components;
  for (const defect of SPEC_DEFECTS) if (defect.family === family) applyCorrection(document, defect.correction);
  // Several spec paths end in '/' ('/contacts/'); the validator's router strips the request's trailing
  // slash but not the template's, so templates are normalized the same way (a routing detail, not a defect).
  if (isObject(document['paths'])) {
    document['paths'] = Object.fromEntries(Object.entries(document['paths']).map(([specPath, item]) => [specPath.length > 1 ? specPath.replace(/\/$/, '') : specPath, item]));
  }
  return document;
}

export interface OperationRef {
  family: SpecFamily;
  method: string;
  path: string;
  operationId: string;
}

export function listSpecOperations(family: SpecFamily, document: Record<string, Json>): OperationRef[] {
  const operations: OperationRef[] = [];
  const paths = isObject(document['paths']) ? document['paths'] : {};
  for (const [specPath, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (isObject(operation)) operations.push({ family, method, path: specPath, operationId: String(operation['operationId'] ?? `${method} ${specPath}`) });
    }
  }
  return operations;
}

export interface ContractExchange {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  responseBody: unknown;
}

export interface ContractVerdict {
  operation: OperationRef | undefined;
  requestErrors: string[];
  responseErrors: string[];
}

const STRING_FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  email: /^[^\s@]+@[^\s@]+$/,
  uri: /^[a-z][a-z0-9+.-]*:/i,
  url: /^[a-z][a-z0-9+.-]*:/i,
};

function addStringFormats<T extends { addFormat: (name: string, format: RegExp) => unknown }>(ajv: T): T {
  for (const [name, pattern] of Object.entries(STRING_FORMATS)) ajv.addFormat(name, pattern);
  return ajv;
}

/** A real OpenAPI validator (openapi-backend + Ajv) over the corrected official documents. */
export class ContractValidator {
  private readonly backends = new Map<SpecFamily, OpenAPIBackend>();
  readonly operationsByFamily = new Map<SpecFamily, OperationRef[]>();
  private readonly documents = new Map<SpecFamily, Record<string, Json>>();

  async init(): Promise<void> {
    for (const family of SPEC_FAMILIES) {
      const document = loadCorrectedSpec(family);
      this.documents.set(family, document);
      this.operationsByFamily.set(family, listSpecOperations(family, document));
      // quick: the official files are not valid OpenAPI 3.0 documents (e.g. `examples` inside schema
      // properties), and openapi-backend skips dereferencing after a failed document validation.
      const backend = new OpenAPIBackend({
        definition: document as unknown as Document,
        strict: false,
        quick: true,
        validate: true,
        coerceTypes: true,
        ajvOpts: { strict: false, logger: false },
        customizeAjv: (ajv) => addStringFormats(ajv),
      });
      await backend.init();
      this.backends.set(family, backend);
    }
  }

  validate(exchange: ContractExchange): ContractVerdict {
    for (const [family, backend] of this.backends) {
      const request = { method: exchange.method, path: exchange.path, query: exchange.query, headers: exchange.headers, body: exchange.body as object };
      const operation = backend.matchOperation(request);
      if (!operation) continue;
      const ref = this.operationsByFamily.get(family)?.find((candidate) => candidate.operationId === operation.operationId);
      const requestResult = backend.validateRequest(request, operation);
      const responses = isObject(operation.responses) ? operation.responses : {};
      const responseErrors: string[] = [];
      if (!(String(exchange.status) in responses) && !('default' in responses)) {
        responseErrors.push(`status ${exchange.status} is not documented (documented: ${Object.keys(responses).join(', ')})`);
      } else {
        const responseResult = backend.validateResponse(exchange.responseBody, operation, exchange.status);
        for (const error of responseResult.errors ?? []) responseErrors.push(`${error.instancePath} ${error.message ?? ''}`.trim());
      }
      return {
        operation: ref,
        requestErrors: (requestResult.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`.trim()),
        responseErrors,
      };
    }
    return { operation: undefined, requestErrors: ['no operation in the official specs matches this request'], responseErrors: [] };
  }
}
