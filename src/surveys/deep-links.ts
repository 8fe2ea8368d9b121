import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { currentQuestion, keywordReply, message, promptsFor } from '../dialogs/index.js';
import type { PromptVars } from '../dialogs/types.js';
import type { Wording } from '../dialogs/index.js';
import { businessWording } from '../content/wording.js';
import { deepLinkChannels } from '../domain/channel-facts.js';
import type { ChannelName, Inbound, Outbound } from '../domain/channels.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { cleanText, freeText } from '../domain/text.js';
import { parseInput, ValidationError } from '../errors.js';
import type { BusinessSettings, CustomerRecord, InvitationRecord, Store, SurveyRecord } from '../store/index.js';
import { sessionOf, type Conversations } from './conversations.js';
import type { StartSurveyInput, SurveyStarter } from './start-survey.js';
import { localeSchema } from '../dialogs/languages.js';

/*
 * Deep-link tokens, as Telegram carries them from `https://t.me/<bot>?start=<token>` to `/start <token>`
 * (1-64 characters of A-Z a-z 0-9 _ -). A token names the business and what to ask:
 *   <business>            the business's public link: an NPS survey for whoever opens it
 *   <business>-<kind>     the same for csat or ces (printed on a receipt, a QR code at the till)
 *   <business>-i<secret>  a one-time invitation made by the API or a staff member for one customer
 * Business ids have no '-', so the first '-' splits the token.
 */

export type StartToken =
  | { type: 'business'; businessId: string; kind?: SurveyKind }
  | { type: 'invitation'; businessId: string; secret: string };

const tokenPattern = /^[A-Za-z0-9_-]{1,64}$/;
const businessIdPattern = /^[A-Za-z0-9_]{1,32}$/;
/** 16 random bytes in base64url. */
const secretPattern = /^[A-Za-z0-9_-]{22}$/;

export function parseStartToken(token: string): StartToken | undefined {
  if (!tokenPattern.test(token)) return undefined;
  const dash = token.indexOf('-');
  const businessId = dash < 0 ? token : token.slice(0, dash);
  if (!businessIdPattern.test(businessId)) return undefined;
  if (dash < 0) return { type: 'business', businessId };
  const rest = token.slice(dash + 1);
  if ((surveyKinds as readonly string[]).includes(rest)) return { type: 'business', businessId, kind: rest as SurveyKind };
  if (rest.startsWith('i') && secretPattern.test(rest.slice(1))) return { type: 'invitation', businessId, secret: rest.slice(1) };
  return undefined;
}

export function businessToken(businessId: string, kind?: SurveyKind): string {
  if (!businessIdPattern.test(businessId)) throw new Error(`business id ${businessId} cannot be put in a deep link`);
  return kind && kind !== 'nps' ? `${businessId}-${kind}` : businessId;
}

/** The stored id of an invitation: a hash, so the database alone cannot make working links. */
export const invitationId = (secret: string): string => createHash('sha256').update(`invitation:${secret}`).digest('hex');

export const invitationInput = z.object({
  kind: z.enum(surveyKinds),
  channel: z.enum(deepLinkChannels, { error: `deep links exist for ${deepLinkChannels.join(', ')} only` }).default(deepLinkChannels[0]),
  name: freeText(100).optional(),
  locale: localeSchema.optional(),
  context: freeText(200).optional(),
  tags: z.array(freeText(50)).max(20).optional(),
  /** An existing customer (any channel) the link is for: their name, language and tags are used, and the chat joins them. */
  customerId: z.string().regex(/^[a-f0-9]{24}$/i, 'a customer id (24 hex characters)').optional(),
  expiresInDays: z.number().int().min(1).max(90).default(14),
});
export type InvitationInput = z.input<typeof invitationInput>;

export interface CreatedInvitation {
  token: string;
  kind: SurveyKind;
  channel: ChannelName;
  expiresAt: Date;
}

/** Making deep-link invitations, and what happens when someone opens one. */
export class DeepLinks {
  constructor(
    private readonly store: Store,
    private readonly business: BusinessSettings,
    private readonly starter: SurveyStarter,
    private readonly conversations: Conversations,
    private readonly now: () => Date,
  ) {}

  /** The business's public link token for `kind`. */
  businessToken(kind?: SurveyKind): string {
    return businessToken(this.business.id, kind);
  }

