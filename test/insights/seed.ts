import { Types } from 'mongoose';
import { bandOf } from '../../src/domain/surveys.js';
import { recordEvents } from '../../src/insights/events.js';
import { recentFeatures } from '../../src/surveys/start-survey.js';
import type { Store } from '../../src/store/index.js';

/** Weeks 1-7 of the seeded data, Mondays of 2026 (UTC business). */
export const week = (n: number) => new Date(Date.UTC(2026, 0, 5 + (n - 1) * 7)).toISOString().slice(0, 10);
/** A time in week n: day 0 = Monday, at 12:00 UTC. */
export const at = (n: number, day: number) => new Date(Date.parse(`${week(n)}T12:00:00Z`) + day * 86_400_000);

export interface SeedPerson {
  product: 'X' | 'Y';
  /** NPS in week 4 and week 7. */
  scores: [number, number];
  comments: [string, string];
  /** The week-6 delivery was late. */
  late: boolean;
  locale?: 'en' | 'es' | 'ur';
}

const phone = (i: number) => `+1415555${String(2600 + i)}`;

/**
 * Customers with a purchase of their product in week 3 and an NPS survey about it in week 4, another
 * purchase in week 5, its delivery in week 6 and a second NPS survey about it in week 7. Events go through
 * `recordEvents` (customers matched by phone); surveys and counters are inserted through the
 * repositories, as a completed survey leaves them.
 */
export async function seedPeople(store: Store, people: readonly SeedPerson[]): Promise<string[]> {
  const now = at(8, 0);
  const events = people.flatMap((p, i) => [
    { type: 'purchase', at: at(3, 1), source: 'shop', sourceEventId: `first-${i}`, customer: { phone: phone(i) }, attributes: { product: p.product, amount: 30 } },
    { type: 'purchase', at: at(5, 1), source: 'shop', sourceEventId: `order-${i}`, customer: { phone: phone(i) }, attributes: { product: p.product, amount: 30 } },
    { type: 'delivery', at: at(6, 2), source: 'shop', sourceEventId: `delivery-${i}`, customer: { phone: phone(i) }, attributes: p.late ? { onTime: false, daysLate: 4 } : { onTime: true } },
  ]);
  const results = await recordEvents(store, 'default', events, { country: 'US', now });
  const customerIds = people.map((_, i) => {
    const r = results[i * 3];
    if (r?.status !== 'created') throw new Error(`seed event ${i}: ${JSON.stringify(r)}`);
    return r.customerId;
  });
  // What a survey started then would count in: the features of the customer's events of the 30 days before.
  const recent = await Promise.all(customerIds.map(async (id) => (await store.customers.byId(id, 'default'))?.recentEvents));
  const surveys = people.flatMap((p, i) =>
    ([4, 7] as const).map((w, k) => {
      const _id = new Types.ObjectId();
      const score = p.scores[k]!;
      return {
        _id,
        businessId: 'default',
        customerId: new Types.ObjectId(customerIds[i]),
        channel: 'sms',
        address: phone(i),
        kind: 'nps',
        state: 'completed',
        openKey: `closed:${_id.toString()}`,
        locale: p.locale ?? 'en',
        vars: { business: 'Acme' },
        trigger: 'api',
        score,
        band: bandOf('nps', score),
        comment: p.comments[k],
        invitedAt: at(w, 3),
        answeredAt: new Date(at(w, 3).getTime() + 60_000),
        completedAt: new Date(at(w, 3).getTime() + 120_000),
        week: week(w),
        tags: [],
        context: { product: p.product, order: w === 4 ? `first-${i}` : `order-${i}` },
        precededBy: recentFeatures(recent[i], at(w, 3)),
      };
    }),
  );
  await store.surveys.model.insertMany(surveys);
  for (const s of surveys) {
    const key = { businessId: 'default', kind: 'nps', week: s.week, channel: 'sms', context: s.context, precededBy: s.precededBy };
    await store.rollups.add(key, ['sent', 'scored', 'completed', 'commented', 'score'], s.score);
  }
  return customerIds;
}

/**
 * The planted cause: 20 customers of product X, 18 of whose week-6 deliveries are late and whose
 * NPS falls from 9-10 to 2-6; 20 of product Y, on time but for 2 (who stay at 9), 2 of whom drop
 * anyway. Detractors write about the late delivery in English (12), Spanish (3) and Urdu (3).
 */
export function plantedCause(): SeedPerson[] {
  const people: SeedPerson[] = [];
  for (let i = 0; i < 20; i++) {
    const late = i < 18;
    const locale = i < 12 ? 'en' : i < 15 ? 'es' : i < 18 ? 'ur' : 'en';
    const complaint = { en: 'Late delivery, the parcel came days after', es: 'La entrega llegó tarde', ur: 'ڈیلیوری لیٹ آئی' }[locale];
    people.push({ product: 'X', scores: [i % 2 ? 9 : 10, late ? 2 + (i % 5) : 9], comments: ['great shop', late ? complaint : 'fine again'], late, locale });
  }
  for (let i = 0; i < 20; i++) {
    const drop = i >= 18;
    people.push({ product: 'Y', scores: [i % 2 ? 10 : 9, drop ? 6 : 9 + (i % 2)], comments: ['great shop', drop ? 'too expensive now' : 'fine again'], late: i < 2 });
  }
  return people;
}

/**
 * No cause: the same shape, with late deliveries (every fifth customer), drops (every fourth from
 * the second) and products (the first half X) assigned independently, and a score distribution that
 * does not change from week 4 to week 7. Everyone writes much the same comment.
 */
export function noCause(): SeedPerson[] {
  return Array.from({ length: 40 }, (_, i) => ({
    product: i < 20 ? ('X' as const) : ('Y' as const),
    scores: [i % 4 === 0 ? 6 : 9, i % 4 === 1 ? 6 : 9] as [number, number],
    comments: ['service was average', 'service was average again'] as [string, string],
    late: i % 5 === 0,
  }));
}
