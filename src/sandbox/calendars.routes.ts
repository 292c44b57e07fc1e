import { asRecord, fail, failValidation, ok, readBoolean, readString, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { emitEvent, requireLocationAccess, requireRecordLocation, toIso, type SandboxRuntime } from './sandbox-runtime.js';
import type { Calendar, CalendarEvent, LocationData } from './sandbox-store.js';
import { buildAppointmentPayload } from './webhook-payloads.js';

const APPOINTMENT_STATUSES = ['new', 'confirmed', 'cancelled', 'showed', 'noshow', 'invalid'];
const DAY_MS = 86_400_000;
const MAX_FREE_SLOT_RANGE_DAYS = 31;

function toCalendarJson(calendar: Calendar): Record<string, unknown> {
  return { ...calendar, notifications: [], locationConfigurations: [], availabilities: [] };
}

function toEventJson(event: CalendarEvent): Record<string, unknown> {
  return {
    id: event.id,
    address: event.address,
    title: event.title,
    calendarId: event.calendarId,
    locationId: event.locationId,
    contactId: event.contactId,
    groupId: event.groupId,
    appointmentStatus: event.appointmentStatus,
    assignedUserId: event.assignedUserId,
    users: event.users,
    notes: event.notes,
    description: event.description,
    isRecurring: false,
    startTime: event.startTime,
    endTime: event.endTime,
    dateAdded: event.dateAdded,
    dateUpdated: event.dateUpdated,
    assignedResources: [],
    createdBy: { source: 'third_party' },
  };
}

/** Appointment create/update answer a flat object, unlike GET which wraps it in `event`. */
function toAppointmentJson(event: CalendarEvent): Record<string, unknown> {
  return {
    id: event.id,
    calendarId: event.calendarId,
    locationId: event.locationId,
    contactId: event.contactId,
    startTime: event.startTime,
    endTime: event.endTime,
    title: event.title,
    meetingLocationType: event.meetingLocationType,
    appointmentStatus: event.appointmentStatus,
    assignedUserId: event.assignedUserId,
    address: event.address,
    isRecurring: false,
    rrule: '',
  };
}

function parseTime(value: string | undefined, field: string): number {
  if (value === undefined) failValidation([`${field} should not be empty`]);
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(ms)) failValidation([`${field} must be a valid ISO 8601 date string`]);
  return ms;
}

function listWindow(runtime: SandboxRuntime, context: RequestContext, isBlockSlot: boolean): ApiResult {
  const query = context.query;
  const problems: string[] = [];
  const startTime = query.get('startTime');
  const endTime = query.get('endTime');
  if (!query.get('locationId')) problems.push('locationId should not be empty');
  if (!startTime) problems.push('startTime should not be empty');
  if (!endTime) problems.push('endTime should not be empty');
  const calendarId = query.get('calendarId');
  const userId = query.get('userId');
  const groupId = query.get('groupId');
  if (!calendarId && !userId && !groupId) problems.push('Either calendarId, userId or groupId is required');
  if (problems.length > 0) failValidation(problems);
  const { data } = requireLocationAccess(runtime, context, query.get('locationId') ?? undefined);
  // Window bounds are epoch milliseconds sent as strings (ghl-api.md §7.5).
  const startMs = Number(startTime);
  const endMs = Number(endTime);
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) failValidation(['startTime and endTime must be epoch milliseconds']);
  const events = [...data.events.values()]
    .filter(
      (event) =>
        event.isBlockSlot === isBlockSlot &&
        event.endMs > startMs &&
        event.startMs < endMs &&
        (!calendarId || event.calendarId === calendarId) &&
        (!userId || event.assignedUserId === userId || event.users.includes(userId)) &&
        (!groupId || event.groupId === groupId),
    )
    .sort((a, b) => a.startMs - b.startMs)
    .map(toEventJson);
  return ok({ events });
}

function findCalendar(runtime: SandboxRuntime, context: RequestContext, calendarId: string): { data: LocationData; calendar: Calendar } {
  const { data } = requireRecordLocation(runtime, context, calendarId, 'Calendar');
  const calendar = data.calendars.get(calendarId);
  if (!calendar) fail(404, 'Calendar not found');
  return { data, calendar };
}

