/**
 * Seeded data sets for the planted-cause tests, as another tool would hand them over: events for
 * `POST /events` and answered surveys for `POST /surveys/import`. Each set lives in its own five
 * weeks (sets six weeks apart from Monday 1 January 2024), so one server holds them all.
 */
export type Shape = 'product' | 'feature' | 'combination' | 'none' | 'staff-refund' | 'location-refund-delay';

export interface DataSet {
  events: unknown[];
  rows: unknown[];
  /** The Monday of the set's last week: the digest of that week reads the set's weeks 2-5. */
  digestWeek: string;
  kind: 'nps' | 'csat';
}

/** mulberry32: a small seeded generator, so every run builds the same sets. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const day = 86_400_000;
export const iso = (d: Date) => d.toISOString().slice(0, 10);
/** A data set's first Monday. */
export const mondayOf = (slot: number) => new Date(Date.UTC(2024, 0, 1) + slot * 42 * day);

const locations = ['Leeds', 'York', 'Bath', 'Hull'];
const products = ['Kettle', 'Toaster', 'Blender'];

/** When the i-th answer of a set was given: one of its five weeks, from Wednesday, within two days. */
const answerTime = (slot: number, i: number, rand: () => number) => new Date(mondayOf(slot).getTime() + (i % 5) * 7 * day + 2 * day + Math.floor(rand() * 48) * 3_600_000);
const digestWeekOf = (slot: number) => iso(new Date(mondayOf(slot).getTime() + 4 * 7 * day));

/**
 * 300 NPS answers by location and product, with deliveries (on time, 1-2 or 3-6 days late) and
 * resolved support tickets (fast, or after more than 48 h) before them. A planted cause puts 80 %
 * of its customers at 0-4: customers of the Blender, those after a delivery 3+ days late, or those
 * of Leeds after a slow ticket; `none` plants nothing.
 */
export function dataSet(slot: number, seed: number, shape: Exclude<Shape, 'staff-refund'>): DataSet {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const events: unknown[] = [];
  const rows: unknown[] = [];
  for (let i = 0; i < 300; i++) {
    const customer = { externalId: `s${slot}-${i}` };
    const location = locations[i % 4]!;
    const product = pick(products);
    const at = answerTime(slot, i, rand);
    const r = rand();
    const daysLate = r < 0.4 ? undefined : r < 0.7 ? 0 : r < 0.85 ? 1 + Math.floor(rand() * 2) : 3 + Math.floor(rand() * 4);
    if (daysLate !== undefined) {
      events.push({ type: 'delivery', at: new Date(at.getTime() - (2 + Math.floor(rand() * 8)) * day).toISOString(), source: 'shop', sourceEventId: `d${slot}-${i}`, customer, attributes: { onTime: daysLate === 0, ...(daysLate ? { daysLate } : {}) } });
    }
    const slowTicket = rand() < 0.5 ? rand() < 0.5 : undefined;
    if (slowTicket !== undefined) {
      events.push({ type: 'support_ticket', at: new Date(at.getTime() - (1 + Math.floor(rand() * 9)) * day).toISOString(), source: 'desk', sourceEventId: `t${slot}-${i}`, customer, attributes: { status: 'resolved', minutesToResolution: slowTicket ? 3000 + Math.floor(rand() * 3000) : 30 + Math.floor(rand() * 1000) } });
    }
    const caused =
      (shape === 'product' && product === 'Blender') || (shape === 'feature' && (daysLate ?? 0) >= 3) || (shape === 'combination' && location === 'Leeds' && slowTicket === true);
    const b = rand();
    const score = caused && rand() < 0.8 ? Math.floor(rand() * 5) : b < 0.5 ? 9 + Math.floor(rand() * 2) : b < 0.8 ? 7 + Math.floor(rand() * 2) : Math.floor(rand() * 7);
    rows.push({ sourceId: `r${slot}-${i}`, kind: 'nps', score, answeredAt: at.toISOString(), customer, context: { product, location } });
  }
  return { events, rows, digestWeek: digestWeekOf(slot), kind: 'nps' };
}

const staff = ['Priya', 'Tomasz', 'Ade'];
const towns = ['Cardiff', 'Derry', 'Oban'];
const machines = ['Espresso machine', 'Grinder'];

/**
 * Other shapes with other names: 300 CSAT answers (1-5) of a café supplier, customers identified by
 * e-mail, with purchases and refunds before them. `staff-refund`: by member of staff, refunds of
 * 5-99 or 100-499; 80 % of Priya's customers who had a refund of 100-499 answer 1 or 2.
 * `location-refund-delay`: by town, each refund told as a custom event `refund_delay` with the days
 * it took (1-5 or 10-20); 80 % of Oban's customers whose refund took 10-20 days answer 1 or 2.
 */
export function refundSet(slot: number, seed: number, shape: 'staff-refund' | 'location-refund-delay'): DataSet {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const events: unknown[] = [];
  const rows: unknown[] = [];
  for (let i = 0; i < 300; i++) {
    const customer = { email: `buyer${slot}.${i}@example.com` };
    const group = shape === 'staff-refund' ? { staff: staff[i % 3]! } : { location: towns[i % 3]! };
    const product = pick(machines);
    const at = answerTime(slot, i, rand);
    events.push({ type: 'purchase', at: new Date(at.getTime() - (10 + Math.floor(rand() * 10)) * day).toISOString(), source: 'till', sourceEventId: `p${slot}-${i}`, customer, attributes: { product, amount: 40 + Math.floor(rand() * 400) } });
    const big = rand() < 0.6 ? rand() < 0.5 : undefined;
    const refundAt = new Date(at.getTime() - (1 + Math.floor(rand() * 6)) * day).toISOString();
    if (big !== undefined && shape === 'staff-refund') {
      events.push({ type: 'refund', at: refundAt, source: 'till', sourceEventId: `f${slot}-${i}`, customer, attributes: { amount: big ? 100 + Math.floor(rand() * 400) : 5 + Math.floor(rand() * 95), product } });
    } else if (big !== undefined) {
      events.push({ type: 'custom', at: refundAt, source: 'till', sourceEventId: `f${slot}-${i}`, customer, attributes: { name: 'refund_delay', days: big ? 10 + Math.floor(rand() * 11) : 1 + Math.floor(rand() * 5) } });
    }
    const caused = (group.staff === 'Priya' || group.location === 'Oban') && big === true;
    const b = rand();
    const score = caused && rand() < 0.8 ? 1 + Math.floor(rand() * 2) : b < 0.75 ? 4 + Math.floor(rand() * 2) : 1 + Math.floor(rand() * 3);
    rows.push({ sourceId: `c${slot}-${i}`, kind: 'csat', score, answeredAt: at.toISOString(), customer, context: { ...group, product } });
  }
  return { events, rows, digestWeek: digestWeekOf(slot), kind: 'csat' };
}
