import { describe, expect, it } from 'vitest';
import { bigintIdSchema, isoDateTimeSchema } from './input-schemas.js';
import { findInvalidText } from './input-text.js';

describe('findInvalidText', () => {
  it('finds NUL and unpaired surrogates anywhere, keys included, and names where', () => {
    expect(findInvalidText({ a: [{ b: 'x\u0000' }] }, '/body')).toEqual({ path: '/body/a/0/b', message: expect.stringContaining('NUL') });
    expect(findInvalidText({ name: 'lone \ud800 high' }, '/body')?.path).toBe('/body/name');
    expect(findInvalidText({ name: 'lone \udc00 low' }, '/body')?.path).toBe('/body/name');
    expect(findInvalidText({ 'k\u0000': 1 }, '/body')).toEqual({ path: '/body/k\\u0000', message: expect.stringContaining('property name') });
  });

  it('accepts ordinary text, emoji (paired surrogates) and raw bodies', () => {
    expect(findInvalidText({ name: 'Grace 💥 Hopper', tags: ['ü', '中文'], n: 1, ok: true, none: null }, '/body')).toBeUndefined();
    expect(findInvalidText(Buffer.from([0, 0xff]), '/body')).toBeUndefined();
  });
});

describe('isoDateTimeSchema', () => {
  it('refuses instants PostgreSQL cannot hold, including ones an offset moves into year 0', () => {
    expect(isoDateTimeSchema.safeParse('0000-01-01T00:00:00Z').success).toBe(false);
    expect(isoDateTimeSchema.safeParse('0001-01-01T00:30:00+01:00').success).toBe(false);
    expect(isoDateTimeSchema.safeParse('9999-12-31T23:59:59-01:00').success).toBe(false);
    expect(isoDateTimeSchema.safeParse('0001-01-01T00:00:00Z').success).toBe(true);
    expect(isoDateTimeSchema.safeParse('9999-12-31T23:59:59.999Z').success).toBe(true);
    expect(isoDateTimeSchema.safeParse('2026-02-29T00:00:00Z').success).toBe(false);
  });
});

describe('bigintIdSchema', () => {
  it('accepts decimal ids up to 2^63 - 1 only', () => {
    expect(bigintIdSchema.safeParse('9223372036854775807').success).toBe(true);
    expect(bigintIdSchema.safeParse('9223372036854775808').success).toBe(false);
    expect(bigintIdSchema.safeParse('9999999999999999999').success).toBe(false);
    expect(bigintIdSchema.safeParse('12x').success).toBe(false);
    expect(bigintIdSchema.safeParse('').success).toBe(false);
  });
});