function findEvent(runtime: SandboxRuntime, context: RequestContext): { data: LocationData; event: CalendarEvent } {
  const eventId = context.params['eventId'] ?? '';
  const { data } = requireRecordLocation(runtime, context, eventId, 'Event');
  const event = data.events.get(eventId);
  if (!event) fail(404, 'Event not found');
  return { data, event };
}

function hasConflict(data: LocationData, calendarId: string, startMs: number, endMs: number, ignoreId: string | undefined): boolean {
  for (const event of data.events.values()) {
    if (event.id === ignoreId || event.calendarId !== calendarId || event.appointmentStatus === 'cancelled') continue;
    if (event.startMs < endMs && event.endMs > startMs) return true;
  }
  return false;
}

function createAppointment(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  for (const field of ['calendarId', 'locationId', 'contactId', 'startTime'] as const) if (!readString(body, field)) problems.push(`${field} should not be empty`);
  const status = readString(body, 'appointmentStatus');
  if (status !== undefined && !APPOINTMENT_STATUSES.includes(status)) problems.push('appointmentStatus must be a valid enum value');
  if (problems.length > 0) failValidation(problems);
  const { location, data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const calendar = data.calendars.get(readString(body, 'calendarId') ?? '');
  if (!calendar) fail(400, 'Calendar not found');
  const contact = data.contacts.get(readString(body, 'contactId') ?? '');
  if (!contact) fail(400, 'Contact not found');
  const startMs = parseTime(readString(body, 'startTime'), 'startTime');
  const endText = readString(body, 'endTime');
  const endMs = endText ? parseTime(endText, 'endTime') : startMs + calendar.slotDuration * 60_000;
  if (endMs <= startMs) failValidation(['endTime must be after startTime']);
  if (readBoolean(body, 'ignoreFreeSlotValidation') !== true && hasConflict(data, calendar.id, startMs, endMs, undefined)) {
    fail(400, 'The slot you have selected is no longer available.');
  }
  const assignedUserId = readString(body, 'assignedUserId') ?? calendar.teamMembers[0]?.userId ?? '';
  const nowIso = toIso(context.nowMs);
  const event: CalendarEvent = {
    id: runtime.random.createGhlId(),
    calendarId: calendar.id,
    locationId: location.id,
    contactId: contact.id,
    groupId: calendar.groupId,
    title: readString(body, 'title') ?? `${calendar.name}: ${contact.name}`,
    address: readString(body, 'address') ?? '',
    appointmentStatus: status ?? 'confirmed',
    assignedUserId,
    users: assignedUserId ? [assignedUserId] : [],
    notes: '',
    description: readString(body, 'description') ?? '',
    meetingLocationType: readString(body, 'meetingLocationType') ?? 'custom',
    startTime: toIso(startMs),
    endTime: toIso(endMs),
    dateAdded: nowIso,
    dateUpdated: nowIso,
    isBlockSlot: false,
    startMs,
    endMs,
  };
  data.events.set(event.id, event);
  runtime.store.indexRecord(event.id, location.id);
  emitEvent(runtime, location.id, buildAppointmentPayload('AppointmentCreate', event));
  return ok(toAppointmentJson(event));
}

function updateAppointment(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, event } = findEvent(runtime, context);
  if (event.isBlockSlot) fail(404, 'Appointment not found');
  const body = asRecord(context.body);
  const status = readString(body, 'appointmentStatus');
  if (status !== undefined && !APPOINTMENT_STATUSES.includes(status)) failValidation(['appointmentStatus must be a valid enum value']);
  const calendarId = readString(body, 'calendarId');
  if (calendarId !== undefined && !data.calendars.has(calendarId)) fail(400, 'Calendar not found');
  const startText = readString(body, 'startTime');
  const endText = readString(body, 'endTime');
  const startMs = startText ? parseTime(startText, 'startTime') : event.startMs;
  const endMs = endText ? parseTime(endText, 'endTime') : startText ? startMs + (event.endMs - event.startMs) : event.endMs;
  if (endMs <= startMs) failValidation(['endTime must be after startTime']);
  const isMoving = startMs !== event.startMs || endMs !== event.endMs || (calendarId !== undefined && calendarId !== event.calendarId);
  if (isMoving && readBoolean(body, 'ignoreFreeSlotValidation') !== true && hasConflict(data, calendarId ?? event.calendarId, startMs, endMs, event.id)) {
    fail(400, 'The slot you have selected is no longer available.');
  }
  for (const field of ['title', 'address', 'description', 'meetingLocationType', 'assignedUserId'] as const) {
    const value = readString(body, field);
    if (value !== undefined) event[field] = value;
  }
  if (status !== undefined) event.appointmentStatus = status;
  if (calendarId !== undefined) event.calendarId = calendarId;
  if (readString(body, 'assignedUserId') !== undefined) event.users = [event.assignedUserId];
  event.startMs = startMs;
  event.endMs = endMs;
  event.startTime = toIso(startMs);
  event.endTime = toIso(endMs);
  event.dateUpdated = toIso(context.nowMs);
  emitEvent(runtime, event.locationId, buildAppointmentPayload('AppointmentUpdate', event));
  return ok(toAppointmentJson(event));
}

