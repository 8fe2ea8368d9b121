import type { FastifyBaseLogger } from 'fastify';
import { periodStats, renderStats } from '../digest/stats.js';
import { anonymousChannel, deepLinkChannels, phoneChannel } from '../domain/channel-facts.js';
import type { ChannelName, ChannelSender, Inbound, Outbound } from '../domain/channels.js';
import { ownerWords, type OwnerWords } from '../dialogs/prompts/owner-words.js';
import { languageCodes } from '../dialogs/languages.js';
import { kindLabel, type Locale } from '../domain/surveys.js';
import { AppError, parseInput } from '../errors.js';
import { linkUrl } from '../links/printables.js';
import { createLink, linkInput } from '../links/survey-links.js';
import type { BusinessSettings, Store } from '../store/index.js';
import type { DeepLinks } from '../surveys/deep-links.js';
import type { Outbox } from '../surveys/outbox.js';
import { normalizeAddress, type StartSurveyResult, type SurveyStarter } from '../surveys/start-survey.js';
import { problemText, usageOf, usageReply, type Command, type CommandName, type ParseResult } from './parse-command.js';
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
  /** The digest of the last full week as a message for this channel and language (with the trend chart where it shows pictures). */
  digest: (channel: ChannelName, locale: Locale) => Promise<Outbound>;
  /** A one-time sign-in link to the dashboard for this staff member. */
  dashboardLink: (member: StaffMember) => Promise<string>;
  /** Where this server is reached (survey links are `<publicUrl>/s/<code>`). */
  publicUrl: string;
  now: () => Date;
  log: FastifyBaseLogger;
}

const staffCommands: CommandName[] = ['survey', 'link', 'stats', 'reply', 'end', 'language', 'help'];
const allCommands: CommandName[] = ['survey', 'link', 'qr', 'stats', 'digest', 'dashboard', 'reply', 'end', 'help', 'language', 'staff'];
const english = ownerWords('en');

/** A staff member's slash word that is no command: say so and point to /help (not the customers' text). */
export function unknownCommandReply(text: string, w: OwnerWords = english): string {
  const word = (text.trim().split(/\s+/)[0] ?? '').slice(0, 32);
  return w.t('command.unknown', { word });
}

export function helpText(role: StaffMember['role'], w: OwnerWords = english): string {
  const names = role === 'owner' ? allCommands : staffCommands;
  return [w.t('command.title'), ...names.map((n) => w.t('command.line', { usage: usageOf(n, w), about: w.t(`command.about.${n}`) }))].join('\n');
}

/** Who made a change, as stored in English ("the owner code", "API key …", an owner's address), in the reader's language. */
const byWhom = (by: string, w: OwnerWords): string => {
  const key = /^API key (\S+)$/.exec(by);
  const known: Record<string, string> = { 'the owner code': 'code', 'the bot': 'bot', 'the command line': 'cli' };
  return w.t('staff.by', { by: key ? 'key' : (known[by] ?? 'other'), id: key?.[1] ?? '', who: by });
};

/** Who has access and what changed lately, for an owner's chat (or the command line, in English). */
export function staffOverview({ members, changes }: Awaited<ReturnType<StaffService['overview']>>, w: OwnerWords = english): string {
  const day = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');
  const role = (r: string) => w.t('role', { role: r });
  const lines = [
    w.t('staff.title'),
    ...members.map((m) => w.t('staff.member', { role: role(m.role), addresses: m.identities.map((i) => `${i.channel}:${i.address}`).join(', '), hasName: m.name ? 'yes' : 'no', name: m.name ?? '' })),
  ];
  if (changes.length) lines.push(w.t('staff.changes'), ...changes.map((c) => w.t('staff.change', { when: day(c.at), action: c.action, role: role(c.role), who: `${c.channel}:${c.address}`, by: byWhom(c.by, w) })));
  return lines.join('\n');
}

/** Runs one parsed staff command and says, in one message and in the sender's language, what happened. */
export class StaffCommands {
  constructor(private readonly deps: CommandDeps) {}

  /** The words a staff member reads: their own language, else the business's. */
  wordsFor(member?: Pick<StaffMember, 'locale'>): OwnerWords {
    return ownerWords(member?.locale ?? this.deps.business.locale);
  }

  /** A staff member's slash word that is no command, answered in their language. */
  unknown(text: string, member: StaffMember): Outbound {
    const w = this.wordsFor(member);
    return { text: unknownCommandReply(text, w), ...(w.dir === 'rtl' ? { dir: 'rtl' as const } : {}) };
  }

  /**
   * A staff member's message that reads as a command: its answer, or what is wrong with it, as one
   * message (`/digest` brings the trend chart on channels that show pictures).
   */
  async answer(parsed: Exclude<ParseResult, { type: 'none' }>, member: StaffMember, inbound: Inbound): Promise<Outbound> {
    // `/language` answers in the language just chosen.
    const chosen = parsed.type === 'command' && parsed.command.name === 'language' && parsed.command.locale ? { locale: parsed.command.locale } : member;
    const w = this.wordsFor(chosen);
    const answer = await this.outcome(parsed, member, inbound, w);
    const dir = w.dir === 'rtl' ? { dir: 'rtl' as const } : {};
    return typeof answer === 'string' ? { text: answer, ...dir } : { ...dir, ...answer };
  }

