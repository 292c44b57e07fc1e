import type { ContactListKey } from './crm-read.repo.js';

/*
 * The cursor of the contact list (`after` / `nextCursor`): where the next page starts in one sort and
 * order — the last row's sort value (UTC, microseconds, as the repo reads it) and its id. Offsets walk
 * the index from the start; a cursor seeks to its place, so page 20,000 costs what page 1 costs.
 * The cursor is opaque to clients (base64url of JSON) and checked strictly here: a forged one either
 * decodes to a valid place in the list or is refused, never reaches SQL as a value it cannot cast.
 */

export type ContactSort = 'dateAdded' | 'updatedAt';
export type SortOrder = 'asc' | 'desc';

interface CursorBody {
  s: ContactSort;
  o: SortOrder;
  v: string | null;
  i: string;
}

const UTC_MICROS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{6}Z$/;
const MAX_ID_LENGTH = 100;

export function encodeContactCursor(sort: ContactSort, order: SortOrder, key: ContactListKey): string {
  const body: CursorBody = { s: sort, o: order, v: key.value, i: key.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** The key a cursor names, if it is one of ours for this sort and order; undefined otherwise. */
export function decodeContactCursor(cursor: string, sort: ContactSort, order: SortOrder): ContactListKey | undefined {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { s, o, v, i } = body as Partial<Record<keyof CursorBody, unknown>>;
  if (s !== sort || o !== order) return undefined;
  if (typeof i !== 'string' || i.length === 0 || i.length > MAX_ID_LENGTH) return undefined;
  if (v === null) return { value: null, id: i };
  if (typeof v !== 'string' || !isUtcInstant(v)) return undefined;
  return { value: v, id: i };
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` naming a real instant (no 30 February, no hour 24). */
function isUtcInstant(text: string): boolean {
  const parts = UTC_MICROS.exec(text);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [number, number, number, number, number, number];
  if (year < 1) return false;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // (Date.UTC would read years below 100 as 19xx)
  date.setUTCHours(hour, minute, second, 0);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
}
