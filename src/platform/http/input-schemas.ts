import { z } from 'zod';

/*
 * Shared request refinements: values that pass a plain zod check but that PostgreSQL refuses, which
 * would surface as a 500 from deep inside a query. Schemas use these instead of the bare zod types.
 */

// Years 1–9999 (UTC): JavaScript's ISO form of anything outside is `0000-…` or `+010000-…`, which
// PostgreSQL refuses, and an offset can move a year-0001 local time into year 0.
const EARLIEST_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

export function isStorableInstant(value: string): boolean {
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS;
}

/** An ISO 8601 date-time with offset whose instant lies in years 0001–9999 UTC. */
export const isoDateTimeSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableInstant, { message: 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z' });

const BIGINT_MAX = 9_223_372_036_854_775_807n;

/** A non-negative bigint id in decimal (`bigserial` columns), at most 2^63 − 1. */
export const bigintIdSchema = z
  .string()
  .regex(/^[0-9]{1,19}$/, 'must be a decimal id')
  // Refinements run even when the regex failed, so this one must not assume digits.
  .refine((value) => !/^[0-9]{1,19}$/.test(value) || BigInt(value) <= BIGINT_MAX, { message: `must be at most ${BIGINT_MAX}` });