  private async outcome(parsed: Exclude<ParseResult, { type: 'none' }>, member: StaffMember, inbound: Inbound, w: OwnerWords): Promise<string | Outbound> {
    if (parsed.type === 'invalid') return usageReply(parsed.name, problemText(parsed.words, w), w);
    const command = parsed.command;
    this.deps.log.info({ channel: inbound.channel, command: command.name }, 'staff command');
    if (member.role !== 'owner' && !staffCommands.includes(command.name) && command.name !== 'claim') return w.t('command.ownerOnly', { name: command.name });
    try {
      switch (command.name) {
        case 'help':
          return helpText(member.role, w);
        case 'language':
          return await this.language(command.locale, member, inbound, w);
        case 'claim':
          return w.t(member.role === 'owner' ? 'command.claim.already' : 'command.claim.askOwner');
        case 'stats':
          return renderStats(await periodStats(this.deps.store, this.deps.business, this.deps.now(), command.days), w);
        case 'digest':
          return await this.deps.digest(inbound.channel, w.locale);
        case 'dashboard':
          return w.t('command.dashboard', { url: await this.deps.dashboardLink(member) });
        case 'staff':
          return await this.staffChange(command, `${inbound.channel}:${inbound.address}`, w);
        case 'survey':
          return await this.survey(command, w);
        case 'link':
          return await this.link(command, member, w);
        case 'qr':
          return await this.qr(command, w);
        case 'reply':
          return await this.reply(command, member, inbound, w);
        case 'end':
          return w.t((await this.deps.threads.end(command.surveyId)) ? 'command.end.done' : 'command.end.none', { id: command.surveyId });
      }
    } catch (err) {
      // A service's own refusal (a bad address, a link's field) is worded by that service, in English.
      if (err instanceof AppError && err.expected) return usageReply(command.name, err.message, w);
      this.deps.log.error({ err, command: command.name }, 'staff command failed');
      return w.t('command.failed');
    }
  }

  /** `/language`: which language the sender reads, or their choice of it (every address of theirs). */
  private async language(locale: Locale | undefined, member: StaffMember, inbound: Inbound, w: OwnerWords): Promise<string> {
    if (!locale) {
      const choices = w.either(languageCodes().map((l) => `${l} (${w.languageName(l)})`));
      return w.t('command.language.now', { language: w.languageName(w.locale), choices });
    }
    await this.deps.staff.setLocale({ channel: inbound.channel, address: inbound.group?.sender ?? inbound.address }, locale);
    this.deps.log.info({ channel: inbound.channel, locale, staffId: member.staffId }, 'staff language chosen');
    return w.t('command.language.set');
  }

  /** `/staff` (who has access, and the latest changes), `/staff add`, `/staff remove`. */
  private async staffChange(command: Extract<Command, { name: 'staff' }>, by: string, w: OwnerWords): Promise<string> {
    if (command.action === 'list') return staffOverview(await this.deps.staff.overview(), w);
    const address = normalizeAddress(command.channel, command.address, this.deps.business.country);
    const who = `${command.channel}:${address}`;
    if (command.action === 'remove') {
      const result = await this.deps.staff.remove({ channel: command.channel, address }, by);
      return w.t(result === 'unknown' ? 'staff.noAccess' : result === 'last_owner' ? 'staff.lastOwner' : 'staff.removed', { who });
    }
    const { added, role } = await this.deps.staff.add({ channel: command.channel, address }, command.role, undefined, by);
    return w.t(added ? 'staff.added' : 'staff.already', { who, role: w.t('role', { role }) });
  }

  /** `/claim <code>` from someone who is not staff yet: the first owner, answered in the business's language. */
  async claim(inbound: Inbound, code: string): Promise<Outbound> {
    const ok = await this.deps.staff.claimOwnership({ channel: inbound.channel, address: inbound.address }, code, inbound.displayName);
    this.deps.log.info({ channel: inbound.channel, ok }, 'owner code tried');
    const w = this.wordsFor();
    return { text: ok ? w.t('command.claim.done', { business: this.deps.business.name }) : w.t('command.claim.invalid'), ...(w.dir === 'rtl' ? { dir: 'rtl' as const } : {}) };
  }

