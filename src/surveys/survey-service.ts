import type { FastifyBaseLogger } from 'fastify';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { ChannelName, Inbound, InboundResult, Outbound } from '../channels/channel.js';
import { channelNames } from '../channels/channel.js';
import { bandOf, detectKeyword, isOpen, keywordReply, startDialog, step } from '../dialogs/index.js';
import type { DialogEvent, DialogInput, DialogPolicy, DialogSession } from '../dialogs/types.js';
import { locales, surveyKinds } from '../dialogs/types.js';
import { parseInput } from '../errors.js';
import { claim, isDuplicateKey, recordInbound, releaseStaleClaim, type Store } from '../store/index.js';
import { nextSendTime, weekKey, type SendWindow } from './calendar.js';
import { DeepLinks } from './deep-links.js';
import { normalizeAddress } from './addresses.js';
import type { Outbox } from './outbox.js';
import { countRollups, type RollupMetric } from './rollups.js';

export interface BusinessSettings {
  id: string;
  name: string;
  timeZone: string;
  locale: (typeof locales)[number];
  country: string;
  sendWindow: SendWindow;
  throttleDays: number;
}

export const startSurveyInput = z.object({
  kind: z.enum(surveyKinds),
  channel: z.enum(channelNames),
  address: z.string().trim().min(1, 'an address (phone number, chat id or user id) is required'),
  name: z.string().trim().min(1).max(100).optional(),
  locale: z.enum(locales).optional(),
  context: z.string().trim().min(1).max(200).optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
  trigger: z.enum(['api', 'command', 'web', 'schedule', 'link']).default('api'),
});
export type StartSurveyInput = z.input<typeof startSurveyInput>;

export type StartSurveyResult =
  | { status: 'sent' | 'queued'; surveyId: string; sendAt: Date; delivery?: string }
  | { status: 'opted_out' | 'already_open'; surveyId?: string }
  | { status: 'throttled'; until: Date };

type SurveyDoc = NonNullable<Awaited<ReturnType<Store['surveys']['findOne']>>>;

export function sessionOf(doc: SurveyDoc): DialogSession {
  return {
    kind: doc.kind,
    state: doc.state,
    locale: doc.locale as DialogSession['locale'],
    vars: { business: doc.vars?.business ?? '', customerName: doc.vars?.customerName ?? undefined, context: doc.vars?.context ?? undefined },
    score: doc.score ?? undefined,
    comment: doc.comment ?? undefined,
    reprompts: doc.reprompts,
    invitedAt: doc.invitedAt,
    remindedAt: doc.remindedAt ?? undefined,
    answeredAt: doc.answeredAt ?? undefined,
    completedAt: doc.completedAt ?? undefined,
    endedAt: doc.endedAt ?? undefined,
    abandonedAt: doc.abandonedAt ?? undefined,
  };
}

/** A survey claim older than this belongs to a writer that is gone (a step takes milliseconds). */
const staleClaimMs = 30_000;

const openKeyOf = (businessId: string, channel: string, address: string) => `${businessId}:${channel}:${address}`;

/** Starting surveys and running their conversations. Channels call `handleInbound`; nothing here knows a provider. */
export class SurveyService {
  /** Deep-link invitations (Telegram `/start <token>`). */
  readonly links: DeepLinks;

  constructor(
    private readonly store: Store,
    private readonly business: BusinessSettings,
    private readonly policy: DialogPolicy,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
    private readonly onEvents: (survey: SurveyDoc, events: DialogEvent[]) => Promise<void> = async () => {},
  ) {
    this.links = new DeepLinks(store, business, this, now);
  }

