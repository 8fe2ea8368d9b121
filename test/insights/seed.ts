import type { FastifyInstance } from 'fastify';
import { envKey, v1 } from '../api/v1/v1-server.js';

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
 * Customers with a purchase of their product in week 3 and an NPS answer about it on Thursday of
 * week 4, another purchase in week 5, its delivery in week 6 and a second NPS answer about it in week
 * 7, built as a business moving from another tool would: the events through `POST /events`, then
 * the answers (by phone, with comment, language and context) through `POST /surveys/import`, which
 * links each to its customer and its events of the 30 days before. The server's clock must be past
 * week 7. Returns the customers' ids.
 */
export async function importPeople(app: FastifyInstance, people: readonly SeedPerson[]): Promise<string[]> {
  const events = people.flatMap((p, i) => [
    { type: 'purchase', at: at(3, 1).toISOString(), source: 'shop', sourceEventId: `first-${i}`, customer: { phone: phone(i) }, attributes: { product: p.product, amount: 30 } },
    { type: 'purchase', at: at(5, 1).toISOString(), source: 'shop', sourceEventId: `order-${i}`, customer: { phone: phone(i) }, attributes: { product: p.product, amount: 30 } },
    { type: 'delivery', at: at(6, 2).toISOString(), source: 'shop', sourceEventId: `delivery-${i}`, customer: { phone: phone(i) }, attributes: p.late ? { onTime: false, daysLate: 4 } : { onTime: true } },
  ]);
  const sent = await v1(app, envKey, 'POST', '/events', events);
  const results = sent.json().results as Array<{ status: string; customerId?: string }>;
  if (sent.statusCode !== 200 || results.some((r) => r.status !== 'created')) throw new Error(`events: ${sent.statusCode} ${sent.body.slice(0, 300)}`);
  const rows = people.flatMap((p, i) =>
    ([4, 7] as const).map((w, k) => ({
      sourceId: `${w === 4 ? 'first' : 'order'}-${i}`,
      kind: 'nps',
      score: p.scores[k],
      comment: p.comments[k],
      answeredAt: new Date(at(w, 3).getTime() + 60_000).toISOString(),
      customer: { phone: phone(i) },
      channel: 'sms',
      context: { product: p.product, order: w === 4 ? `first-${i}` : `order-${i}` },
      locale: p.locale ?? 'en',
    })),
  );
  const imported = await v1(app, envKey, 'POST', '/surveys/import?source=previous-tool', rows);
  if (imported.statusCode !== 200 || imported.json().created !== rows.length) throw new Error(`import: ${imported.statusCode} ${imported.body.slice(0, 300)}`);
  return people.map((_, i) => results[i * 3]!.customerId!);
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
