import type { FastifyBaseLogger } from 'fastify';
import { channelFacts } from '../domain/channel-facts.js';
import type { ChannelName, Outbound } from '../domain/channels.js';
import { ownerWords } from '../dialogs/prompts/owner-words.js';
import type { Locale } from '../domain/surveys.js';
import { outboxIdOf, type DigestItem, type DigestRecord, type OwnerIdentity, type Store } from '../store/index.js';
import { localParts, shiftWeek, weekKey } from '../domain/calendar.js';
import type { Outbox } from '../surveys/outbox.js';
import { buildDigest } from './build-digest.js';
import { renderDigest, renderSmsDigest } from './render-digest.js';
import { trendChart } from './trend-chart.js';

/** Who the digest goes to: the business's owners. */
export interface DigestRecipients {
  hasOwner(): Promise<boolean>;
  ownerIdentities(): Promise<OwnerIdentity[]>;
}

export interface DigestSchedule {
  /** 0 = Monday … 6 = Sunday, in the business time zone. */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

/** Sends of one digest to one owner identity before it is given up (each send has the outbox's own retries). */
export const maxDigestTries = 3;

/** The outbox key of one send of a digest to one owner address: the same try is never queued twice. */
const sendKey = (digest: DigestRecord, item: DigestItem) => `digest:${digest.id}:${item.channel}:${item.address}:${item.tries}`;

/**
 * Sends each business one digest per week at its scheduled local time. Driven by the sweeper on
 * every instance: the unique `(businessId, periodStart)` insert picks one digest, outbox items named
 * by digest, owner and try make every step safe to repeat, and a failed send is queued again, not lost.
 */
export class DigestScheduler {
  constructor(
    private readonly store: Store,
    private readonly business: { id: string; timeZone: string; locale: Locale },
    private readonly staff: DigestRecipients,
    private readonly outbox: Outbox,
    private readonly schedule: DigestSchedule,
    private readonly dashboardUrl: string,
    private readonly now: () => Date,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** The week whose digest is due at `now` (last week, once this week's scheduled time has passed). */
  duePeriod(now: Date): string | undefined {
    const local = localParts(now, this.business.timeZone);
    if (local.weekday * 1440 + local.minute < this.schedule.weekday * 1440 + this.schedule.minute) return undefined;
    return shiftWeek(weekKey(now, this.business.timeZone), -1);
  }

  /** The last full week, as `/digest` reports it. */
  lastWeek(now: Date): string {
    return shiftWeek(weekKey(now, this.business.timeZone), -1);
  }

  /** The digest's text for this channel, in this language (the owner's own, else the business's). */
  async text(periodStart: string, channel: ChannelName, locale: Locale = this.business.locale): Promise<string> {
    const digest = await buildDigest(this.store, this.business.id, periodStart);
    const w = ownerWords(locale);
    return channelFacts[channel].digest === 'short' ? renderSmsDigest(digest, this.dashboardUrl, w) : renderDigest(digest, this.dashboardUrl, w);
  }

  /** The digest as one message for this channel: the text, and the trend chart where the channel shows pictures (`/digest` too). */
  async message(periodStart: string, channel: ChannelName, locale: Locale = this.business.locale): Promise<Outbound> {
    const text = await this.text(periodStart, channel, locale);
    // Channels that show pictures get the 12-week trend chart with the digest text.
    const image = channelFacts[channel].pictures ? await trendChart(this.store, this.business.id, periodStart, ownerWords(locale)) : undefined;
    return { text, ...(image ? { image } : {}), ...(ownerWords(locale).dir === 'rtl' ? { dir: 'rtl' as const } : {}) };
  }

  /** One pass, after the outbox flush: create the due digest, queue what is missing, settle what was sent. */
  async sweep(): Promise<number> {
    const period = this.duePeriod(this.now());
    if (period && (await this.staff.hasOwner())) await this.store.digests.createIfAbsent(this.business.id, period);
    let sent = 0;
    for (const digest of await this.store.digests.pending(this.business.id, 10)) {
      try {
        if (await this.advance(digest)) sent++;
      } catch (err) {
        this.log.error({ err, digestId: digest.id }, 'digest sweep failed; next sweep retries');
      }
    }
    return sent;
  }

  private async advance(read: DigestRecord): Promise<boolean> {
    let digest = read;
    if (digest.rev === 0) {
      // The recipients are fixed once; whoever loses this race reads the winner's list.
      const items = (await this.staff.ownerIdentities()).map((o) => ({ channel: o.channel, address: o.address, tries: 1 }));
      await this.store.digests.update(digest, { items });
      const fixed = await this.store.digests.byId(read.id);
      if (!fixed || fixed.rev === 0 || fixed.state !== 'pending') return false;
      digest = fixed;
    }
    let items = digest.items;
    const idOf = (d: DigestRecord, i: DigestItem) => outboxIdOf(sendKey(d, i));
    const states = await this.store.outbox.states(items.map((i) => idOf(digest, i)));
    const missing = items.filter((i) => !i.gaveUp && !states.has(idOf(digest, i)));
    const texts = new Map<string, string>();
    const charts = new Map<Locale, Awaited<ReturnType<typeof trendChart>>>();
    // Each owner reads it in their own language, else the business's (as chosen when it is sent).
    const chosen = missing.length ? new Map((await this.staff.ownerIdentities()).map((o) => [`${o.channel}:${o.address}`, o.locale])) : new Map<string, Locale | undefined>();
    for (const item of missing) {
      const locale = chosen.get(`${item.channel}:${item.address}`) ?? this.business.locale;
      const textKey = `${item.channel}:${locale}`;
      if (!texts.has(textKey)) texts.set(textKey, await this.text(digest.periodStart, item.channel, locale));
      if (!charts.has(locale) && channelFacts[item.channel].pictures) charts.set(locale, await trendChart(this.store, this.business.id, digest.periodStart, ownerWords(locale)));
      const image = channelFacts[item.channel].pictures ? charts.get(locale) : undefined;
      const text = texts.get(textKey) ?? '';
      // Where the owner's chat needs a template to reopen, the text rides in one of their language.
      const dir = ownerWords(locale).dir === 'rtl' ? { dir: 'rtl' as const } : {};
      const message = { text, ...dir, ...(image ? { image } : {}), template: { purpose: 'owner' as const, locale, values: { text } } };
      const ids = await this.outbox.enqueue([{ businessId: this.business.id, channel: item.channel, address: item.address, purpose: 'digest', message, nextAttemptAt: this.now(), key: sendKey(digest, item) }]);
      await this.outbox.deliver(ids);
    }
    const settled = missing.length ? await this.store.outbox.states(items.map((i) => idOf(digest, i))) : states;
    // A permanently failed send gets a fresh try, queued on the next pass, until it is given up.
    const failed = items.filter((i) => !i.gaveUp && settled.get(idOf(digest, i)) === 'failed');
    if (failed.length) {
      const givenUp = failed.filter((i) => i.tries >= maxDigestTries);
      const next = items.map((i) => (!failed.includes(i) ? i : givenUp.includes(i) ? { ...i, gaveUp: true } : { ...i, tries: i.tries + 1 }));
      if (!(await this.store.digests.update(digest, { items: next }))) return false;
      for (const i of givenUp) this.log.warn({ periodStart: digest.periodStart, channel: i.channel, tries: i.tries }, 'weekly digest given up for one owner identity');
      if (givenUp.length < failed.length) return false; // the fresh tries go out on the next pass
      items = next;
      digest = { ...digest, items, rev: digest.rev + 1 };
    }
    if (!items.every((i) => i.gaveUp || settled.get(idOf(digest, i)) === 'sent')) return false;
    const delivered = items.filter((i) => !i.gaveUp).length;
    if (!(await this.store.digests.update(digest, { state: delivered ? 'sent' : 'failed', sentAt: this.now() }))) return false;
    this.log.info({ periodStart: digest.periodStart, owners: delivered, gaveUp: items.length - delivered }, delivered ? 'weekly digest sent' : 'weekly digest reached no owner');
    return delivered > 0;
  }
}
