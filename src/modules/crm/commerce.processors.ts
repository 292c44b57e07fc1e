import { z } from 'zod';
import type { WebhookProcessor } from '../webhooks/index.js';
import { createEntityProcessor, type CrmProcessorDeps, type EntityMapping } from './entity-processor.js';
import type { EntityTable } from './entity-versions.repo.js';
import { anyValue, optionalAmount, optionalBoolean, optionalNumber, optionalText, optionalTextish, parseGhlTime, requiredId } from './ghl-payload.js';
import { findCents } from './money.js';

// Invoice, product and price examples carry no event `type` (and Price's `type` is the price type):
// nothing here reads `type` to decide what to do; the registry's event type does.

/** Invoices name their location as altId + altType "location" instead of locationId. */
function locationFromAlt(payload: { locationId?: string | undefined; altId?: string | undefined; altType?: string | undefined }): string | undefined {
  if (payload.locationId) return payload.locationId;
  return payload.altType === undefined || payload.altType === 'location' ? payload.altId : undefined;
}

const invoicePayload = z.looseObject({
  _id: requiredId,
  altId: optionalText,
  altType: optionalText,
  locationId: optionalText,
  status: optionalText,
  liveMode: optionalBoolean,
  name: optionalText,
  title: optionalText,
  invoiceNumber: optionalTextish,
  currency: optionalText,
  total: optionalAmount,
  amountPaid: optionalAmount,
  amountDue: optionalAmount,
  totalSummary: z.looseObject({ subTotal: optionalAmount, discount: optionalAmount }).optional().catch(undefined),
  contactDetails: z.looseObject({ id: optionalText, name: optionalText, email: optionalText }).optional().catch(undefined),
  issueDate: optionalText,
  dueDate: optionalText,
  createdAt: anyValue,
  updatedAt: anyValue,
});
type InvoicePayload = z.infer<typeof invoicePayload>;

const invoicesTable: EntityTable<
  | 'invoice_number'
  | 'name'
  | 'title'
  | 'status'
  | 'currency'
  | 'total_cents'
  | 'subtotal_cents'
  | 'discount_cents'
  | 'amount_paid_cents'
  | 'amount_due_cents'
  | 'contact_ghl_id'
  | 'contact_name'
  | 'contact_email'
  | 'issue_date'
  | 'due_date'
  | 'is_live_mode'
  | 'ghl_created_at'
