import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { findCalendar } from './crm-read.repo.js';
import type { FreeSlotsView } from './crm-read.schemas.js';

/** GHL refuses longer ranges on free-slots. */
export const MAX_FREE_SLOTS_RANGE_DAYS = 31;

export type GetFreeSlotsCode = 'not_found' | 'invalid_window' | 'invalid_timezone' | 'ghl_not_configured' | 'not_linked' | 'ghl_unavailable';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** GHL answers `{ "<YYYY-MM-DD>": { slots: [...] }, traceId }`; keys without a slots array are not days. */
function readDays(data: unknown): FreeSlotsView['days'] {
  if (typeof data !== 'object' || data === null) return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([key]) => /^\d{4}-\d{2}-\d{2}$/.test(key))
    .flatMap(([date, value]) => {
      const slots = typeof value === 'object' && value !== null ? (value as { slots?: unknown }).slots : undefined;
      return Array.isArray(slots) ? [{ date, slots: slots.filter((slot): slot is string => typeof slot === 'string') }] : [];
    })
    .sort((left, right) => left.date.localeCompare(right.date));
}

/**
 * Free slots are not mirrored (they change with every booking anywhere), so they are read live from
 * GHL. The calendar must be one of the location's synced calendars: that is what keeps the call in
 * the caller's tenant.
 */
export async function getFreeSlots(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  calendarId: string,
  input: { from: string; to: string; timezone?: string | undefined },
): Promise<Result<FreeSlotsView, GetFreeSlotsCode>> {
  const startDateMs = new Date(input.from).getTime();
  const endDateMs = new Date(input.to).getTime();
  if (startDateMs >= endDateMs) return fail('invalid_window', '`from` must be before `to`');
  if (endDateMs - startDateMs > MAX_FREE_SLOTS_RANGE_DAYS * 86_400_000) return fail('invalid_window', `The window may span at most ${MAX_FREE_SLOTS_RANGE_DAYS} days`);
  if (input.timezone !== undefined && !isTimeZone(input.timezone)) return fail('invalid_timezone', `Unknown time zone: ${input.timezone}`);
  const found = await withVisibleLocation(deps, principal, locationId, async (tx, location) => {
    const calendar = await findCalendar(tx, locationId, calendarId);
    return calendar ? succeed({ calendar, ghlLocationId: location.ghlLocationId }) : fail('not_found', 'Calendar not found');
  });
  if (!found.ok) return found;
  const ghl = deps.ghl;
  if (!ghl) return fail('ghl_not_configured', 'GHL is not configured on this server');
  const { calendar, ghlLocationId } = found.value;
  if (!ghlLocationId) return fail('not_linked', 'The location is not linked to a GHL location');
  let answer: Awaited<ReturnType<typeof ghl.getFreeSlots>>;
  try {
    answer = await ghl.getFreeSlots(ghlLocationId, calendar.ghlId, { startDateMs, endDateMs, timezone: input.timezone });
  } catch (error) {
    // Token trouble (re-auth needed, app uninstalled) and network failures surface here.
    return fail('ghl_unavailable', `GHL could not be asked: ${error instanceof Error ? error.name : 'error'}`);
  }
  if (!answer.ok) return fail('ghl_unavailable', `GHL answered ${answer.error.status}: ${answer.error.message}`.slice(0, 300), { ghlStatus: answer.error.status, ghlCode: answer.error.code });
  return succeed({ calendarId: calendar.id, ghlCalendarId: calendar.ghlId, days: readDays(answer.data) });
}
