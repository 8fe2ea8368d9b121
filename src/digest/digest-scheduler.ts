import type { FastifyBaseLogger } from 'fastify';
import { Types } from 'mongoose';
import type { ChannelName } from '../channels/channel.js';
import type { StaffService } from '../staff/staff-service.js';
import { claim, isDuplicateKey, type Store } from '../store/index.js';
import { localParts, shiftWeek, weekKey } from '../surveys/calendar.js';
import type { Outbox } from '../surveys/outbox.js';
import { buildDigest } from './build-digest.js';
import { renderDigest, renderSmsDigest } from './render-digest.js';
import { trendChart } from './trend-chart.js';

/** Channels that show pictures get the 12-week trend chart with the digest text. */
const pictureChannels: readonly string[] = ['telegram', 'teams'];

export interface DigestSchedule {
  /** 0 = Monday … 6 = Sunday, in the business time zone. */
  weekday: number;
  /** Minutes since local midnight. */
  minute: number;
}

type Item = { outboxId: Types.ObjectId; channel: string; address: string; tries?: number; gaveUp?: boolean | null };

/** Sends of one digest to one owner identity before it is given up (each send has the outbox's own retries). */
export const maxDigestTries = 3;

/**
 * Sends each business one digest per week at its scheduled local time. Driven by the sweeper on
 * every instance: the unique `(businessId, periodStart)` insert picks one digest, outbox ids fixed
 * before queueing make every step safe to repeat, and a failed send is queued again, not lost.
 */
export class DigestScheduler {
  constructor(
    private readonly store: Store,
    private readonly business: { id: string; timeZone: string },
    private readonly staff: StaffService,
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

  async text(periodStart: string, channel: ChannelName): Promise<string> {
    const digest = await buildDigest(this.store, this.business.id, periodStart);
    return channel === 'sms' ? renderSmsDigest(digest) : renderDigest(digest); // no link until the dashboard page exists
  }

  /** One pass, after the outbox flush: claim the due digest, queue what is missing, settle what was sent. */
  async sweep(): Promise<number> {
    const period = this.duePeriod(this.now());
    if (period && (await this.staff.hasOwner())) {
      await this.store.digests.create({ businessId: this.business.id, periodStart: period }).catch((err: unknown) => {
        if (!isDuplicateKey(err)) throw err; // another instance (or an earlier pass) claimed it
      });
    }
    let sent = 0;
    const pending = await this.store.digests.find({ businessId: this.business.id, state: 'pending' }, { _id: 1 }).sort({ periodStart: 1 }).limit(10).lean();
    for (const { _id } of pending) {
      try {
        if (await this.advance(_id)) sent++;
      } catch (err) {
        this.log.error({ err, digestId: _id.toString() }, 'digest sweep failed; next sweep retries');
      }
    }
    return sent;
  }

  private async advance(id: Types.ObjectId): Promise<boolean> {
    let digest = await this.store.digests.findById(id).lean();
    if (!digest || digest.state !== 'pending') return false;
    if (digest.rev === 0) {
      // Changes of `items` are claimed by a unique insert: a conditional update alone let two writers win on FerretDB.
      if (await claim(this.store, `digest:${id.toString()}:0`, this.now())) {
        const items = (await this.staff.ownerIdentities()).map((o) => ({ outboxId: new Types.ObjectId(), ...o }));
        await this.store.digests.updateOne({ _id: id }, { $set: { items, rev: 1 } });
      }
      digest = await this.store.digests.findById(id).lean();
      if (!digest || digest.rev === 0) return false; // the winner is still choosing the recipients
    }
    let items = digest.items as Item[];
    const states = await this.outboxStates(items);
    const missing = items.filter((i) => !i.gaveUp && !states.has(i.outboxId.toString()));
    const texts = new Map<string, string>();
    let chart: Awaited<ReturnType<typeof trendChart>> | null = null;
    for (const item of missing) {
      const channel = item.channel as ChannelName;
      if (!texts.has(channel)) texts.set(channel, await this.text(digest.periodStart, channel));
      if (chart === null && pictureChannels.includes(channel)) chart = await trendChart(this.store, this.business.id, digest.periodStart);
      const image = pictureChannels.includes(channel) ? (chart ?? undefined) : undefined;
      await this.outbox
        .enqueue({ businessId: this.business.id, channel, address: item.address, purpose: 'digest', messages: [{ text: texts.get(channel) ?? '', ...(image ? { image } : {}) }], at: this.now(), ids: [item.outboxId] })
        .catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
      await this.outbox.deliver([item.outboxId]);
    }
    const settled = missing.length ? await this.outboxStates(items) : states;
    // A permanently failed send gets a fresh outbox item, queued on the next pass, until it is given up.
    const failed = items.filter((i) => !i.gaveUp && settled.get(i.outboxId.toString()) === 'failed');
    if (failed.length) {
      const givenUp = failed.filter((i) => (i.tries ?? 1) >= maxDigestTries);
      const next = items.map((i) =>
        !failed.includes(i) ? i : givenUp.includes(i) ? { ...i, gaveUp: true } : { ...i, outboxId: new Types.ObjectId(), tries: (i.tries ?? 1) + 1 },
      );
      if (!(await claim(this.store, `digest:${id.toString()}:${digest.rev}`, this.now()))) return false;
      await this.store.digests.updateOne({ _id: id }, { $set: { items: next, rev: digest.rev + 1 } });
      for (const i of givenUp) this.log.warn({ periodStart: digest.periodStart, channel: i.channel, tries: i.tries ?? 1 }, 'weekly digest given up for one owner identity');
      if (givenUp.length < failed.length) return false; // the fresh items go out on the next pass
      items = next;
    }
    if (!items.every((i) => i.gaveUp || settled.get(i.outboxId.toString()) === 'sent')) return false;
    if (!(await claim(this.store, `digest:${id.toString()}:sent`, this.now()))) return false;
    const delivered = items.filter((i) => !i.gaveUp).length;
    await this.store.digests.updateOne({ _id: id }, { $set: { state: delivered ? 'sent' : 'failed', sentAt: this.now() } });
    this.log.info({ periodStart: digest.periodStart, owners: delivered, gaveUp: items.length - delivered }, delivered ? 'weekly digest sent' : 'weekly digest reached no owner');
    return delivered > 0;
  }

  private async outboxStates(items: Item[]): Promise<Map<string, string>> {
    const docs = await this.store.outbox.find({ _id: { $in: items.map((i) => i.outboxId) } }, { state: 1 }).lean();
    return new Map(docs.map((d) => [d._id.toString(), d.state]));
  }
}
