import { buildInvoice } from './data-generator.js';
import { asRecord, fail, failValidation, ok, readBoolean, readNumber, readString, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { emitEvent, requireLocationAccess, toIso, type SandboxRuntime } from './sandbox-runtime.js';
import type { Invoice, InvoiceItem, LocationData } from './sandbox-store.js';
import { buildInvoicePayload } from './webhook-payloads.js';

const INVOICE_STATUSES = ['draft', 'sent', 'payment_processing', 'paid', 'void', 'partially_paid'];
const PAYMENT_MODES = ['cash', 'card', 'cheque', 'bank_transfer', 'other'];
const SEND_ACTIONS = ['sms_and_email', 'send_manually', 'email', 'sms'];

export function toInvoiceJson(invoice: Invoice): Record<string, unknown> {
  const { createdAtMs: _createdAtMs, ...json } = invoice;
  return json;
}

/** Every invoice call names its location through altId + altType=location (ghl-api.md §7.8). */
function requireAlt(runtime: SandboxRuntime, context: RequestContext, source: 'query' | 'body'): { locationId: string; data: LocationData } {
  const record = asRecord(context.body);
  const altId = source === 'query' ? (context.query.get('altId') ?? undefined) : readString(record, 'altId');
  const altType = source === 'query' ? (context.query.get('altType') ?? undefined) : readString(record, 'altType');
  const problems: string[] = [];
  if (!altId) problems.push('altId should not be empty');
  if (altType !== 'location') problems.push('altType must be one of the following values: location');
  if (problems.length > 0) failValidation(problems);
  const { location, data } = requireLocationAccess(runtime, context, altId);
  return { locationId: location.id, data };
}

function findInvoice(runtime: SandboxRuntime, context: RequestContext, source: 'query' | 'body'): { data: LocationData; invoice: Invoice } {
  const { data } = requireAlt(runtime, context, source);
  const invoice = data.invoices.get(context.params['invoiceId'] ?? '');
  if (!invoice) fail(404, 'Invoice not found');
  return { data, invoice };
}

function listInvoices(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const query = context.query;
  const problems: string[] = [];
  if (query.get('limit') === null) problems.push('limit should not be empty');
  if (query.get('offset') === null) problems.push('offset should not be empty');
  if (problems.length > 0) failValidation(problems);
  const { data } = requireAlt(runtime, context, 'query');
  const limit = Number(query.get('limit'));
  const offset = Number(query.get('offset'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 100 || !Number.isInteger(offset) || offset < 0) failValidation(['limit must be an integer between 1 and 100', 'offset must be a non-negative integer']);
  const status = query.get('status');
  if (status && !INVOICE_STATUSES.includes(status)) failValidation([`status must be one of the following values: ${INVOICE_STATUSES.join(', ')}`]);
  const contactId = query.get('contactId');
  const search = query.get('search')?.toLowerCase();
  const startAt = query.get('startAt');
  const endAt = query.get('endAt');
  const isAscending = query.get('sortOrder') === 'ascend';
  const rows = [...data.invoices.values()]
    .filter(
      (invoice) =>
        (!status || invoice.status === status) &&
        (!contactId || invoice.contactDetails['id'] === contactId) &&
        (!search || invoice.name.toLowerCase().includes(search) || String(invoice.contactDetails['name'] ?? '').toLowerCase().includes(search) || invoice.invoiceNumber === search) &&
        (!startAt || invoice.issueDate >= startAt) &&
        (!endAt || invoice.issueDate <= endAt),
    )
    .sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.createdAtMs - b.createdAtMs) * (isAscending ? 1 : -1));
  return ok({ invoices: rows.slice(offset, offset + limit).map(toInvoiceJson), total: rows.length });
}

function readItems(raw: unknown): InvoiceItem[] {
  if (!Array.isArray(raw) || raw.length === 0) failValidation(['items must contain at least 1 elements']);
  return raw.map((item, index) => {
    const record = asRecord(item);
    const name = readString(record, 'name');
    const amount = readNumber(record, 'amount');
    const qty = readNumber(record, 'qty');
    const currency = readString(record, 'currency');
    if (!name || amount === undefined || qty === undefined || !currency) failValidation([`items.${index}.name, amount, qty and currency are required`]);
    return { _id: '', name, description: readString(record, 'description') ?? '', productId: readString(record, 'productId') ?? '', priceId: readString(record, 'priceId') ?? '', currency, amount, qty, taxes: [] };
  });
}

