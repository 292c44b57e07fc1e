import { readTimestamp } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed } from '../../platform/result/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { findAppointment } from './crm-read.repo.js';
import type { AppointmentView } from './crm-read.schemas.js';
import { findCalendarGhlId, findLinkableContact } from './crm-write.repo.js';
import type { CreateAppointmentInput, UpdateAppointmentInput } from './crm-write.schemas.js';
import { toAppointmentView } from './list-appointments.js';
import { changeRecord, createRecord, deleteRecord, type RecordSpec } from './write-record.js';

const appointmentRecord: RecordSpec<AppointmentView> = {
  entity: 'appointments',
  label: 'Appointment',
  async read(tx, locationId, id) {
    const row = await findAppointment(tx, locationId, id, true);
    if (!row) throw new Error(`appointment ${id} vanished after its write`);
    return toAppointmentView(row);
  },
};

export async function createAppointment(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateAppointmentInput) {
  const start = new Date(input.startTime);
  const end = input.endTime === undefined ? undefined : new Date(input.endTime);
  if (end && end.getTime() <= start.getTime()) return fail('invalid_window', 'endTime must be after startTime');
  return createRecord(deps, principal, locationId, appointmentRecord, async (tx) => {
    const contact = await findLinkableContact(tx, locationId, input.contactId);
    if (!contact) return fail('unknown_contact', `Contact ${input.contactId} does not exist in this location`);
    const calendarGhlId = await findCalendarGhlId(tx, locationId, input.calendarId);
    if (!calendarGhlId) return fail('unknown_calendar', `Calendar ${input.calendarId} does not exist in this location`);
    const values = {
      calendar_id: calendarGhlId,
      contact_ghl_id: contact.ghlId,
      title: input.title,
      status: input.status,
      assigned_user_id: input.assignedUserId,
      address: input.address,
      start_time: start,
      // Without an end GHL applies the calendar's slot duration; its answer fills it in.
      end_time: end,
    };
    return succeed({ values, contactId: contact.id });
  });
}

export async function updateAppointment(deps: CrmWriteDeps, principal: Principal, locationId: string, appointmentId: string, input: UpdateAppointmentInput) {
  return changeRecord(deps, principal, locationId, appointmentId, appointmentRecord, async (tx, row) => {
    const calendarGhlId = input.calendarId === undefined ? undefined : await findCalendarGhlId(tx, locationId, input.calendarId);
    if (input.calendarId !== undefined && !calendarGhlId) return fail('unknown_calendar', `Calendar ${input.calendarId} does not exist in this location`);
    const currentStart = readTimestamp(row.values['start_time']);
    const currentEnd = readTimestamp(row.values['end_time']);
    const start = input.startTime === undefined ? currentStart : new Date(input.startTime);
    // Moving the start alone keeps the duration, as GHL does.
    const end =
      input.endTime !== undefined
        ? new Date(input.endTime)
        : input.startTime !== undefined && start && currentStart && currentEnd
          ? new Date(start.getTime() + (currentEnd.getTime() - currentStart.getTime()))
          : currentEnd;
    if (start && end && end.getTime() <= start.getTime()) return fail('invalid_window', 'endTime must be after startTime');
    return succeed({
      calendar_id: calendarGhlId,
      title: input.title,
      status: input.status,
      assigned_user_id: input.assignedUserId,
      address: input.address,
      start_time: input.startTime === undefined ? undefined : start,
      end_time: input.startTime === undefined && input.endTime === undefined ? undefined : end,
    });
  });
}

export async function deleteAppointment(deps: CrmWriteDeps, principal: Principal, locationId: string, appointmentId: string) {
  return deleteRecord(deps, principal, locationId, appointmentId, appointmentRecord);
}