  async startSurvey(raw: StartSurveyInput): Promise<StartSurveyResult> {
    const input = parseInput(startSurveyInput, raw, 'input');
    const address = normalizeAddress(input.channel, input.address, this.business.country);
    const now = this.now();
    const businessId = this.business.id;

    const customer = await this.store.customers.findOneAndUpdate(
      { businessId, channel: input.channel, address },
      {
        $setOnInsert: { businessId, channel: input.channel, address },
        $set: {
          ...(input.name ? { name: input.name } : {}),
          ...(input.locale ? { locale: input.locale } : {}),
        },
        ...(input.tags?.length ? { $addToSet: { tags: { $each: input.tags } } } : {}),
      },
      { upsert: true, returnDocument: 'after' },
    );
    if (!customer) throw new Error('customer upsert returned nothing');
    if (customer.optedOutAt) return { status: 'opted_out' };
    const openKey = openKeyOf(businessId, input.channel, address);

    const throttleMs = this.business.throttleDays * 86_400_000;
    const lastSurveyedAt = await this.lastSurveyed(customer);
    if (throttleMs > 0 && lastSurveyedAt && now.getTime() - lastSurveyedAt.getTime() < throttleMs) {
      return { status: 'throttled', until: new Date(lastSurveyedAt.getTime() + throttleMs) };
    }

    // A web visitor or someone opening a survey link asked for it this very moment; everyone else
    // hears from us only in the send window.
    const sendAt = input.trigger === 'web' || input.trigger === 'link' ? now : nextSendTime(now, customer.timeZone ?? this.business.timeZone, this.business.sendWindow);
    const locale = (customer.locale ?? input.locale ?? this.business.locale) as DialogSession['locale'];
    const vars = { business: this.business.name, customerName: customer.name ?? undefined, context: input.context };
    const { session, outbound } = startDialog({ kind: input.kind, locale, vars, now: sendAt });
    const surveyId = new Types.ObjectId();
    try {
      await this.store.surveys.create({
        _id: surveyId,
        businessId,
        customerId: customer._id,
        channel: input.channel,
        address,
        openKey,
        trigger: input.trigger,
        tags: customer.tags,
        week: weekKey(sendAt, this.business.timeZone),
        ...session,
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const winner = await this.store.surveys.findOne({ openKey }, { _id: 1 }).lean();
      return { status: 'already_open', surveyId: winner?._id.toString() };
    }
    await this.store.customers.updateOne({ _id: customer._id }, { $set: { lastSurveyedAt: now } });
    await countRollups(this.store, { businessId, kind: input.kind, week: weekKey(sendAt, this.business.timeZone), tags: customer.tags }, ['sent']);

    const messages = outbound.map((m) => ({ ...m, surveyId: surveyId.toString() }));
    const queued = sendAt.getTime() > now.getTime();
    const ids = await this.outbox.enqueue({ businessId, channel: input.channel, address, purpose: 'invitation', surveyId, messages, at: sendAt });
    if (queued) return { status: 'queued', surveyId: surveyId.toString(), sendAt };
    const delivery = await this.outbox.deliver(ids);
    return { status: 'sent', surveyId: surveyId.toString(), sendAt, delivery };
  }

  /** When this person was last asked, on any of their linked addresses (one query, and only for a linked person). */
  private async lastSurveyed(customer: { personId?: Types.ObjectId | null; lastSurveyedAt?: Date | null }): Promise<Date | undefined> {
    if (!customer.personId) return customer.lastSurveyedAt ?? undefined;
    const linked = await this.store.customers.find({ businessId: this.business.id, personId: customer.personId }, { lastSurveyedAt: 1 }).lean();
    const latest = Math.max(0, ...linked.map((c) => c.lastSurveyedAt?.getTime() ?? 0));
    return latest > 0 ? new Date(latest) : undefined;
  }

  /** One verified message from a person: de-duplicate, run the dialog, store, and say what to reply. */
  async handleInbound(inbound: Inbound): Promise<InboundResult> {
    if (!(await recordInbound(this.store, inbound))) return { duplicate: true, replies: [] };
    let committed = false;
    try {
      return await this.respond(inbound, () => (committed = true));
    } catch (err) {
      // Nothing was stored: forget the message id, so the provider's retry is handled, not dropped as a
      // duplicate. Once the survey moved on, the retry must stay a duplicate or the answer counts twice.
      if (!committed) await this.store.inbound.deleteOne({ channel: inbound.channel, providerMessageId: inbound.providerMessageId }).catch(() => {});
      throw err;
    }
  }

  private async respond(inbound: Inbound, onCommit: () => void): Promise<InboundResult> {
    const businessId = this.business.id;
    const address = inbound.address;
    const customer = await this.store.customers.findOne({ businessId, channel: inbound.channel, address });
    if (inbound.startToken !== undefined) return { duplicate: false, replies: await this.links.open(inbound, inbound.startToken, customer) };
    const locale = (customer?.locale ?? this.business.locale) as DialogSession['locale'];
    const vars = { business: this.business.name, customerName: customer?.name ?? undefined };
    let keyword = inbound.text !== undefined ? detectKeyword(inbound.text) : null;
    let literal = false;
    if (keyword === 'start' && !customer?.optedOutAt) {
      // An opt-in word from someone who never opted out opts nobody back in. "/start" (Telegram's Start
      // button) is a hello, answered with what this bot is; "yes" or "sí" is an answer like any other.
      literal = !inbound.text?.trim().startsWith('/');
      keyword = literal ? null : 'help';
    }

    if (keyword === 'stop' || keyword === 'start') {
      await this.setOptOut(inbound.channel, address, keyword === 'stop' ? 'replied STOP' : undefined);
    } else if (customer?.optedOutAt) {
      return { duplicate: false, replies: [] }; // never message an opted-out person, except to confirm START
    }

    const input: DialogInput | undefined = keyword
      ? { type: 'keyword', keyword }
      : inbound.choice !== undefined
        ? { type: 'choice', value: inbound.choice }
        : inbound.text !== undefined
          ? { type: 'text', text: inbound.text, ...(literal ? { literal } : {}) }
          : undefined;
    if (!input) return { duplicate: false, replies: [] };

    const result = await this.advance({ openKey: openKeyOf(businessId, inbound.channel, address) }, input, onCommit);
    if (result) return { duplicate: false, replies: result.outbound };
    if (keyword) return { duplicate: false, replies: [keywordReply(keyword, locale, vars)] };
    // Free text with no open survey: explain ourselves to a stranger; a past respondent's "thanks!" needs no answer.
    const known = customer && (await this.store.surveys.exists({ businessId, customerId: customer._id }));
    return { duplicate: false, replies: known ? [] : [keywordReply('help', locale, vars)] };
  }

  /**
   * Apply one input to the open survey matched by `filter`, atomically: the update applies only to
   * the revision the step was computed from, so concurrent deliveries and sweepers never double-apply.
   */
  async advance(filter: Record<string, unknown>, input: DialogInput, onCommit?: () => void): Promise<{ survey: SurveyDoc; outbound: Outbound[]; events: DialogEvent[] } | undefined> {
    for (let attempt = 0; attempt < 20; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 5 * attempt));
      const doc = await this.store.surveys.findOne(filter);
      if (!doc || !isOpen(doc.state)) return undefined;
      const result = step(sessionOf(doc), input, this.now(), this.policy);
      if (result.events.length === 0 && result.outbound.length === 0) return { survey: doc, outbound: [], events: [] };
      // Exactly one writer moves a survey on from a given revision; the others recompute.
      const key = `survey:${doc._id.toString()}:${doc.rev}`;
      if (!(await claim(this.store, key, this.now()))) {
        // A writer that claimed this revision and died before its update would block the survey for good.
        await releaseStaleClaim(this.store, key, this.now(), staleClaimMs);
        continue;
      }
      const next = result.session;
      const closed = !isOpen(next.state);
      const updated = await this.store.surveys.findOneAndUpdate(
        { _id: doc._id, rev: doc.rev },
        {
          $set: {
            ...next,
            band: next.score !== undefined ? bandOf(next.kind, next.score) : undefined,
            openKey: closed ? `closed:${doc._id.toString()}` : doc.openKey,
          },
          $inc: { rev: 1 },
        },
        { returnDocument: 'after' },
      );
      if (!updated) continue; // someone else moved this survey on; recompute from the new state
      onCommit?.();
      await countRollups(this.store, { businessId: updated.businessId, kind: updated.kind, week: updated.week, tags: updated.tags }, rollupMetrics(result.events), updated.score);
      await this.onEvents(updated, result.events);
      const surveyId = updated._id.toString();
      return { survey: updated, outbound: result.outbound.map((m) => ({ ...m, surveyId })), events: result.events };
    }
    throw new Error('survey kept changing under concurrent updates; giving up');
  }