function deleteEvent(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, event } = findEvent(runtime, context);
  data.events.delete(event.id);
  runtime.store.locationIdByRecordId.delete(event.id);
  if (!event.isBlockSlot) emitEvent(runtime, event.locationId, buildAppointmentPayload('AppointmentDelete', event));
  // The spec declares 201 for this DELETE, and the correctly spelled `succeeded`.
  return ok({ succeeded: true }, 201);
}

function createBlockSlot(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  for (const field of ['calendarId', 'locationId', 'startTime', 'endTime'] as const) if (!readString(body, field)) problems.push(`${field} should not be empty`);
  if (problems.length > 0) failValidation(problems);
  const { location, data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const calendar = data.calendars.get(readString(body, 'calendarId') ?? '');
  if (!calendar) fail(400, 'Calendar not found');
  const startMs = parseTime(readString(body, 'startTime'), 'startTime');
  const endMs = parseTime(readString(body, 'endTime'), 'endTime');
  if (endMs <= startMs) failValidation(['endTime must be after startTime']);
  const nowIso = toIso(context.nowMs);
  const event: CalendarEvent = {
    id: runtime.random.createGhlId(),
    calendarId: calendar.id,
    locationId: location.id,
    contactId: '',
    groupId: calendar.groupId,
    title: readString(body, 'title') ?? 'Blocked',
    address: '',
    appointmentStatus: 'confirmed',
    assignedUserId: readString(body, 'assignedUserId') ?? '',
    users: [],
    notes: '',
    description: '',
    meetingLocationType: 'custom',
    startTime: toIso(startMs),
    endTime: toIso(endMs),
    dateAdded: nowIso,
    dateUpdated: nowIso,
    isBlockSlot: true,
    startMs,
    endMs,
  };
  data.events.set(event.id, event);
  runtime.store.indexRecord(event.id, location.id);
  return ok({ id: event.id, locationId: location.id, title: event.title, startTime: event.startTime, endTime: event.endTime, calendarId: calendar.id, assignedUserId: event.assignedUserId }, 201);
}

function readOffsetMinutes(timeZone: string, atMs: number): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(atMs)).find((item) => item.type === 'timeZoneName');
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part?.value ?? '');
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