  private async survey(command: Extract<Command, { name: 'survey' }>, w: OwnerWords): Promise<string> {
    const { store, business, channels } = this.deps;
    let channel: ChannelName;
    let address: string;
    if (command.target.type === 'customer') {
      const id = command.target.customerId;
      const customer = await store.customers.byId(id, business.id);
      if (!customer) return usageReply('survey', w.t('problem.noCustomer', { id }), w);
      if (customer.channel === 'external') return usageReply('survey', w.t('problem.externalCustomer', { id }), w);
      channel = customer.channel;
      address = customer.address;
    } else if (command.target.type === 'phone') {
      channel = phoneChannel;
      address = command.target.phone;
    } else {
      ({ channel, address } = command.target);
    }
    if (!channels.has(channel)) return w.t('command.survey.channelOff', { channel });
    const result = await this.deps.starter.start({ kind: command.kind, channel, address, context: command.context, trigger: 'command' });
    return this.describe(command.kind, result, w);
  }

  private async link(command: Extract<Command, { name: 'link' }>, member: StaffMember, w: OwnerWords): Promise<string> {
    const deepLink = deepLinkChannels.map((name) => this.deps.channels.get(name)?.deepLink).find((link) => link !== undefined);
    if (!deepLink) return w.t('command.link.none', { channels: w.list(deepLinkChannels) });
    const invitation = await this.deps.links.createInvitation({ kind: command.kind, customerId: command.customerId, context: command.context }, member.staffId);
    return w.t('command.link.made', { kind: kindLabel[command.kind], until: w.day(invitation.expiresAt), link: await deepLink(invitation.token) });
  }

  /** `/qr`: a survey link (as `POST /api/v1/links` makes it), its QR code and its posters. */
  private async qr({ name: _name, ...input }: Extract<Command, { name: 'qr' }>, w: OwnerWords): Promise<string> {
    // Survey links open the web chat, the channel of anonymous visitors.
    if (!this.deps.channels.has(anonymousChannel)) return w.t('command.qr.noWebChat');
    const link = await createLink(this.deps.store, this.deps.business.id, parseInput(linkInput, input, 'link'), this.deps.now());
    const url = linkUrl(this.deps.publicUrl, link.code);
    const about = [input.location, input.staff, input.product, input.campaign].filter(Boolean).join(' · ');
    return [
      w.t('command.qr.head', { kind: kindLabel[input.kind], hasAbout: about ? 'yes' : 'no', about }),
      url,
      w.t('command.qr.codes', { png: `${url}/qr.png`, svg: `${url}/qr.svg` }),
      w.t('command.qr.posters', { a4: `${url}/poster?size=a4`, a6: `${url}/poster?size=a6` }),
      w.t('command.qr.manage'),
    ].join('\n');
  }

  private describe(kind: keyof typeof kindLabel, result: StartSurveyResult, w: OwnerWords): string {
    const label = kindLabel[kind];
    const zone = this.deps.business.timeZone;
    switch (result.status) {
      case 'sent':
        return w.t('command.survey.sent', { kind: label, id: result.surveyId });
      case 'queued':
        return w.t('command.survey.queued', { kind: label, when: w.moment(result.sendAt, zone), zone, id: result.surveyId });
      case 'throttled':
        return w.t('command.survey.throttled', { until: w.day(result.until) });
      case 'opted_out':
        return w.t('command.survey.optedOut');
      case 'already_open':
        return w.t('command.survey.open', { hasId: result.surveyId ? 'yes' : 'no', id: result.surveyId ?? '' });
    }
  }

  private async reply(command: Extract<Command, { name: 'reply' }>, member: StaffMember, inbound: Inbound, w: OwnerWords): Promise<string> {
    const result = await this.replyTo(command.surveyId, command.text, member.staffId, { channel: inbound.channel, address: inbound.address }, w);
    return result.status === 'not_found' ? usageReply('reply', result.message, w) : result.message;
  }

  /**
   * The business's answer to a customer's feedback, through the customer's channel: `/reply` in chat
   * and the dashboard's reply box both come here. The customer's answers then come back to `via`
   * (the chat the reply came from; every owner without one) until `/end` or `replyThreadMs`.
   */
  async replyTo(
    surveyId: string,
    text: string,
    by: string,
    via?: { channel: ChannelName; address: string },
    w: OwnerWords = this.wordsFor(),
  ): Promise<{ status: 'sent' | 'queued' | 'refused' | 'not_found'; message: string }> {
    const { store, business, outbox } = this.deps;
    const survey = await store.surveys.byId(surveyId, business.id);
    if (!survey) return { status: 'not_found', message: w.t('command.reply.noSurvey', { id: surveyId }) };
    const to = await this.replyAddress(survey);
    const customer = await store.customers.find({ businessId: business.id, ...to });
    if (customer?.optedOutAt) return { status: 'refused', message: w.t('command.reply.optedOut') };
    const at = this.deps.now();
    const status = await outbox.sendNow({ businessId: business.id, ...to, purpose: 'reply', surveyId: survey.id, message: { text } });
    if (status === 'failed') return { status: 'refused', message: w.t('command.reply.refused') };
    await store.surveys.addReply(survey, { text, at, by });
    await this.deps.threads.open(survey.id, by, via);
    const who = customer?.name ?? w.t('customer');
    return status === 'sent' ? { status: 'sent', message: w.t('command.reply.sent', { who }) } : { status: 'queued', message: w.t('command.reply.queued', { who }) };
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
