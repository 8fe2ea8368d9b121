import type { FastifyBaseLogger } from 'fastify';
import { periodStats, renderStats } from '../digest/stats.js';
import { anonymousChannel, deepLinkChannels, phoneChannel } from '../domain/channel-facts.js';
import type { ChannelName, ChannelSender, Inbound, Outbound } from '../domain/channels.js';
import { kindLabel } from '../domain/surveys.js';
import { AppError, parseInput } from '../errors.js';
import { linkUrl } from '../links/printables.js';
import { createLink, linkInput } from '../links/survey-links.js';
import type { BusinessSettings, Store } from '../store/index.js';
import type { DeepLinks } from '../surveys/deep-links.js';
import type { Outbox } from '../surveys/outbox.js';
import { normalizeAddress, type StartSurveyResult, type SurveyStarter } from '../surveys/start-survey.js';
import { usageReply, usages, type Command, type CommandName, type ParseResult } from './parse-command.js';
import type { ReplyThreads } from './reply-threads.js';
import type { StaffMember, StaffService } from './staff-service.js';

export interface CommandDeps {
  store: Store;
  business: BusinessSettings;
  staff: StaffService;
  starter: SurveyStarter;
  links: DeepLinks;
  outbox: Outbox;
  threads: ReplyThreads;
  channels: ReadonlyMap<ChannelName, ChannelSender>;
  /** The digest of the last full week as a message for this channel (with the trend chart where it shows pictures). */
  digest: (channel: ChannelName) => Promise<Outbound>;
  /** A one-time sign-in link to the dashboard for this staff member. */
  dashboardLink: (member: StaffMember) => Promise<string>;
  /** Where this server is reached (survey links are `<publicUrl>/s/<code>`). */
  publicUrl: string;
  now: () => Date;
  log: FastifyBaseLogger;
}

const staffCommands: CommandName[] = ['survey', 'link', 'stats', 'reply', 'end', 'help'];
const descriptions: Record<CommandName, string> = {
  survey: 'send a survey',
  link: 'a one-time Telegram survey link to give a customer (an existing one: their id)',
  qr: 'a survey link with its QR code and posters, for a place, staff member, product or campaign',
  stats: 'scores, response and abandonment rates',
  digest: 'the weekly digest for last week, now',
  dashboard: 'a one-time sign-in link to the web dashboard (15 minutes)',
  reply: "answer a customer's feedback; their answers come back to you",
  end: 'stop forwarding a customer\'s answers to your /reply',
  help: 'this list',
  claim: 'become the owner with the code printed at start',
  staff: 'who has access; give or take it away',
};

/** A staff member's slash word that is no command: say so and point to /help (not the customers' text). */
export function unknownCommandReply(text: string): string {
  const word = (text.trim().split(/\s+/)[0] ?? '').slice(0, 32);
  return `${word} is not a command. Send /help for the list.`;
}

export function helpText(role: StaffMember['role']): string {
  const names = (role === 'owner' ? (Object.keys(usages) as CommandName[]).filter((n) => n !== 'claim') : staffCommands);
  return ['Commands:', ...names.map((n) => `${usages[n]} - ${descriptions[n]}`)].join('\n');
}

/** Who has access and what changed lately, for an owner's chat. */
export function staffOverview({ members, changes }: Awaited<ReturnType<StaffService['overview']>>): string {
  const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
  const lines = ['Owners and staff:', ...members.map((m) => `${m.role}: ${m.identities.map((i) => `${i.channel}:${i.address}`).join(', ')}${m.name ? ` (${m.name})` : ''}`)];
  if (changes.length) lines.push('Latest changes:', ...changes.map((c) => `${day(c.at)} UTC ${c.action} ${c.role} ${c.channel}:${c.address}, by ${c.by}`));
  return lines.join('\n');
}

/** Runs one parsed staff command and says, in one message, what happened. */
export class StaffCommands {
  constructor(private readonly deps: CommandDeps) {}

  /**
   * A staff member's message that reads as a command: its answer, or what is wrong with it, as one
   * message (`/digest` brings the trend chart on channels that show pictures).
   */
  async answer(parsed: Exclude<ParseResult, { type: 'none' }>, member: StaffMember, inbound: Inbound): Promise<Outbound> {
    const answer = await this.outcome(parsed, member, inbound);
    return typeof answer === 'string' ? { text: answer } : answer;
  }

