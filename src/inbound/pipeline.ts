import type { FastifyBaseLogger } from 'fastify';
import type { DetractorAlerts } from '../alerts/detractor-alerts.js';
import { currentQuestion, isOpen, keywordReply } from '../dialogs/index.js';
import type { DialogInput } from '../dialogs/types.js';
import type { Inbound, InboundResult, Outbound } from '../domain/channels.js';
import type { StaffCommands } from '../staff/commands.js';
import type { ReplyThreads } from '../staff/reply-threads.js';
import type { StaffService } from '../staff/staff-service.js';
import type { BusinessSettings, Store, SurveyRecord } from '../store/index.js';
import { businessWording } from '../content/wording.js';
import { sessionOf, type Conversations } from '../surveys/conversations.js';
import type { DeepLinks } from '../surveys/deep-links.js';
import type { Outbox } from '../surveys/outbox.js';
import { classify, type Classified, type CustomerMessage } from './classify.js';
import { tapNotice, tapRefused } from './taps.js';

const duplicate: InboundResult = { duplicate: true, replies: [] };
const replies = (list: Outbound[]): InboundResult => ({ duplicate: false, replies: list });
/** How many times an answer is recomputed when other writers keep moving its survey first. */
const maxAttempts = 20;
/** How many messages whose replies went out from this process it remembers (well under a megabyte). */
const rememberedReplies = 10_000;
/** A command or keyword repeated this soon after it was answered gets no answer again (its effect still runs). */
export const repeatWindowMs = 60_000;

export interface PipelineDeps {
  store: Store;
  business: BusinessSettings;
  conversations: Conversations;
  links: DeepLinks;
  staff: StaffService;
  commands: StaffCommands;
  /** The conversations a business's `/reply` opens: where a customer's later answers go. */
  threads: ReplyThreads;
  outbox: Outbox;
  alerts: DetractorAlerts;
  log: FastifyBaseLogger;
  now: () => Date;
}

/**
 * Every verified inbound message, from every channel, takes this one path: classify once, then
 * - an answer to an open survey: one dialog step and ONE atomic write that moves the survey and
 *   records the provider message id (a redelivery finds its id on the survey and changes nothing);
 * - anything that touches no survey (staff commands, deep links, strangers, keywords with no survey
 *   open): its id is recorded before its effect, and forgotten again if the effect fails, so the
 *   provider's retry is handled rather than taken for a duplicate.
 * Owner alerts the answer owes are queued after the write, never inside the customer's request.
 */
export class InboundPipeline {
  /** Receipts being recorded, by channel and message id. */
  private readonly receipts = new Map<string, Promise<void>>();
  /**
   * Messages whose replies this process handed to their provider, oldest first: a redelivery of one
   * never sends them again, whatever a read of its survey says. The stored receipt is for the process
   * that did not send them (after a restart); and a read can be older than the receipt it follows
   * (FerretDB has served one 0.2 s after acknowledging the receipt's write, see docs/ARCHITECTURE.md).
   */
  private readonly repliedHere = new Set<string>();
  /** The last command or keyword answered per address, oldest first (at most `rememberedReplies`). */
  private readonly lastAnswered = new Map<string, { key: string; at: number }>();
  /** Forwarded answers being sent to the business, after the customer's request. */
  private readonly forwarding = new Set<Promise<unknown>>();

  constructor(private readonly deps: PipelineDeps) {}

