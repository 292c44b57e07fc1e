/**
 * Converts a decimal amount in major units (GHL sends `40`, `150.1`, `"12.10"`) to integer cents
 * exactly. Binary floating point cannot hold most decimals, so `Math.round(x * 100)` turns 1.005 into
 * 100; we work on the decimal digits instead (a number's shortest round-trip string is the value GHL
 * serialised) and round half away from zero with integer arithmetic.
 *
 * Every currency is scaled by 100 because the columns are `*_cents`; zero-decimal currencies (JPY)
 * therefore store 100 × their amount, which stays exact and reversible.
 */
export function toCents(amount: number | string): number {
  const text = typeof amount === 'number' ? numberToDecimalText(amount) : amount.trim();
  const match = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || ((match[2] ?? '') === '' && (match[3] ?? '') === '')) throw new InvalidAmountError(String(amount));
  const isNegative = match[1] === '-';
  const integerDigits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  const exponent = Number(match[4] ?? '0') + 2;
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) throw new InvalidAmountError(String(amount));
  // digits × 10^(exponent - fractionDigits.length) is the amount in cents.
  const digits = BigInt(`${integerDigits}${fractionDigits}` || '0');
  const shift = exponent - fractionDigits.length;
  let cents: bigint;
  if (shift >= 0) {
    cents = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    const quotient = digits / divisor;
    const remainder = digits % divisor;
    cents = remainder * 2n >= divisor ? quotient + 1n : quotient;
  }
  const signed = isNegative ? -cents : cents;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) throw new InvalidAmountError(String(amount));
  return signed === 0n ? 0 : Number(signed);
}

/** Lenient variant for webhook payloads: absent or unparseable amounts become null instead of failing the event. */
export function findCents(amount: unknown): number | null {
  if (typeof amount !== 'number' && typeof amount !== 'string') return null;
  if (typeof amount === 'string' && amount.trim() === '') return null;
  try {
    return toCents(amount);
  } catch (error) {
    if (error instanceof InvalidAmountError) return null;
    throw error;
  }
}

export class InvalidAmountError extends Error {
  constructor(readonly input: string) {
    super(`not a decimal amount: ${input}`);
    this.name = 'InvalidAmountError';
  }
}

function numberToDecimalText(value: number): string {
  if (!Number.isFinite(value)) throw new InvalidAmountError(String(value));
  return String(value);
}