function createInvoice(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  for (const field of ['name', 'currency', 'issueDate'] as const) if (!readString(body, field)) problems.push(`${field} should not be empty`);
  for (const field of ['businessDetails', 'discount', 'contactDetails', 'sentTo'] as const) if (typeof body[field] !== 'object' || body[field] === null) problems.push(`${field} must be an object`);
  if (readBoolean(body, 'liveMode') === undefined) problems.push('liveMode must be a boolean value');
  if (problems.length > 0) failValidation(problems);
  const { locationId, data } = requireAlt(runtime, context, 'body');
  const location = runtime.store.locations.get(locationId);
  const contactDetails = asRecord(body['contactDetails']);
  const contact = data.contacts.get(readString(contactDetails, 'id') ?? '');
  if (!location || !contact) fail(400, 'Contact not found');
  const items = readItems(body['items']).map((item) => ({ ...item, _id: runtime.random.createGhlId() }));
  const discountRecord = asRecord(body['discount']);
  const discountType = readString(discountRecord, 'type');
  if (discountType !== 'percentage' && discountType !== 'fixed') failValidation(['discount.type must be one of the following values: percentage, fixed']);
  const issueMs = Date.parse(readString(body, 'issueDate') ?? '');
  const dueText = readString(body, 'dueDate');
  const invoice = buildInvoice({
    id: runtime.random.createObjectId(),
    location,
    contact,
    invoiceNumber: readString(body, 'invoiceNumber') ?? String(data.nextInvoiceNumber++),
    items,
    status: 'draft',
    createdMs: context.nowMs,
    dueMs: dueText ? Date.parse(dueText) : context.nowMs,
    name: readString(body, 'name') ?? 'Invoice',
    currency: readString(body, 'currency') ?? 'USD',
    discount: { type: discountType, value: readNumber(discountRecord, 'value') ?? 0 },
  });
  if (!Number.isNaN(issueMs)) invoice.issueDate = toIso(issueMs).slice(0, 10);
  invoice.liveMode = readBoolean(body, 'liveMode') ?? false;
  invoice.title = readString(body, 'title') ?? 'INVOICE';
  invoice.businessDetails = { ...invoice.businessDetails, ...asRecord(body['businessDetails']) };
  invoice.contactDetails = { ...invoice.contactDetails, ...contactDetails };
  data.invoices.set(invoice._id, invoice);
  runtime.store.indexRecord(invoice._id, locationId);
  emitEvent(runtime, locationId, buildInvoicePayload('InvoiceCreate', invoice));
  return ok(toInvoiceJson(invoice));
}

function touch(invoice: Invoice, nowMs: number): void {
  invoice.updatedAt = toIso(nowMs);
}

function sendInvoice(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  if (!readString(body, 'userId')) problems.push('userId should not be empty');
  const action = readString(body, 'action');
  if (!action || !SEND_ACTIONS.includes(action)) problems.push(`action must be one of the following values: ${SEND_ACTIONS.join(', ')}`);
  if (readBoolean(body, 'liveMode') === undefined) problems.push('liveMode must be a boolean value');
  if (problems.length > 0) failValidation(problems);
  const { invoice } = findInvoice(runtime, context, 'body');
  if (invoice.status === 'void') fail(400, 'Invoice is void and can not be sent');
  if (invoice.status === 'draft') invoice.status = 'sent';
  touch(invoice, context.nowMs);
  emitEvent(runtime, invoice.altId, buildInvoicePayload('InvoiceSent', invoice));
  return ok({ invoice: toInvoiceJson(invoice), smsData: {}, emailData: {} });
}

function voidInvoice(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { invoice } = findInvoice(runtime, context, 'body');
  if (invoice.status === 'paid' || invoice.status === 'partially_paid') fail(400, 'Invoice with payments can not be voided');
  invoice.status = 'void';
  touch(invoice, context.nowMs);
  emitEvent(runtime, invoice.altId, buildInvoicePayload('InvoiceVoid', invoice));
  return ok(toInvoiceJson(invoice));
}

function recordPayment(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const mode = readString(body, 'mode');
  if (!mode || !PAYMENT_MODES.includes(mode)) failValidation([`mode must be one of the following values: ${PAYMENT_MODES.join(', ')}`]);
  const { invoice } = findInvoice(runtime, context, 'body');
  if (invoice.status === 'void') fail(400, 'Invoice is void');
  if (invoice.status === 'paid') fail(400, 'Invoice is already paid');
  const amount = readNumber(body, 'amount') ?? invoice.amountDue;
  if (amount <= 0 || amount > invoice.amountDue) failValidation(['amount must be greater than 0 and at most the amount due']);
  invoice.amountPaid = Math.round((invoice.amountPaid + amount) * 100) / 100;
  invoice.amountDue = Math.round((invoice.total - invoice.amountPaid) * 100) / 100;
  invoice.status = invoice.amountDue <= 0 ? 'paid' : 'partially_paid';
  touch(invoice, context.nowMs);
  emitEvent(runtime, invoice.altId, buildInvoicePayload(invoice.status === 'paid' ? 'InvoicePaid' : 'InvoicePartiallyPaid', invoice));
  return ok({ success: true, invoice: toInvoiceJson(invoice) });
}

function deleteInvoice(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, invoice } = findInvoice(runtime, context, 'query');
  data.invoices.delete(invoice._id);
  runtime.store.locationIdByRecordId.delete(invoice._id);
  emitEvent(runtime, invoice.altId, buildInvoicePayload('InvoiceDelete', invoice));
  return ok(toInvoiceJson(invoice));
}

export function createInvoiceRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const read = { family: 'invoices', tokenRequirement: 'location', scope: 'invoices.readonly' } as const;
  const write = { family: 'invoices', tokenRequirement: 'location', scope: 'invoices.write' } as const;
  return [
    { method: 'GET', path: '/invoices/', ...read, handle: (context) => listInvoices(runtime, context) },
    { method: 'POST', path: '/invoices/', ...write, handle: (context) => createInvoice(runtime, context) },
    { method: 'GET', path: '/invoices/:invoiceId', ...read, handle: (context) => ok(toInvoiceJson(findInvoice(runtime, context, 'query').invoice)) },
    { method: 'DELETE', path: '/invoices/:invoiceId', ...write, handle: (context) => deleteInvoice(runtime, context) },
    { method: 'POST', path: '/invoices/:invoiceId/send', ...write, handle: (context) => sendInvoice(runtime, context) },
    { method: 'POST', path: '/invoices/:invoiceId/void', ...write, handle: (context) => voidInvoice(runtime, context) },
    { method: 'POST', path: '/invoices/:invoiceId/record-payment', ...write, handle: (context) => recordPayment(runtime, context) },
  ];
}

