import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** A number as a person typed it → E.164 (`+14155550123`), or undefined when it is not a valid number. */
export function normalizePhoneNumber(input: string, defaultCountry?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry ? (defaultCountry.toUpperCase() as CountryCode) : undefined);
  if (!parsed || !parsed.isValid()) return undefined;
  return parsed.number;
}
