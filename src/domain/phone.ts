import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number in E.164 (+15551234567), or null when it cannot be one. National numbers take the
 * business's country. "Possible" (right length for the country) rather than "valid" (a range in
 * today's metadata): numbering plans change faster than the metadata, and Twilio has the last word.
 */
export function normalizePhone(raw: string, defaultCountry: string): string | null {
  const phone = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  return phone?.isPossible() ? phone.number : null;
}