  /** Wait for reply receipts still being recorded (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.receipts.size || this.forwarding.size) await Promise.all([...this.receipts.values(), ...this.forwarding]);
  }

  /**
   * The adapter's receipt for the replies to `messageId`: recorded in the background, and tried
   * again for a while if the database is away (a receipt lost means a redelivery sends them twice).
   */
  private receipt(inbound: Inbound, surveyId: string): () => Promise<void> {
    const key = `${inbound.channel}:${inbound.providerMessageId}`;
    return () => {
      this.repliedHere.add(key);
      if (this.repliedHere.size > rememberedReplies) this.repliedHere.delete(this.repliedHere.values().next().value!);
      const run = (async () => {
        for (let attempt = 0; attempt < 40; attempt++) {
          try {
            return await this.deps.store.surveys.confirmReply(surveyId, inbound.providerMessageId);
          } catch (err) {
            if (attempt === 39) this.deps.log.warn({ err }, 'could not record a reply receipt');
            await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1_000)));
          }
        }
      })().finally(() => this.receipts.get(key) === run && this.receipts.delete(key));
      this.receipts.set(key, run);
      return run;
    };
  }

  async handle(inbound: Inbound): Promise<InboundResult> {
    const message = classify(inbound, this.deps.business);
    if (inbound.group) return this.inGroup(inbound, message);
    switch (message.type) {
      case 'deep_link':
        return this.answeredOnce(inbound, `link:${message.token}`, this.once(inbound, () => this.deps.links.open(inbound, message.token)));
      case 'command': {
        const ran = await this.asStaff(inbound, message, inbound.address);
        if (ran) return ran;
        // A customer's "/help" is the HELP keyword and their bare words are answers; any other slash command gets the help text.
        if (message.slashed && !isHelp(message)) return this.answeredOnce(inbound, commandKey(inbound, message.asCustomer), this.once(inbound, async () => [await this.helpFor(inbound)]));
        return this.answeredOnce(inbound, commandKey(inbound, message.asCustomer), this.fromCustomer(inbound, message.asCustomer));
      }
      case 'customer': {
        // A staff member's "/foo": no command by that name. (A customer's gets what any text gets.)
        const member = message.slashed && !message.keyword ? await this.deps.staff.identify(inbound.channel, inbound.address) : undefined;
        if (member) return this.once(inbound, async () => [this.deps.commands.unknown(inbound.text ?? '', member)]);
        return this.answeredOnce(inbound, commandKey(inbound, message), this.fromCustomer(inbound, message));
      }
    }
  }

  /**
   * A person gets at most one answer to a command or keyword repeated within `repeatWindowMs` of
   * the one answered (fifty /start from one chat sent fifty messages); what it does still happens.
   * Remembered per server instance.
   */
  private async answeredOnce(inbound: Inbound, key: string | undefined, run: Promise<InboundResult>): Promise<InboundResult> {
    const result = await run;
    const who = `${inbound.channel}:${inbound.address}`;
    if (result.duplicate || result.replies.length === 0) return result;
    if (!key) {
      this.lastAnswered.delete(who); // an answer in between: the next command is answered again
      return result;
    }
    const now = this.deps.now().getTime();
    const last = this.lastAnswered.get(who);
    if (last?.key === key && now - last.at < repeatWindowMs) return { ...result, replies: [] };
    this.lastAnswered.delete(who);
    this.lastAnswered.set(who, { key, at: now });
    if (this.lastAnswered.size > rememberedReplies) this.lastAnswered.delete(this.lastAnswered.keys().next().value!);
    return result;
  }

  /**
   * A group chat or channel: surveys are one person's, so only a known staff member's commands run
   * here (and `/help` is answered); everything else is ignored: no answer, no opt-out, nothing stored.
   */
  private async inGroup(inbound: Inbound, message: Classified): Promise<InboundResult> {
    const nothing: InboundResult = { duplicate: false, replies: [] };
    if (message.type !== 'command' || !inbound.group) return nothing;
    const ran = await this.asStaff(inbound, message, inbound.group.sender);
    if (ran) return ran;
    return message.slashed && isHelp(message) ? this.once(inbound, async () => [await this.helpFor(inbound)]) : nothing;
  }

  /**
   * A command from a staff member (`sender` is their own address), or `/claim` from someone who is
   * not staff yet (in their own chat); undefined for anyone else's message, which is then a customer's.
   */
  private async asStaff(inbound: Inbound, message: Extract<Classified, { type: 'command' }>, sender: string): Promise<InboundResult | undefined> {
    const { parsed } = message;
    const member = await this.deps.staff.identify(inbound.channel, sender);
    if (member) return this.once(inbound, async () => [await this.deps.commands.answer(parsed, member, inbound)]);
    // Ownership is claimed from one's own chat, never from a group.
    if (parsed.type === 'command' && parsed.command.name === 'claim' && !inbound.group) {
      const code = parsed.command.code;
      return this.once(inbound, async () => [await this.deps.commands.claim(inbound, code)]);
    }
    return undefined;
  }

  private async fromCustomer(inbound: Inbound, message: CustomerMessage): Promise<InboundResult> {
    const { store, business, conversations } = this.deps;
    const { channel, address } = inbound;
    let keyword = message.keyword;
    let answer = message.answer;
    if (keyword === 'start' && !inbound.providerKeyword) {
      // An opt-in word from someone who never opted out opts nobody back in: "/start" (Telegram's Start
      // button) is a hello, answered with what this bot is; "yes" or "sí" is an answer like any other.
      const customer = await store.customers.find({ businessId: business.id, channel, address });
      if (!customer?.optedOutAt) keyword = message.slashed ? 'help' : null;
    }
    if (keyword) answer = undefined;
    // Recorded before anything else, so a redelivery records it too; doing it twice changes nothing.
    if (keyword === 'stop' || keyword === 'start') await conversations.setOptOut(business.id, channel, address, keyword === 'stop' ? 'replied STOP' : undefined);
    const input: DialogInput | undefined = keyword ? { type: 'keyword', keyword } : answer;

    const id = inbound.providerMessageId;
    let last: SurveyRecord | undefined;
    for (let attempt = 0; input; attempt++) {
      // Other writers kept moving the survey first: fail, and the provider's retry comes back later.
      if (attempt >= maxAttempts) throw new Error('survey kept changing under concurrent updates; the provider retries');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 5 * attempt));
      const recent = await store.surveys.latest(business.id, channel, address);
      const seen = recent.find((s) => s.inbound.includes(id));
      if (seen) {
        // Handled before. If its replies never reached the provider (the server died before answering), send them now.
        const unconfirmed = inbound.replyReceipts && seen.pendingReply?.messageId === id && !this.repliedHere.has(`${channel}:${id}`);
        if (!unconfirmed || !seen.pendingReply) return duplicate;
        const { replies: again, at } = seen.pendingReply;
        return { duplicate: true, replies: again, ...(at ? { repliedSince: at } : {}), delivered: this.receipt(inbound, seen.id) };
      }
      const open = recent[0] && isOpen(recent[0].state) ? recent[0] : undefined;
      if (input.type === 'choice') {
        const refused = tapRefused(recent, open, inbound.choiceSurveyId, input.value, business.reasonQuestion);
        if (refused) {
          // A value that is no choice (a tampered card): say so, and ask the question again.
          const again = refused === 'invalid' && open ? [{ ...currentQuestion(sessionOf(open), await businessWording(this.deps.store, open.businessId), business.reasonQuestion), surveyId: open.id }] : [];
          return { duplicate: false, replies: again, tap: { outcome: refused, notice: tapNotice(refused, recent[0]?.locale ?? business.locale) } };
        }
      }
      last = recent[0];
      if (!open) {
        // The rest of a comment sent in parts joins the survey it completed (the dialog decides whether it is that).
        if (input.type !== 'text' || last?.state !== 'completed') break;
        const joined = await conversations.apply(last, input, { messageId: id, keepReplies: inbound.replyReceipts, reasonQuestion: business.reasonQuestion });
        if (!joined) continue;
        if (!joined.events.length) break;
        return { duplicate: false, replies: joined.outbound, ...(joined.survey.pendingReply ? { delivered: this.receipt(inbound, joined.survey.id) } : {}) };
      }
      const applied = await conversations.apply(open, input, { messageId: id, keepReplies: inbound.replyReceipts, reasonQuestion: business.reasonQuestion });
      if (!applied) continue; // another writer moved the survey first: read it again (it may be this very message)
      if (applied.survey.owed.some((o) => o.type === 'alert')) this.deps.alerts.queue(applied.survey);
      return {
        duplicate: false,
        replies: applied.outbound,
        ...(input.type === 'choice' ? { tap: { outcome: 'accepted' as const } } : {}),
        ...(applied.survey.pendingReply ? { delivered: this.receipt(inbound, applied.survey.id) } : {}),
      };
    }
    if (input?.type === 'text' && this.deps.threads.isOpen(last)) return this.forward(last, inbound, input.text);
    return this.once(inbound, () => this.withoutSurvey(inbound, keyword));
  }

  /** The customer answers a reply from the business: stored on the survey, sent on to the business after this request. */
  private async forward(survey: Parameters<ReplyThreads['forward']>[0], inbound: Inbound, text: string): Promise<InboundResult> {
    const { replies: answer, queued } = await this.deps.threads.forward(survey, inbound, text);
    if (queued.length) {
      const run = this.deps.outbox
        .deliver(queued)
        .catch((err: unknown) => this.deps.log.warn({ err }, 'forwarded answer not sent yet; the sweeper retries'))
        .finally(() => this.forwarding.delete(run));
      this.forwarding.add(run);
    }
    return replies(answer);
  }

  /** A message with no open survey to answer: a keyword's own reply, the help text for a stranger, or nothing. */
  private async withoutSurvey(inbound: Inbound, keyword: CustomerMessage['keyword']): Promise<Outbound[]> {
    const { store, business } = this.deps;
    const customer = await store.customers.find({ businessId: business.id, channel: inbound.channel, address: inbound.address });
    // Never message an opted-out person, except to confirm START (and Twilio's own STOP confirmation).
    if (customer?.optedOutAt && keyword !== 'stop') return [];
    const vars = { business: business.name, customerName: customer?.name };
    const locale = customer?.locale ?? business.locale;
    if (keyword) return [keywordReply(keyword, locale, vars)];
    // Free text from a past respondent ("thanks!") needs no answer; a stranger is told what this is.
    const known = customer && (await store.surveys.hasAny(business.id, customer.id));
    return known ? [] : [keywordReply('help', locale, vars)];
  }

  private async helpFor(inbound: Inbound): Promise<Outbound> {
    const { store, business } = this.deps;
    const customer = await store.customers.find({ businessId: business.id, channel: inbound.channel, address: inbound.address });
    return keywordReply('help', customer?.locale ?? business.locale, { business: business.name });
  }

  /**
   * Run an effect that touches no survey once per provider message: the id is recorded first; if the
   * effect fails, it is forgotten again so the provider's retry runs it. (Staff commands keep their
   * record either way: a half-run `/reply` must not run twice, see `StaffCommands.run`.)
   */
  private async once(inbound: Inbound, effect: () => Promise<Outbound[]>): Promise<InboundResult> {
    if (!(await this.deps.store.inbound.record(this.deps.business.id, inbound))) return duplicate;
    try {
      return replies(await effect());
    } catch (err) {
      await this.deps.store.inbound.forget(this.deps.business.id, inbound).catch(() => {});
      throw err;
    }
  }
}

/** What makes a customer's message a repeatable command: its keyword, or its slashed text; answers have none. */
function commandKey(inbound: Inbound, message: CustomerMessage): string | undefined {
  // A bare "yes" reads as the START keyword but is an answer unless the person opted out: not a command.
  if (message.keyword && (message.keyword !== 'start' || message.slashed || inbound.providerKeyword)) return `keyword:${message.keyword}`;
  return message.slashed && inbound.text ? `text:${inbound.text.trim().toLowerCase()}` : undefined;
}

const isHelp = (message: Extract<Classified, { type: 'command' }>) => message.parsed.type === 'command' && message.parsed.command.name === 'help';
