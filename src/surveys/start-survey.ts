import { z } from 'zod';
import { startDialog } from '../dialogs/index.js';
import { channelNames, type ChannelName } from '../domain/channels.js';
import { channelAddress } from '../domain/channel-facts.js';
import { surveyKinds, surveyTriggers, triggerFacts, type Locale, type SurveyKind } from '../domain/surveys.js';
import type { Outbound } from '../domain/channels.js';
import { freeText } from '../domain/text.js';
import { AppError, parseInput, ValidationError } from '../errors.js';
import type { BusinessSettings, CustomerRecord, Store } from '../store/index.js';
import { nextSendTime, weekKey } from '../domain/calendar.js';
import type { Outbox } from './outbox.js';
import { businessWording } from '../content/wording.js';
import { localeSchema } from '../dialogs/languages.js';

export const startSurveyInput = z.object({
  kind: z.enum(surveyKinds),
  channel: z.enum(channelNames),
  address: z.string().trim().min(1, 'an address (phone number, chat id or user id) is required').max(200, 'an address is at most 200 characters'),
  name: freeText(100).optional(),
  locale: localeSchema.optional(),
  /**
   * What the survey is about. A string is the prompt's wording ("your order 1042"), as before; an
   * object ties the survey to a purchase (product, order, location, staff member) for the cohorts,
   * and its `text`, when given, is the prompt's wording.
   */
  context: z
    .union([
      freeText(200),
      // Strict: an unknown key (a typo, or an operator such as `$gt`) is refused, not dropped.
      z.strictObject({
        text: freeText(200).optional(),
        product: freeText(100).optional(),
        order: freeText(100).optional(),
        location: freeText(100).optional(),
        staff: freeText(100).optional(),
        /** The business's own reference for the customer (a website's customer number). */
        customer: freeText(100).optional(),
      }),
    ])
    .optional(),
  tags: z.array(freeText(50)).max(20).optional(),
  // An import's answers are stored by the import, never started here.
  trigger: z.enum(surveyTriggers).exclude(['import']).default('api'),
});
export type StartSurveyInput = z.input<typeof startSurveyInput>;

export interface StartOptions {
  /**
   * Queue an invitation due now and answer at once, instead of sending it first: an upload's rows
   * go out at the channel's pace after the upload is answered (100 SMS at 1 a second take 100 s).
   */
  queue?: boolean;
  /** The survey link (`/s/<code>`) it was opened from: stored in its context, counted in the cohort `link:<code>`. */
  link?: string;
}

export type StartSurveyResult =
  | { status: 'sent' | 'queued'; surveyId: string; sendAt: Date; delivery?: string }
  | { status: 'opted_out' | 'already_open'; surveyId?: string }
  | { status: 'throttled'; until: Date };

/** A channel address as stored (the channel facts' shape): phone numbers in E.164, others checked as given. */
export function normalizeAddress(channel: ChannelName, address: string, country: string): string {
  const result = channelAddress(channel, address, country);
  if ('problem' in result) throw new ValidationError(result.problem);
  return result.address;
}

/** How far back a customer's events put a new survey in their `event:` cohorts. */
export const precedingWindowDays = 30;

/** The distinct features of the events in the window before `now` (at most 10, newest first): the survey's `event:` cohorts. */
export function recentFeatures(recent: ReadonlyArray<{ feature: string; at: Date }> | undefined, now: Date): string[] {
  const since = now.getTime() - precedingWindowDays * 86_400_000;
  const inWindow = (recent ?? []).filter((e) => e.at.getTime() >= since && e.at.getTime() <= now.getTime()).sort((a, b) => b.at.getTime() - a.at.getTime());
  return [...new Set(inWindow.map((e) => e.feature))].slice(0, 10);
}

/**
 * Starting a survey: opt-out, throttle, send window, one open survey per address; then the
 * invitation goes out at once or waits in the outbox for the send window.
 */
export class SurveyStarter {
  constructor(
    private readonly store: Store,
    private readonly business: BusinessSettings,
    private readonly outbox: Outbox,
    private readonly now: () => Date,
    /** The channels the business sends on (its senders by name): a survey on another would be queued and never go. */
    private readonly channels: ReadonlyMap<ChannelName, unknown>,
  ) {}

