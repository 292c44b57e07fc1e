import { describe, expect, it } from 'vitest';
import { InvalidAmountError, findCents, toCents } from './money.js';

describe('toCents', () => {
  it('converts decimals exactly where float arithmetic drifts', () => {
    expect(Math.round(1.005 * 100)).toBe(100);
    expect(toCents(1.005)).toBe(101);
    expect(toCents('1.005')).toBe(101);
    expect(toCents(1.015)).toBe(102);
    expect(toCents(8.675)).toBe(868);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(toCents(150.1)).toBe(15010);
    expect(toCents(12.1)).toBe(1210);
    expect(toCents(19.99)).toBe(1999);
    expect(toCents(40)).toBe(4000);
    expect(toCents(0)).toBe(0);
    expect(toCents(-0)).toBe(0);
  });

  it('rounds half away from zero, including negative amounts (refunds, discounts)', () => {
    expect(toCents('0.004')).toBe(0);
    expect(toCents('0.005')).toBe(1);
    expect(toCents('-0.005')).toBe(-1);
    expect(toCents(-2.675)).toBe(-268);
    expect(toCents('-12.10')).toBe(-1210);
  });

  it('accepts strings with surrounding space, leading dot, trailing dot and exponents', () => {
    expect(toCents(' 7.5 ')).toBe(750);
    expect(toCents('.5')).toBe(50);
    expect(toCents('5.')).toBe(500);
    expect(toCents(1e13)).toBe(1e15);
    expect(() => toCents(1e21)).toThrow(InvalidAmountError);
    expect(toCents(1.5e-7)).toBe(0);
    expect(toCents('2.5E1')).toBe(2500);
    expect(toCents(123456789012.34)).toBe(12345678901234);
  });

  it('rejects what is not an amount', () => {
    for (const input of ['', 'abc', '1,5', '1.2.3', '--1', 'NaN']) expect(() => toCents(input)).toThrow(InvalidAmountError);
    expect(() => toCents(Number.POSITIVE_INFINITY)).toThrow(InvalidAmountError);
    expect(() => toCents(Number.NaN)).toThrow(InvalidAmountError);
    expect(() => toCents('1e300')).toThrow(InvalidAmountError);
  });

  it('findCents maps missing or bad payload amounts to null', () => {
    expect(findCents(undefined)).toBeNull();
    expect(findCents(null)).toBeNull();
    expect(findCents('')).toBeNull();
    expect(findCents('n/a')).toBeNull();
    expect(findCents({ amount: 1 })).toBeNull();
    expect(findCents('999')).toBe(99900);
  });
});
