import type { Executor } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withVisibleLocation, type CrmWriteDeps } from './crm-read.deps.js';
import { findAppointment } from './crm-read.repo.js';
import type { AppointmentView } from './crm-read.schemas.js';
import { findCalendarGhlId, findLinkableContact, findRecordId } from './crm-write.repo.js';
import type { CreateAppointmentInput, UpdateAppointmentInput } from './crm-write.schemas.js';
import { toAppointmentView } from './list-appointments.js';
import { applyLocalDelete, applyLocalEdit, enqueuePush, insertLocalRecord, lockWriteThroughRow } from './write-through.repo.js';

type WriteError = 'not_found' | 'not_linked' | 'unknown_contact' | 'unknown_calendar' | 'invalid_window';

async function readAppointment(tx: Executor, locationId: string, id: string): Promise<AppointmentView> {
  const row = await findAppointment(tx, locationId, id, true);
  if (!row) throw new Error(`appointment ${id} vanished after its write`);
  return toAppointmentView(row);
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

export async function createAppointment(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateAppointmentInput): Promise<Result<AppointmentView, WriteError>> {
  const start = new Date(input.startTime);
  const end = input.endTime === undefined ? undefined : new Date(input.endTime);
  if (end && end.getTime() <= start.getTime()) return fail('invalid_window', 'endTime must be after startTime');
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<AppointmentView, WriteError>> => {
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const contact = await findLinkableContact(tx, locationId, input.contactId);
    if (!contact) return fail('unknown_contact', `Contact ${input.contactId} does not exist in this location`);
    const calendarGhlId = await findCalendarGhlId(tx, locationId, input.calendarId);
    if (!calendarGhlId) return fail('unknown_calendar', `Calendar ${input.calendarId} does not exist in this location`);
    const values: Record<string, unknown> = {
      calendar_id: calendarGhlId,
      contact_ghl_id: contact.ghlId,
      title: input.title,
      status: input.status,
      assigned_user_id: input.assignedUserId,
      address: input.address,
      start_time: start,
      end_time: end,
    };
    const id = deps.generateId('ap');
    await insertLocalRecord(tx, 'appointments', { id, companyId: location.companyId, locationId, contactId: contact.id, values, at: deps.clock.now() });
    await enqueuePush(tx, 'appointments', { id, companyId: location.companyId, locationId, contactId: contact.id });
    return succeed(await readAppointment(tx, locationId, id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}

export async function updateAppointment(
  deps: CrmWriteDeps,
  principal: Principal,
  locationId: string,
  appointmentId: string,
  input: UpdateAppointmentInput,
): Promise<Result<AppointmentView, WriteError>> {
  let isPushEnqueued = false;
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<AppointmentView, WriteError>> => {
    const id = await findRecordId(tx, 'appointments', locationId, appointmentId);
    const row = id ? await lockWriteThroughRow(tx, 'appointments', { id }) : undefined;
    if (!row) return fail('not_found', 'Appointment not found');
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const calendarGhlId = input.calendarId === undefined ? undefined : await findCalendarGhlId(tx, locationId, input.calendarId);
    if (input.calendarId !== undefined && !calendarGhlId) return fail('unknown_calendar', `Calendar ${input.calendarId} does not exist in this location`);
    const start = input.startTime === undefined ? toDate(row.values['start_time']) : new Date(input.startTime);
    const currentEnd = toDate(row.values['end_time']);
    const currentStart = toDate(row.values['start_time']);
    // Moving the start alone keeps the duration, as GHL does.
    const end =
      input.endTime !== undefined
        ? new Date(input.endTime)
        : input.startTime !== undefined && start && currentStart && currentEnd
          ? new Date(start.getTime() + (currentEnd.getTime() - currentStart.getTime()))
          : currentEnd;
    if (start && end && end.getTime() <= start.getTime()) return fail('invalid_window', 'endTime must be after startTime');
    const values: Record<string, unknown> = {
      calendar_id: calendarGhlId,
      title: input.title,
      status: input.status,
      assigned_user_id: input.assignedUserId,
      address: input.address,
      start_time: input.startTime === undefined ? undefined : start,
      end_time: input.startTime === undefined && input.endTime === undefined ? undefined : end,
    };
    const changed = await applyLocalEdit(tx, 'appointments', row, values, deps.clock.now());
    if (changed.length > 0) {
      await enqueuePush(tx, 'appointments', row);
      isPushEnqueued = true;
    }
    return succeed(await readAppointment(tx, locationId, row.id));
  });
  if (isPushEnqueued) deps.onPushEnqueued?.();
  return result;
}

export async function deleteAppointment(deps: CrmWriteDeps, principal: Principal, locationId: string, appointmentId: string): Promise<Result<AppointmentView, 'not_found'>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx): Promise<Result<AppointmentView, 'not_found'>> => {
    const id = await findRecordId(tx, 'appointments', locationId, appointmentId);
    const row = id ? await lockWriteThroughRow(tx, 'appointments', { id }) : undefined;
    if (!row) return fail('not_found', 'Appointment not found');
    await applyLocalDelete(tx, 'appointments', row, deps.clock.now());
    await enqueuePush(tx, 'appointments', row);
    return succeed(await readAppointment(tx, locationId, row.id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}