  async start(raw: StartSurveyInput, options: StartOptions = {}): Promise<StartSurveyResult> {
    const { input, address } = this.parse(raw);
    const now = this.now();
    const customer = await this.store.customers.upsert({ businessId: this.business.id, channel: input.channel, address }, { name: input.name, locale: input.locale, tags: input.tags });
    const refused = await this.refusal(customer, now);
    if (refused) return refused;
    const planned = this.plan(input, address, customer, now, options, await businessWording(this.store, this.business.id));
    const inserted = await this.store.surveys.insert(planned.survey);
    if ('alreadyOpen' in inserted) return { status: 'already_open', surveyId: inserted.alreadyOpen };
    const surveyId = inserted.inserted;
    await this.store.customers.markSurveyed(customer.id, now);
    await this.store.rollups.add(planned.counted, ['sent']);
    const invitation = { businessId: this.business.id, channel: input.channel, address, purpose: 'invitation' as const, surveyId };
    const messages = planned.outbound.map((m) => ({ ...m, surveyId }));
    const { sendAt } = planned;
    if (sendAt.getTime() > now.getTime() || options.queue) {
      const ids = await this.outbox.enqueue(queued(invitation, messages, sendAt));
      if (sendAt.getTime() <= now.getTime()) this.outbox.deliverSoon(invitation, ids);
      return { status: 'queued', surveyId, sendAt };
    }
    let delivery: string | undefined;
    for (const message of messages) delivery = await this.outbox.sendNow({ ...invitation, message });
    return { status: 'sent', surveyId, sendAt, delivery };
  }

  /**
   * Many rows started as `start` with `queue` starts each (an upload's), in a few writes for them
   * all: the customers, the surveys, their last-asked times and the invitations each in one command
   * (one row at a time, a row cost five round trips). A row the caller can fix is its error.
   */
  async queueMany(raws: readonly StartSurveyInput[]): Promise<Array<StartSurveyResult | AppError>> {
    const now = this.now();
    const businessId = this.business.id;
    const results: Array<StartSurveyResult | AppError | undefined> = raws.map(() => undefined);
    const rows = raws.flatMap((raw, i) => {
      try {
        return [{ i, ...this.parse(raw) }];
      } catch (err) {
        if (!(err instanceof AppError && err.expected)) throw err;
        results[i] = err;
        return [];
      }
    });
    const customers = await this.store.customers.upsertMany(rows.map(({ input, address }) => ({ key: { businessId, channel: input.channel, address }, set: { name: input.name, locale: input.locale, tags: input.tags } })));
    const wording = await businessWording(this.store, businessId);
    const asked = [];
    for (const [n, row] of rows.entries()) {
      const customer = customers[n]!;
      const refused = await this.refusal(customer, now);
      if (refused) results[row.i] = refused;
      else asked.push({ ...row, customer, ...this.plan(row.input, row.address, customer, now, { queue: true }, wording) });
    }
    const inserted = await this.store.surveys.insertMany(asked.map((a) => a.survey));
    const started = asked.flatMap((a, n) => {
      const made = inserted[n]!;
      if ('alreadyOpen' in made) results[a.i] = { status: 'already_open', surveyId: made.alreadyOpen };
      return 'inserted' in made ? [{ ...a, surveyId: made.inserted }] : [];
    });
    await this.store.customers.markManySurveyed(started.map((s) => s.customer.id), now);
    await Promise.all(started.map((s) => this.store.rollups.add(s.counted, ['sent'])));
    const invitations = started.map((s) => ({ businessId, channel: s.input.channel, address: s.address, purpose: 'invitation' as const, surveyId: s.surveyId }));
    const items = started.map((s, n) => queued(invitations[n]!, s.outbound.map((m) => ({ ...m, surveyId: s.surveyId })), s.sendAt));
    const ids = await this.outbox.enqueue(items.flat());
    let from = 0;
    for (const [n, s] of started.entries()) {
      const mine = ids.slice(from, (from += items[n]!.length));
      if (s.sendAt.getTime() <= now.getTime()) this.outbox.deliverSoon(invitations[n]!, mine);
      results[s.i] = { status: 'queued', surveyId: s.surveyId, sendAt: s.sendAt };
    }
    return results.map((r) => r!);
  }