function formatWithOffset(ms: number, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}:${String(absolute % 60).padStart(2, '0')}`;
}

function listFreeSlots(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, calendar } = findCalendar(runtime, context, context.params['calendarId'] ?? '');
  const startDate = Number(context.query.get('startDate'));
  const endDate = Number(context.query.get('endDate'));
  if (!Number.isFinite(startDate) || !Number.isFinite(endDate) || !context.query.get('startDate') || !context.query.get('endDate')) {
    failValidation(['startDate must be a number', 'endDate must be a number']);
  }
  if (endDate - startDate > MAX_FREE_SLOT_RANGE_DAYS * DAY_MS) failValidation([`Date range can not be more than ${MAX_FREE_SLOT_RANGE_DAYS} days`]);
  const timeZone = context.query.get('timezone') ?? runtime.store.locations.get(calendar.locationId)?.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    failValidation(['timezone must be a valid IANA time zone']);
  }
  const userId = context.query.get('userId');
  const result: Record<string, unknown> = {};
  const slotMs = calendar.slotDuration * 60_000;
  const intervalMs = calendar.slotInterval * 60_000;
  for (let dayStartMs = Math.floor(startDate / DAY_MS) * DAY_MS; dayStartMs <= endDate; dayStartMs += DAY_MS) {
    const offsetMinutes = readOffsetMinutes(timeZone, dayStartMs + DAY_MS / 2);
    const localMidnightMs = dayStartMs - offsetMinutes * 60_000;
    const weekday = new Date(dayStartMs).getUTCDay();
    const slots: string[] = [];
    for (const rule of calendar.openHours) {
      if (!rule.daysOfTheWeek.includes(weekday)) continue;
      for (const hours of rule.hours) {
        const openMs = localMidnightMs + (hours.openHour * 60 + hours.openMinute) * 60_000;
        const closeMs = localMidnightMs + (hours.closeHour * 60 + hours.closeMinute) * 60_000;
        for (let slotStartMs = openMs; slotStartMs + slotMs <= closeMs; slotStartMs += intervalMs) {
          if (slotStartMs < startDate || slotStartMs > endDate) continue;
          if (hasConflict(data, calendar.id, slotStartMs, slotStartMs + slotMs, undefined)) continue;
          if (userId && !calendar.teamMembers.some((member) => member.userId === userId)) continue;
          slots.push(formatWithOffset(slotStartMs, offsetMinutes));
        }
      }
    }
    if (slots.length > 0) result[new Date(dayStartMs).toISOString().slice(0, 10)] = { slots };
  }
  return ok(result);
}

export function createCalendarRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const family = 'calendars';
  const tokenRequirement = 'location';
  return [
    {
      method: 'GET', path: '/calendars/', family, tokenRequirement, scope: 'calendars.readonly',
      handle: (context) => {
        const { data } = requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined);
        const groupId = context.query.get('groupId');
        return ok({ calendars: [...data.calendars.values()].filter((calendar) => !groupId || calendar.groupId === groupId).map(toCalendarJson) });
      },
    },
    {
      // The sandbox generates no calendar groups (every calendar has groupId ''), so the list is empty.
      method: 'GET', path: '/calendars/groups', family, tokenRequirement, scope: 'calendars/groups.readonly',
      handle: (context) => {
        requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined);
        return ok({ groups: [] });
      },
    },
    { method: 'GET', path: '/calendars/events', family, tokenRequirement, scope: 'calendars/events.readonly', handle: (context) => listWindow(runtime, context, false) },
    { method: 'GET', path: '/calendars/blocked-slots', family, tokenRequirement, scope: 'calendars/events.readonly', handle: (context) => listWindow(runtime, context, true) },
    { method: 'POST', path: '/calendars/events/appointments', family, tokenRequirement, scope: 'calendars/events.write', handle: (context) => createAppointment(runtime, context) },
    {
      method: 'GET', path: '/calendars/events/appointments/:eventId', family, tokenRequirement, scope: 'calendars/events.readonly',
      handle: (context) => {
        const { event } = findEvent(runtime, context);
        if (event.isBlockSlot) fail(404, 'Appointment not found');
        return ok({ event: toEventJson(event) });
      },
    },
    { method: 'PUT', path: '/calendars/events/appointments/:eventId', family, tokenRequirement, scope: 'calendars/events.write', handle: (context) => updateAppointment(runtime, context) },
    { method: 'DELETE', path: '/calendars/events/:eventId', family, tokenRequirement, scope: 'calendars/events.write', handle: (context) => deleteEvent(runtime, context) },
    { method: 'POST', path: '/calendars/events/block-slots', family, tokenRequirement, scope: 'calendars/events.write', handle: (context) => createBlockSlot(runtime, context) },
    { method: 'GET', path: '/calendars/:calendarId/free-slots', family, tokenRequirement, scope: 'calendars.readonly', handle: (context) => listFreeSlots(runtime, context) },
    {
      method: 'GET', path: '/calendars/:calendarId', family, tokenRequirement, scope: 'calendars.readonly',
      handle: (context) => ok({ calendar: toCalendarJson(findCalendar(runtime, context, context.params['calendarId'] ?? '').calendar) }),
    },
  ];
}
