import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { toIso, withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { findInvoice, selectInvoices, type InvoiceRow, type PageInput } from './crm-read.repo.js';
import type { InvoiceView, Page } from './crm-read.schemas.js';

function toInvoiceView(row: InvoiceRow): InvoiceView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    invoiceNumber: row.invoiceNumber,
    name: row.name,
    title: row.title,
    status: row.status,
    currency: row.currency,
    totalCents: row.totalCents,
    subtotalCents: row.subtotalCents,
    discountCents: row.discountCents,
    amountPaidCents: row.amountPaidCents,
    amountDueCents: row.amountDueCents,
    contactGhlId: row.contactGhlId,
    contactName: row.contactName,
    contactEmail: row.contactEmail,
    issueDate: row.issueDate,
    dueDate: row.dueDate,
    isLiveMode: row.isLiveMode,
    createdAt: toIso(row.ghlCreatedAt),
    sourceUpdatedAt: toIso(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
  };
}

/** Newest invoice first. */
export async function listInvoices(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  input: PageInput & { status?: string | undefined; contactId?: string | undefined; q?: string | undefined },
): Promise<Result<Page<InvoiceView>, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const { rows, total } = await selectInvoices(tx, locationId, input);
    return succeed({ items: rows.map(toInvoiceView), total, limit: input.limit, offset: input.offset });
  });
}

export async function getInvoice(deps: CrmReadDeps, principal: Principal, locationId: string, invoiceId: string, input: { includeDeleted: boolean }): Promise<Result<InvoiceView, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const row = await findInvoice(tx, locationId, invoiceId, input.includeDeleted);
    return row ? succeed(toInvoiceView(row)) : fail('not_found', 'Invoice not found');
  });
}