  private async outcome(parsed: Exclude<ParseResult, { type: 'none' }>, member: StaffMember, inbound: Inbound): Promise<string | Outbound> {
    if (parsed.type === 'invalid') return usageReply(parsed.name, parsed.problem);
    const command = parsed.command;
    this.deps.log.info({ channel: inbound.channel, command: command.name }, 'staff command');
    if (member.role !== 'owner' && !staffCommands.includes(command.name) && command.name !== 'claim') {
      return `Only an owner can use /${command.name}.`;
    }
    try {
      switch (command.name) {
        case 'help':
          return helpText(member.role);
        case 'claim':
          return member.role === 'owner' ? 'You are already an owner.' : 'Ask an owner to make you an owner with /staff add.';
        case 'stats':
          return renderStats(await periodStats(this.deps.store, this.deps.business, this.deps.now(), command.days));
        case 'digest':
          return await this.deps.digest(inbound.channel);
        case 'dashboard':
          return `Your dashboard (the link works once, for 15 minutes):\n${await this.deps.dashboardLink(member)}`;
        case 'staff':
          return await this.staffChange(command, `${inbound.channel}:${inbound.address}`);
        case 'survey':
          return await this.survey(command);
        case 'link':
          return await this.link(command, member);
        case 'qr':
          return await this.qr(command);
        case 'reply':
          return await this.reply(command, member, inbound);
        case 'end':
          return (await this.deps.threads.end(command.surveyId))
            ? `Conversation ended (survey ${command.surveyId}): the customer's further messages are no longer forwarded.`
            : `No open conversation on survey ${command.surveyId}.`;
      }
    } catch (err) {
      if (err instanceof AppError && err.expected) return usageReply(command.name, err.message);
      this.deps.log.error({ err, command: command.name }, 'staff command failed');
      return 'Something went wrong on our side; please try again.';
    }
  }

  /** `/staff` (who has access, and the latest changes), `/staff add`, `/staff remove`. */
  private async staffChange(command: Extract<Command, { name: 'staff' }>, by: string): Promise<string> {
    if (command.action === 'list') return staffOverview(await this.deps.staff.overview());
    const address = normalizeAddress(command.channel, command.address, this.deps.business.country);
    const who = `${command.channel}:${address}`;
    if (command.action === 'remove') {
      const result = await this.deps.staff.remove({ channel: command.channel, address }, by);
      if (result === 'unknown') return `${who} has no access.`;
      return result === 'last_owner' ? `${who} is the last owner and stays: add another owner first.` : `Removed ${who}: their commands are refused from now on.`;
    }
    const { added, role } = await this.deps.staff.add({ channel: command.channel, address }, command.role, undefined, by);
    return added ? `Added ${who} as ${role}.` : `${who} is already ${role}.`;
  }

  /** `/claim <code>` from someone who is not staff yet: the first owner. */
  async claim(inbound: Inbound, code: string): Promise<string> {
    const ok = await this.deps.staff.claimOwnership({ channel: inbound.channel, address: inbound.address }, code, inbound.displayName);
    this.deps.log.info({ channel: inbound.channel, ok }, 'owner code tried');
    return ok ? `You are now the owner of ${this.deps.business.name}. Send /help for the commands.` : 'That code is not valid or was already used.';
  }

  private async survey(command: Extract<Command, { name: 'survey' }>): Promise<string> {
    const { store, business, channels } = this.deps;
    let channel: ChannelName;
    let address: string;
    if (command.target.type === 'customer') {
      const customer = await store.customers.byId(command.target.customerId, business.id);
      if (!customer) return usageReply('survey', `no customer with id ${command.target.customerId}: check the id, or write their phone number or channel:address`);
      if (customer.channel === 'external') return usageReply('survey', `customer ${command.target.customerId} is known only from another system's events, with no phone or chat: write their phone number or channel:address`);
      channel = customer.channel;
      address = customer.address;
    } else if (command.target.type === 'phone') {
      channel = phoneChannel;
      address = command.target.phone;
    } else {
      ({ channel, address } = command.target);
    }
    if (!channels.has(channel)) return `The ${channel} channel is not enabled on this server, so the survey was not sent.`;
    const result = await this.deps.starter.start({ kind: command.kind, channel, address, context: command.context, trigger: 'command' });
    return this.describe(command.kind, result);
  }

  private async link(command: Extract<Command, { name: 'link' }>, member: StaffMember): Promise<string> {
    const deepLink = deepLinkChannels.map((name) => this.deps.channels.get(name)?.deepLink).find((link) => link !== undefined);
    if (!deepLink) return `No channel with links (${deepLinkChannels.join(', ')}) is enabled on this server, so there is no link to give.`;
    const invitation = await this.deps.links.createInvitation({ kind: command.kind, customerId: command.customerId, context: command.context }, member.staffId);
    const until = invitation.expiresAt.toISOString().slice(0, 10);
    return `One-time ${kindLabel[command.kind]} survey link for one customer, valid until ${until}:\n${await deepLink(invitation.token)}`;
  }

