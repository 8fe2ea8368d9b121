import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ChannelName } from '../channels/channel.js';
import { ValidationError } from '../errors.js';

/** Phone numbers to E.164 (with the business's country for national numbers); other addresses as given. */
export function normalizeAddress(channel: ChannelName, address: string, defaultCountry: string): string {
  const trimmed = address.trim();
  if (channel !== 'sms') return trimmed;
  const phone = parsePhoneNumberFromString(trimmed, defaultCountry as CountryCode);
  if (!phone?.isValid()) {
    throw new ValidationError(`"${trimmed}" is not a valid phone number; use international format such as +15551234567`);
  }
  return phone.number;
}