  /** The survey open for this chat, if any. */
  openSurvey(channel: ChannelName, address: string) {
    return this.store.surveys.findOne({ openKey: openKeyOf(this.business.id, channel, address) });
  }

  async setOptOut(channel: ChannelName, address: string, reason: string | undefined): Promise<void> {
    const businessId = this.business.id;
    await this.store.customers.updateOne(
      { businessId, channel, address },
      reason
        ? { $set: { optedOutAt: this.now(), optOutReason: reason }, $setOnInsert: { businessId, channel, address } }
        : { $unset: { optedOutAt: 1, optOutReason: 1 } },
      { upsert: !!reason },
    );
  }

  /** A provider told us this person refuses messages (blocked the bot, carrier opt-out). */
  async recordOptOut(channel: ChannelName, address: string, reason: string): Promise<void> {
    await this.setOptOut(channel, address, reason);
    await this.advance({ openKey: openKeyOf(this.business.id, channel, address) }, { type: 'keyword', keyword: 'stop' });
    this.log.info({ channel, address }, 'opt-out recorded from provider');
  }
}

function rollupMetrics(events: DialogEvent[]): RollupMetric[] {
  const metrics: RollupMetric[] = [];
  for (const e of events) {
    if (e.type === 'scored') metrics.push('started', 'score');
    if (e.type === 'completed') metrics.push('completed');
    if (e.type === 'commented') metrics.push('commented');
  }
  return metrics;
}
