import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number in E.164 (+15551234567), or null when it cannot be one. "Possible" (right length
 * for the country) rather than "valid" (a range in today's metadata): Twilio already reached the
 * number, and numbering plans change faster than the metadata.
 */
export function toE164(raw: string, defaultCountry: string): string | null {
  const phone = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  return phone?.isPossible() ? phone.number : null;
}