  /** The row checked, and its address as stored. */
  private parse(raw: StartSurveyInput): { input: z.output<typeof startSurveyInput>; address: string } {
    const input = parseInput(startSurveyInput, raw, 'input');
    const address = normalizeAddress(input.channel, input.address, this.business.country);
    if (!this.channels.has(input.channel)) throw new ValidationError(`channel: ${input.channel} is not enabled for this business`);
    return { input, address };
  }

  /** Why this customer is not asked now: opted out, or asked within the business's throttle. */
  private async refusal(customer: CustomerRecord, now: Date): Promise<StartSurveyResult | undefined> {
    if (customer.optedOutAt) return { status: 'opted_out' };
    const throttleMs = this.business.throttleDays * 86_400_000;
    if (throttleMs <= 0) return undefined;
    const lastSurveyedAt = await this.lastSurveyed(customer);
    if (lastSurveyedAt && now.getTime() - lastSurveyedAt.getTime() < throttleMs) return { status: 'throttled', until: new Date(lastSurveyedAt.getTime() + throttleMs) };
    return undefined;
  }

  /** The survey to store, its first messages, when they go and the counters it joins. */
  private plan(input: z.output<typeof startSurveyInput>, address: string, customer: CustomerRecord, now: Date, options: StartOptions, wording: Awaited<ReturnType<typeof businessWording>>) {
    const businessId = this.business.id;
    // A web visitor or someone opening a survey link asked for it this very moment; everyone else
    // hears from us only in the send window.
    const sendAt = triggerFacts[input.trigger].askedNow ? now : nextSendTime(now, customer.timeZone ?? this.business.timeZone, this.business.sendWindow);
    const locale = customer.locale ?? input.locale ?? this.business.locale;
    const { text, ...given } = typeof input.context === 'string' ? { text: input.context } : (input.context ?? {});
    const context = options.link ? { ...given, link: options.link } : given;
    const vars = { business: this.business.name, customerName: customer.name, context: text };
    const { product, order, location } = context;
    const started = startDialog({ kind: input.kind, locale, vars: { ...vars, product, order, location }, now: sendAt, ...(wording ? { wording } : {}) });
    // The context's parts are stored as the survey's context, not again with the dialog's words.
    const session = { ...started.session, vars };
    const week = weekKey(sendAt, this.business.timeZone);
    const precededBy = recentFeatures(customer.recentEvents, now);
    const firstPurchaseMonth = customer.firstPurchaseAt?.toISOString().slice(0, 7);
    const survey = { businessId, customerId: customer.id, channel: input.channel, address, trigger: input.trigger, tags: customer.tags, ...(Object.keys(context).length ? { context } : {}), ...(precededBy.length ? { precededBy } : {}), ...(firstPurchaseMonth ? { firstPurchaseMonth } : {}), week, ...session };
    const counted = { businessId, kind: input.kind, week, tags: customer.tags, channel: input.channel, context, precededBy, firstPurchaseMonth, trigger: input.trigger };
    return { survey, outbound: started.outbound, sendAt, counted };
  }

  /**
   * The invitation a survey of this kind would open with, worded as the business words it, with
   * nothing stored: the web chat shows it before the visitor answers (a page view starts no survey).
   */
  async firstMessages(input: { kind: SurveyKind; locale?: Locale; context?: { order?: string; product?: string; location?: string } }): Promise<Outbound[]> {
    const wording = await businessWording(this.store, this.business.id);
    const { order, product, location } = input.context ?? {};
    const vars = { business: this.business.name, product, order, location };
    return startDialog({ kind: input.kind, locale: input.locale ?? this.business.locale, vars, now: this.now(), ...(wording ? { wording } : {}) }).outbound;
  }

  /** When this person was last asked, on any of their linked addresses (one more query only for a linked person). */
  private lastSurveyed(customer: CustomerRecord): Promise<Date | undefined> {
    if (!customer.personId) return Promise.resolve(customer.lastSurveyedAt);
    return this.store.customers.lastSurveyedOfPerson(this.business.id, customer.personId);
  }
}

/** A survey's messages queued for `sendAt`; later parts keep their order when a worker picks items by time. */
function queued<T extends object>(invitation: T, messages: ReadonlyArray<{ surveyId: string } & Outbound>, sendAt: Date) {
  return messages.map((message, i) => ({ ...invitation, message, nextAttemptAt: new Date(sendAt.getTime() + i) }));
}