  /** A one-time invitation; the token is shown once and only its hash is stored. */
  async createInvitation(raw: InvitationInput, createdBy: string): Promise<CreatedInvitation> {
    const { expiresInDays, ...input } = parseInput(invitationInput, raw, 'input');
    if (input.customerId) {
      const customer = await this.store.customers.byId(input.customerId, this.business.id);
      if (!customer) throw new ValidationError(`customerId: no customer ${input.customerId}`);
      input.name ??= customer.name;
      input.locale ??= customer.locale;
      input.tags ??= customer.tags.length ? customer.tags : undefined;
    }
    const secret = randomBytes(16).toString('base64url');
    const expiresAt = new Date(this.now().getTime() + expiresInDays * 86_400_000);
    await this.store.invitations.create({ id: invitationId(secret), businessId: this.business.id, ...input, createdBy, expiresAt });
    return { token: `${businessToken(this.business.id)}-i${secret}`, kind: input.kind, channel: input.channel, expiresAt };
  }

  /**
   * `/start <token>`: link this chat to the business and start the survey the token names, right
   * away (the person is here now). Returns the replies; the question itself goes out as the
   * survey's invitation.
   */
  async open(inbound: Inbound, token: string): Promise<Outbound[]> {
    const { channel, address } = inbound;
    const customer = await this.store.customers.find({ businessId: this.business.id, channel, address });
    const parsed = parseStartToken(token);
    const ours = parsed?.businessId === this.business.id ? parsed : undefined;
    const invitation = ours?.type === 'invitation' ? await this.redeem(inbound, ours.secret) : undefined;
    const p = promptsFor(customer?.locale ?? invitation?.locale ?? this.business.locale);
    const vars: PromptVars = { business: this.business.name };
    const invalid = [message(p, p.linkInvalid(vars))];
    if (!ours || (ours.type === 'invitation' && !invitation)) return invalid;

    if (invitation?.customerId) await this.join(inbound, invitation.customerId);
    // Opening a survey link and pressing Start is asking for the survey: it ends an earlier opt-out.
    if (customer?.optedOutAt) await this.conversations.setOptOut(this.business.id, channel, address, undefined);
    // Already being asked something here: ask it again rather than start a second survey.
    const open = await this.store.surveys.open(this.business.id, channel, address);
    if (open) return askAgain(open, await businessWording(this.store, open.businessId));
    // An invitation whose survey is over was used: it does not start another.
    if (invitation?.usedAt) return invalid;

    // The name the chat shows, cleaned and cut as an API name would be: one of control characters only is no name.
    const shown = Array.from(cleanText(inbound.displayName ?? '')).slice(0, 100).join('').trim() || undefined;
    const request: Omit<StartSurveyInput, 'channel' | 'address' | 'trigger'> = invitation
      ? { kind: invitation.kind, name: invitation.name ?? shown, locale: invitation.locale, context: invitation.context, tags: invitation.tags }
      : { kind: (ours.type === 'business' ? ours.kind : undefined) ?? 'nps', name: shown };
    const result = await this.starter.start({ ...request, channel, address, trigger: 'link' });
    if (invitation && (result.status === 'sent' || result.status === 'queued')) await this.store.invitations.markUsed(invitation.id, this.now(), result.surveyId);
    switch (result.status) {
      case 'sent':
      case 'queued':
        return [];
      case 'throttled':
        return [message(p, p.recentlyAnswered(vars))];
      case 'opted_out':
        return [keywordReply('help', p.locale, vars)];
      case 'already_open': {
        // Another message from this chat started one a moment ago.
        const started = await this.store.surveys.open(this.business.id, channel, address);
        return started ? askAgain(started, await businessWording(this.store, started.businessId)) : [];
      }
    }
  }

  /**
   * The invitation behind `secret` if this chat may use it: live, for this channel, and redeemed by
   * this chat (one chat among simultaneous openers wins; the same chat may open it again and gets
   * its question back).
   */
  private async redeem(inbound: Inbound, secret: string): Promise<InvitationRecord | undefined> {
    const found = await this.store.invitations.find(invitationId(secret), this.business.id);
    if (!found || found.channel !== inbound.channel || found.expiresAt.getTime() <= this.now().getTime()) return undefined;
    return (await this.store.invitations.redeem(found, `${inbound.channel}:${inbound.address}`)) ? found : undefined;
  }

  /**
   * Make this chat another address of the customer the invitation was for (staff chose them; nothing
   * is guessed). Both carry the person's id, so the throttle finds every address from either one.
   */
  private async join(inbound: Inbound, customerId: string): Promise<void> {
    const source: CustomerRecord | undefined = await this.store.customers.byId(customerId, this.business.id);
    if (!source || (source.channel === inbound.channel && source.address === inbound.address)) return;
    const personId = source.personId ?? source.id;
    if (!source.personId) await this.store.customers.setPerson(source.id, personId);
    await this.store.customers.upsert({ businessId: this.business.id, channel: inbound.channel, address: inbound.address }, { personId });
  }
}

/** The question an open survey is waiting on, with its buttons tied to the survey. */
function askAgain(survey: SurveyRecord, wording: Wording | undefined): Outbound[] {
  return [{ ...currentQuestion(sessionOf(survey), wording), surveyId: survey.id }];
}
