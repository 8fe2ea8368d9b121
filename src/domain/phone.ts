import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * A phone number in E.164 (+14155552671), or null when it cannot be one. National numbers take the
 * business's country. A number someone typed must be valid (a range in use, per the metadata), which
 * catches typos; a number the provider already reached (`reached`, Twilio's `From`) need only be
 * possible (the right length), since numbering plans change faster than the metadata.
 */
export function normalizePhone(raw: string, defaultCountry: string, options: { reached?: boolean } = {}): string | null {
  const phone = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  if (!phone) return null;
  return (options.reached ? phone.isPossible() : phone.isValid()) ? phone.number : null;
}
