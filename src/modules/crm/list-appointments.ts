import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { apiNamesOf, APPOINTMENT_FIELDS } from './crm-write.fields.js';
import { toSyncStateView } from './write-through.js';
import { toIso, toSourceTime, withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { findAppointment, selectAppointments, selectCalendars, type AppointmentRow, type CalendarRow, type PageInput } from './crm-read.repo.js';
import type { AppointmentView, CalendarView, CustomFieldView, Page } from './crm-read.schemas.js';
import { selectCustomFields } from './crm-write.repo.js';

const APPOINTMENT_FIELDS_NAMES = apiNamesOf(APPOINTMENT_FIELDS);

export function toAppointmentView(row: AppointmentRow): AppointmentView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    calendarId: row.calendarId,
    contactGhlId: row.contactGhlId,
    title: row.title,
    status: row.status,
    assignedUserId: row.assignedUserId,
    address: row.address,
    notes: row.notes,
    source: row.source,
    startTime: toIso(row.startTime),
    endTime: toIso(row.endTime),
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toSourceTime(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
    sync: toSyncStateView(row, APPOINTMENT_FIELDS_NAMES),
  };
}

export function toCalendarView(row: CalendarRow): CalendarView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    name: row.name,
    calendarType: row.calendarType,
    isActive: row.isActive,
    groupId: row.groupId,
    sourceUpdatedAt: toIso(row.sourceUpdatedAt),
  };
}

export type ListAppointmentsInput = PageInput & { from?: string | undefined; to?: string | undefined; calendarId?: string | undefined; status?: string | undefined; contactId?: string | undefined; q?: string | undefined };

export async function listAppointments(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  input: ListAppointmentsInput,
): Promise<Result<Page<AppointmentView>, 'not_found' | 'invalid_window'>> {
  const from = input.from === undefined ? undefined : new Date(input.from);
  const to = input.to === undefined ? undefined : new Date(input.to);
  if (from && to && from.getTime() > to.getTime()) return fail('invalid_window', '`from` must not be after `to`');
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const { rows, total } = await selectAppointments(tx, locationId, { ...input, from, to });
    return succeed({ items: rows.map(toAppointmentView), total, limit: input.limit, offset: input.offset });
  });
}

export async function getAppointment(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  appointmentId: string,
  input: { includeDeleted: boolean },
): Promise<Result<AppointmentView, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const row = await findAppointment(tx, locationId, appointmentId, input.includeDeleted);
    return row ? succeed(toAppointmentView(row)) : fail('not_found', 'Appointment not found');
  });
}

export async function listCalendars(deps: CrmReadDeps, principal: Principal, locationId: string): Promise<Result<{ items: CalendarView[] }, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => succeed({ items: (await selectCalendars(tx, locationId)).map(toCalendarView) }));
}

/** Custom field definitions of the location (synced from GHL), to name fields in writes. */
export async function listCustomFields(deps: CrmReadDeps, principal: Principal, locationId: string, model: 'contact' | 'opportunity' | undefined): Promise<Result<{ items: CustomFieldView[] }, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => succeed({ items: await selectCustomFields(tx, locationId, model) }));
}
