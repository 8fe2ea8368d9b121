import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { channelAddress, channelFacts, deepLinkChannels } from '../domain/channel-facts.js';
import { channelNames, type ChannelName } from '../domain/channels.js';
import { localeSchema } from '../dialogs/languages.js';
import type { SurveyKind } from '../domain/surveys.js';
import { freeText } from '../domain/text.js';
import { ConflictError } from '../errors.js';
import type { InvitationInput } from '../surveys/deep-links.js';
import { normalizeAddress } from '../surveys/start-survey.js';
import type { StaffService } from '../staff/staff-service.js';
import type { BusinessApiServices } from './business-api-services.js';

export const staffBody = z.object({
  channel: z.enum(channelNames),
  address: z.string().trim().min(1),
  role: z.enum(['owner', 'staff']).default('staff'),
  name: freeText(100).optional(),
  locale: localeSchema.optional().describe("The language the person reads alerts, the digest and command answers in; without one, the business's"),
});

/** A staff member's own language; `null` goes back to the business's. */
export const staffLocaleBody = z.strictObject({
  locale: localeSchema.nullable().describe("The language the person reads alerts, the digest and command answers in; null: the business's"),
});

/** The channel's deep-link maker, or a 409 saying how to enable it. */
function linker(services: BusinessApiServices, channel: ChannelName) {
  const deepLink = services.channels.get(channel)?.deepLink;
  if (!deepLink) throw new ConflictError(`${channel} is not enabled: give the business its ${channelFacts[channel].label} identity`);
  return deepLink;
}

/** A one-time link for one customer whose chat is not known yet; the token is shown only here. */
export async function createInvitation(app: FastifyInstance, services: BusinessApiServices, input: InvitationInput & { channel: ChannelName }) {
  const deepLink = linker(services, input.channel);
  const invitation = await services.links.createInvitation(input, 'api');
  return { ...invitation, link: await deepLink(invitation.token) };
}

/** The business's public link (receipts, a QR code at the till): a survey for whoever opens it. */
export async function businessLink(app: FastifyInstance, services: BusinessApiServices, kind: SurveyKind) {
  const token = services.links.businessToken(kind);
  const [channel] = deepLinkChannels;
  return { channel, kind, token, link: await linker(services, channel)(token) };
}

/** Give a channel address a role in the business; `added` says whether it was new. */
export async function addStaff(services: BusinessApiServices, body: z.output<typeof staffBody>, by: string) {
  const address = normalizeAddress(body.channel, body.address, services.business.country);
  const result = await services.staff.add({ channel: body.channel, address }, body.role, body.name, by);
  if (body.locale) await services.staff.setLocale({ channel: body.channel, address }, body.locale);
  return result;
}

/** Set the language of the person behind an address (every address of theirs); false when no one has access there. */
export async function setStaffLocale(staff: StaffService, country: string, who: { channel: ChannelName; address: string }, locale: z.output<typeof staffLocaleBody>['locale']) {
  const address = staffAddress(who, country);
  return address !== null && staff.setLocale({ channel: who.channel, address }, locale);
}

/** A staff address named in a path, as stored; null when it cannot be an address at all, so no one has access there (404). */
function staffAddress(who: { channel: ChannelName; address: string }, country: string): string | null {
  const found = channelAddress(who.channel, who.address, country);
  return 'problem' in found ? null : found.address;
}

/** Take a person's access away (by one of their addresses); the last owner stays. */
export async function removeStaff(staff: StaffService, country: string, who: { channel: ChannelName; address: string }, by: string) {
  const address = staffAddress(who, country);
  return address === null ? ('unknown' as const) : staff.remove({ channel: who.channel, address }, by);
}
