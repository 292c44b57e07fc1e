/*
 * Timestamps come back from the drivers in two shapes: Date (pg, the query builder) or text (PGlite
 * through `execute`). These read either; anything unreadable is null.
 */

export function readTimestamp(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

export function timestampToIso(value: unknown): string | null {
  return readTimestamp(value)?.toISOString() ?? null;
}
