/**
 * Quiet hours in the recipient's time zone: a window [start, end) in minutes after local midnight,
 * possibly crossing midnight (22:00–07:00). A message due inside it waits for its end.
 */
export interface QuietHours {
  timeZone: string;
  startMinute: number;
  endMinute: number;
}

function localMinuteOf(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(instant);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? '0');
  const minute = Number(parts.find((part) => part.type === 'minute')?.value ?? '0');
  return hour * 60 + minute;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function isInside(minute: number, quiet: QuietHours): boolean {
  if (quiet.startMinute === quiet.endMinute) return false;
  return quiet.startMinute < quiet.endMinute ? minute >= quiet.startMinute && minute < quiet.endMinute : minute >= quiet.startMinute || minute < quiet.endMinute;
}

/**
 * When a message due at `now` may go: undefined = now; otherwise the first minute after the window
 * (found by stepping through local minutes, so DST changes inside the window are handled by the zone data).
 */
export function findQuietHoursEnd(now: Date, quiet: QuietHours): Date | undefined {
  if (!isInside(localMinuteOf(now, quiet.timeZone), quiet)) return undefined;
  // Start at the next whole minute and walk forward; a window is at most 24 h, so 1441 steps bound it.
  let probe = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 60_000);
  for (let step = 0; step <= 1441; step += 1) {
    if (!isInside(localMinuteOf(probe, quiet.timeZone), quiet)) return probe;
    probe = new Date(probe.getTime() + 60_000);
  }
  return undefined;
}

/** `HH:MM` → minutes after midnight. */
export function parseClockTime(value: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

export function formatClockTime(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}
