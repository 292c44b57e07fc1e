import { z } from 'zod';
import type { WebhookProcessor } from '../webhooks/index.js';
import { createEntityProcessor, type CrmProcessorDeps, type EntityMapping } from './entity-processor.js';
import type { EntityTable } from './entity-versions.repo.js';
import { anyValue, optionalText, parseGhlTime, requiredId } from './ghl-payload.js';

// The entity is nested under `appointment`; the location is at the top level.
const appointmentPayload = z.looseObject({
  locationId: optionalText,
  appointment: z.looseObject({
    id: requiredId,
    locationId: optionalText,
    calendarId: optionalText,
    contactId: optionalText,
    groupId: optionalText,
    title: optionalText,
    appointmentStatus: optionalText,
    assignedUserId: optionalText,
    address: optionalText,
    notes: optionalText,
    source: optionalText,
    startTime: anyValue,
    endTime: anyValue,
    dateAdded: anyValue,
    dateUpdated: anyValue,
  }),
});
type AppointmentPayload = z.infer<typeof appointmentPayload>;

export const appointmentsTable: EntityTable<
  'calendar_id' | 'contact_ghl_id' | 'group_id' | 'title' | 'status' | 'assigned_user_id' | 'address' | 'notes' | 'source' | 'start_time' | 'end_time' | 'date_added'
> = {
  name: 'appointments',
  idPrefix: 'ap',
  scope: 'location',
  writeThrough: true,
  columns: {
    calendar_id: { type: 'text' },
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    group_id: { type: 'text' },
    title: { type: 'text' },
    status: { type: 'text' },
    assigned_user_id: { type: 'text' },
    address: { type: 'text' },
    notes: { type: 'text' },
    source: { type: 'text' },
    start_time: { type: 'timestamptz' },
    end_time: { type: 'timestamptz' },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

export const appointmentMapping: EntityMapping<AppointmentPayload, keyof typeof appointmentsTable.columns> = {
  table: appointmentsTable,
  schema: appointmentPayload,
  ghlIdOf: (payload) => payload.appointment.id,
  ghlLocationIdOf: (payload) => payload.locationId ?? payload.appointment.locationId,
  changeTimesOf: (payload) => [payload.appointment.dateUpdated],
  valuesOf: ({ appointment }) => ({
    calendar_id: appointment.calendarId ?? null,
    contact_ghl_id: appointment.contactId ?? null,
    group_id: appointment.groupId ?? null,
    title: appointment.title ?? null,
    status: appointment.appointmentStatus ?? null,
    assigned_user_id: appointment.assignedUserId ?? null,
    address: appointment.address ?? null,
    notes: appointment.notes ?? null,
    source: appointment.source ?? null,
    start_time: parseGhlTime(appointment.startTime) ?? null,
    end_time: parseGhlTime(appointment.endTime) ?? null,
    date_added: parseGhlTime(appointment.dateAdded) ?? null,
  }),
};

export function createAppointmentProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  // The docs' AppointmentUpdate/AppointmentDelete examples say `type: "AppointmentCreate"`. Create and
  // update share one idempotent, stale-safe upsert, so an update labelled as a create lands correctly;
  // a delete labelled as a create cannot be told apart and is applied as a version (the reconciliation
  // sync repairs it).
  const upsert = createEntityProcessor(appointmentMapping, 'upsert', deps);
  return {
    AppointmentCreate: upsert,
    AppointmentUpdate: upsert,
    AppointmentDelete: createEntityProcessor(appointmentMapping, 'delete', deps),
  };
}