> = {
  name: 'invoices',
  idPrefix: 'inv',
  scope: 'location',
  columns: {
    invoice_number: { type: 'text' },
    name: { type: 'text' },
    title: { type: 'text' },
    status: { type: 'text' },
    currency: { type: 'text' },
    total_cents: { type: 'bigint' },
    subtotal_cents: { type: 'bigint' },
    discount_cents: { type: 'bigint' },
    amount_paid_cents: { type: 'bigint' },
    amount_due_cents: { type: 'bigint' },
    contact_ghl_id: { type: 'text' },
    contact_name: { type: 'text' },
    contact_email: { type: 'text' },
    issue_date: { type: 'date' },
    due_date: { type: 'date' },
    is_live_mode: { type: 'boolean' },
    ghl_created_at: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

const invoiceMapping: EntityMapping<InvoicePayload, keyof typeof invoicesTable.columns> = {
  table: invoicesTable,
  schema: invoicePayload,
  ghlIdOf: (payload) => payload._id,
  ghlLocationIdOf: locationFromAlt,
  changeTimesOf: (payload) => [payload.updatedAt],
  valuesOf: (payload) => ({
    invoice_number: payload.invoiceNumber ?? null,
    name: payload.name ?? null,
    title: payload.title ?? null,
    status: payload.status ?? null,
    currency: payload.currency ?? null,
    total_cents: findCents(payload.total),
    subtotal_cents: findCents(payload.totalSummary?.subTotal),
    discount_cents: findCents(payload.totalSummary?.discount),
    amount_paid_cents: findCents(payload.amountPaid),
    amount_due_cents: findCents(payload.amountDue),
    contact_ghl_id: payload.contactDetails?.id ?? null,
    contact_name: payload.contactDetails?.name ?? null,
    contact_email: payload.contactDetails?.email ?? null,
    issue_date: payload.issueDate ?? null,
    due_date: payload.dueDate ?? null,
    is_live_mode: payload.liveMode ?? null,
    ghl_created_at: parseGhlTime(payload.createdAt) ?? null,
  }),
};

const orderPayload = z.looseObject({
  _id: requiredId,
  locationId: optionalText,
  altId: optionalText,
  altType: optionalText,
  status: optionalText,
  fulfillmentStatus: optionalText,
  currency: optionalText,
  amount: optionalAmount,
  amountSummary: z
    .looseObject({ subtotal: optionalAmount, discount: optionalAmount, tax: optionalAmount, shipping: optionalAmount })
    .optional()
    .catch(undefined),
  contactId: optionalText,
  liveMode: optionalBoolean,
  source: z.looseObject({ type: optionalText, name: optionalText }).optional().catch(undefined),
  createdAt: anyValue,
  updatedAt: anyValue,
});
type OrderPayload = z.infer<typeof orderPayload>;

const ordersTable: EntityTable<
  | 'status'
  | 'fulfillment_status'
  | 'currency'
  | 'amount_cents'
  | 'subtotal_cents'
  | 'discount_cents'
  | 'tax_cents'
  | 'shipping_cents'
  | 'contact_ghl_id'
  | 'source_type'
  | 'source_name'
  | 'is_live_mode'
  | 'ghl_created_at'
> = {
  name: 'orders',
  idPrefix: 'ord',
  scope: 'location',
  columns: {
    status: { type: 'text' },
    fulfillment_status: { type: 'text' },
    currency: { type: 'text' },
    amount_cents: { type: 'bigint' },
    subtotal_cents: { type: 'bigint' },
    discount_cents: { type: 'bigint' },
    tax_cents: { type: 'bigint' },
    shipping_cents: { type: 'bigint' },
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    source_type: { type: 'text' },
    source_name: { type: 'text' },
    is_live_mode: { type: 'boolean' },
    ghl_created_at: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

const orderMapping: EntityMapping<OrderPayload, keyof typeof ordersTable.columns> = {
  table: ordersTable,
  schema: orderPayload,
  ghlIdOf: (payload) => payload._id,
  ghlLocationIdOf: locationFromAlt,
  changeTimesOf: (payload) => [payload.updatedAt],
  valuesOf: (payload) => ({
    status: payload.status ?? null,
    fulfillment_status: payload.fulfillmentStatus ?? null,
    currency: payload.currency ?? null,
    amount_cents: findCents(payload.amount),
    subtotal_cents: findCents(payload.amountSummary?.subtotal),
    discount_cents: findCents(payload.amountSummary?.discount),
    tax_cents: findCents(payload.amountSummary?.tax),
    shipping_cents: findCents(payload.amountSummary?.shipping),
    contact_ghl_id: payload.contactId ?? null,
    source_type: payload.source?.type ?? null,
    source_name: payload.source?.name ?? null,
    is_live_mode: payload.liveMode ?? null,
    ghl_created_at: parseGhlTime(payload.createdAt) ?? null,
  }),
};

const productPayload = z.looseObject({
  _id: requiredId,
  locationId: optionalText,
  name: optionalText,
  description: optionalText,
  productType: optionalText,
  availableInStore: optionalBoolean,
  image: optionalText,
  statementDescriptor: optionalText,
  createdAt: anyValue,
  updatedAt: anyValue,
});
type ProductPayload = z.infer<typeof productPayload>;

const productsTable: EntityTable<'name' | 'description' | 'product_type' | 'is_available_in_store' | 'image_url' | 'statement_descriptor' | 'ghl_created_at'> = {
  name: 'products',
  idPrefix: 'prd',
  scope: 'location',
  columns: {
    name: { type: 'text' },
    description: { type: 'text' },
    product_type: { type: 'text' },
    is_available_in_store: { type: 'boolean' },
    image_url: { type: 'text' },
    statement_descriptor: { type: 'text' },
    ghl_created_at: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

const productMapping: EntityMapping<ProductPayload, keyof typeof productsTable.columns> = {
  table: productsTable,
  schema: productPayload,
  ghlIdOf: (payload) => payload._id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.updatedAt],
  valuesOf: (payload) => ({
    name: payload.name ?? null,
    description: payload.description ?? null,
    product_type: payload.productType ?? null,
    is_available_in_store: payload.availableInStore ?? null,
    image_url: payload.image ?? null,
    statement_descriptor: payload.statementDescriptor ?? null,
    ghl_created_at: parseGhlTime(payload.createdAt) ?? null,
  }),
};

const PRICE_TYPES = new Set(['one_time', 'recurring']);

const pricePayload = z.looseObject({
  _id: requiredId,
  locationId: optionalText,
  product: optionalText,
  name: optionalText,
  priceType: optionalText,
  type: optionalText,
  currency: optionalText,
  amount: optionalAmount,
  compareAtPrice: optionalAmount,
  recurring: z.looseObject({ interval: optionalText, intervalCount: optionalNumber }).nullable().optional().catch(undefined),
  availableQuantity: optionalNumber,
  createdAt: anyValue,
  updatedAt: anyValue,
});
type PricePayload = z.infer<typeof pricePayload>;

const pricesTable: EntityTable<
  'product_ghl_id' | 'name' | 'price_type' | 'currency' | 'amount_cents' | 'compare_at_price_cents' | 'recurring_interval' | 'recurring_interval_count' | 'available_quantity' | 'ghl_created_at'
> = {
  name: 'prices',
  idPrefix: 'prc',
  scope: 'location',
  columns: {
    product_ghl_id: { type: 'text', merge: 'keep-when-null' },
    name: { type: 'text' },
    price_type: { type: 'text' },
    currency: { type: 'text' },
    amount_cents: { type: 'bigint' },
    compare_at_price_cents: { type: 'bigint' },
    recurring_interval: { type: 'text' },
    recurring_interval_count: { type: 'integer' },
    available_quantity: { type: 'integer' },
    ghl_created_at: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

const priceMapping: EntityMapping<PricePayload, keyof typeof pricesTable.columns> = {
  table: pricesTable,
  schema: pricePayload,
  ghlIdOf: (payload) => payload._id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.updatedAt],
  valuesOf: (payload) => ({
    product_ghl_id: payload.product ?? null,
    name: payload.name ?? null,
    // PriceCreate's example names it priceType, PriceUpdate/Delete's name it `type`, which in a real
    // delivery may instead be the event name; accept `type` only when it is a price type.
    price_type: payload.priceType ?? (payload.type !== undefined && PRICE_TYPES.has(payload.type) ? payload.type : null),
    currency: payload.currency ?? null,
    amount_cents: findCents(payload.amount),
    compare_at_price_cents: findCents(payload.compareAtPrice),
    recurring_interval: payload.recurring?.interval ?? null,
    recurring_interval_count: payload.recurring?.intervalCount ?? null,
    available_quantity: payload.availableQuantity ?? null,
    ghl_created_at: parseGhlTime(payload.createdAt) ?? null,
  }),
};

export function createCommerceProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  const upsertInvoice = createEntityProcessor(invoiceMapping, 'upsert', deps);
  const upsertOrder = createEntityProcessor(orderMapping, 'upsert', deps);
  const upsertProduct = createEntityProcessor(productMapping, 'upsert', deps);
  const upsertPrice = createEntityProcessor(priceMapping, 'upsert', deps);
  return {
    InvoiceCreate: upsertInvoice,
    InvoiceUpdate: upsertInvoice,
    InvoiceSent: upsertInvoice,
    InvoicePaid: upsertInvoice,
    InvoicePartiallyPaid: upsertInvoice,
    InvoiceVoid: upsertInvoice,
    InvoiceDelete: createEntityProcessor(invoiceMapping, 'delete', deps),
    OrderCreate: upsertOrder,
    OrderStatusUpdate: upsertOrder,
    ProductCreate: upsertProduct,
    ProductUpdate: upsertProduct,
    ProductDelete: createEntityProcessor(productMapping, 'delete', deps),
    PriceCreate: upsertPrice,
    PriceUpdate: upsertPrice,
    PriceDelete: createEntityProcessor(priceMapping, 'delete', deps),
  };
}