  /** `/qr`: a survey link (as `POST /api/v1/links` makes it), its QR code and its posters. */
  private async qr({ name: _name, ...input }: Extract<Command, { name: 'qr' }>): Promise<string> {
    // Survey links open the web chat, the channel of anonymous visitors.
    if (!this.deps.channels.has(anonymousChannel)) return 'The web chat is not enabled for this business, and survey links open it: no link was made.';
    const link = await createLink(this.deps.store, this.deps.business.id, parseInput(linkInput, input, 'link'), this.deps.now());
    const url = linkUrl(this.deps.publicUrl, link.code);
    const about = [input.location, input.staff, input.product, input.campaign].filter(Boolean).join(' · ');
    return [`${kindLabel[input.kind]} survey link${about ? ` for ${about}` : ''}:`, url, `QR code: ${url}/qr.png (SVG: ${url}/qr.svg)`, `Posters: ${url}/poster?size=a4 and ${url}/poster?size=a6`, 'Pause or resume it on the dashboard (/dashboard), where its numbers are; end it with the API (PATCH /api/v1/links/<code>).'].join('\n');
  }

  private describe(kind: keyof typeof kindLabel, result: StartSurveyResult): string {
    const label = `${kindLabel[kind]} survey`;
    const tz = this.deps.business.timeZone;
    switch (result.status) {
      case 'sent':
        return `${label} sent (survey ${result.surveyId}).`;
      case 'queued': {
        const when = new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }).format(result.sendAt);
        return `${label} queued until ${when} (${tz}), the start of the send window (survey ${result.surveyId}).`;
      }
      case 'throttled':
        return `Not sent: this customer had a survey recently; throttled until ${result.until.toISOString().slice(0, 10)}.`;
      case 'opted_out':
        return 'Not sent: this customer opted out of surveys.';
      case 'already_open':
        return `Not sent: this customer already has an open survey${result.surveyId ? ` (survey ${result.surveyId})` : ''}.`;
    }
  }

  private async reply(command: Extract<Command, { name: 'reply' }>, member: StaffMember, inbound: Inbound): Promise<string> {
    const result = await this.replyTo(command.surveyId, command.text, member.staffId, { channel: inbound.channel, address: inbound.address });
    return result.status === 'not_found' ? usageReply('reply', result.message) : result.message;
  }

  /**
   * The business's answer to a customer's feedback, through the customer's channel: `/reply` in chat
   * and the dashboard's reply box both come here. The customer's answers then come back to `via`
   * (the chat the reply came from; every owner without one) until `/end` or `replyThreadMs`.
   */
  async replyTo(surveyId: string, text: string, by: string, via?: { channel: ChannelName; address: string }): Promise<{ status: 'sent' | 'queued' | 'refused' | 'not_found'; message: string }> {
    const { store, business, outbox } = this.deps;
    const survey = await store.surveys.byId(surveyId, business.id);
    if (!survey) return { status: 'not_found', message: `no survey with id ${surveyId}: copy the id from the alert` };
    const to = await this.replyAddress(survey);
    const customer = await store.customers.find({ businessId: business.id, ...to });
    if (customer?.optedOutAt) return { status: 'refused', message: 'Not sent: this customer opted out of messages on that channel.' };
    const at = this.deps.now();
    const status = await outbox.sendNow({ businessId: business.id, ...to, purpose: 'reply', surveyId: survey.id, message: { text } });
    if (status === 'failed') return { status: 'refused', message: 'The reply could not be delivered; the channel refused it.' };
    await store.surveys.addReply(survey, { text, at, by });
    await this.deps.threads.open(survey.id, by, via);
    const who = customer?.name ?? 'the customer';
    return status === 'sent' ? { status: 'sent', message: `Reply sent to ${who}.` } : { status: 'queued', message: `Reply to ${who} queued; the channel is busy and it will be retried.` };
  }

  /** Where a reply goes: the survey's own address, or, for an identified web respondent, the phone they left on a channel the business has. */
  private async replyAddress(survey: { channel: ChannelName; address: string; customerId: string; identifiedAt?: Date }): Promise<{ channel: ChannelName; address: string }> {
    const own = { channel: survey.channel, address: survey.address };
    if (!survey.identifiedAt) return own;
    const linked = await this.deps.store.customers.linked(this.deps.business.id, survey.customerId);
    const reachable = linked.find((c): c is typeof c & { channel: ChannelName } => !c.erasedAt && c.channel !== 'external' && c.channel !== survey.channel && this.deps.channels.has(c.channel));
    return reachable ? { channel: reachable.channel, address: reachable.address } : own;
  }
}
