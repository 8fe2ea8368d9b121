import type { EventAttribute, EventType } from '../store/index.js';

/** What an event carries, as the analyses read it. */
export interface FeatureSource {
  person?: string;
  at?: Date;
  type: EventType;
  attributes: Readonly<Record<string, EventAttribute>>;
}

/**
 * Bins of the numeric attributes: each bin is its lower bound (inclusive) up to the next one, the
 * last open-ended. Chosen so a bin reads as a fact an owner knows ("resolved after more than 48 h",
 * "3+ days late") and repeats often enough to be counted; any other number falls in decades.
 */
export const numericBins: Record<string, { bounds: number[]; unit: (label: string) => string }> = {
  'delivery.daysLate': { bounds: [0, 1, 3, 7], unit: (l) => (l === '0' ? 'on the day' : `${l} days late`) },
  'support_ticket.minutesToResolution': { bounds: [0, 60, 1440, 2880], unit: (l) => `resolved ${ticketText[l] ?? l}` },
  'purchase.amount': { bounds: [0, 20, 100, 500], unit: (l) => `for an amount of ${l}` },
  'refund.amount': { bounds: [0, 20, 100, 500], unit: (l) => `for an amount of ${l}` },
  'web_visit.durationSeconds': { bounds: [0, 30, 300], unit: (l) => `lasting ${l} seconds` },
};
const ticketText: Record<string, string> = { '0-59': 'within an hour', '60-1439': 'within a day', '1440-2879': 'after 24 to 48 h', '2880+': 'after more than 48 h' };
const decades = [0, 1, 10, 100, 1000, 10_000];

/** The bin label of a number: `3-6`, `7+`, or `0` for a bin of one whole value. */
export function binOf(value: number, bounds: readonly number[]): string {
  let i = 0;
  while (i + 1 < bounds.length && value >= bounds[i + 1]!) i++;
  const low = bounds[i]!;
  const next = bounds[i + 1];
  if (next === undefined) return `${low}+`;
  return next - low === 1 ? String(low) : `${low}-${next - 1}`;
}

/**
 * What an event says, as features: its type (`delivery`), each text or yes/no attribute
 * (`delivery.onTime=false`, `purchase.product=Kettle`) and each number in its bin
 * (`delivery.daysLate=3-6`, `support_ticket.minutesToResolution=2880+`), so "3 days late" and
 * "4 days late" count as one detail.
 */
export function featuresOf(e: FeatureSource): string[] {
  const features: string[] = [e.type];
  // A custom event's details carry its name (`custom.refund_delay.days=10-99`): two kinds of custom event with a `days` each stay apart.
  const custom = e.type === 'custom' && typeof e.attributes.name === 'string' ? `custom.${e.attributes.name.replace(/[.=]/g, '_')}` : undefined;
  for (const [name, value] of Object.entries(e.attributes).sort(([x], [y]) => x.localeCompare(y))) {
    const key = custom && name !== 'name' ? `${custom}.${name}` : `${e.type}.${name}`;
    if (typeof value === 'boolean' || (typeof value === 'string' && value.length <= 100 && !(e.type === 'social_mention' && name === 'text'))) features.push(`${key}=${String(value)}`);
    else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) features.push(`${key}=${binOf(value, numericBins[key]?.bounds ?? decades)}`);
  }
  return features;
}

const article = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

/** How a feature reads in a sentence: "a late delivery", "a purchase of Kettle", "a support ticket resolved after more than 48 h". */
export function describeFeature(feature: string): string {
  const dot = feature.indexOf('.');
  const type = dot < 0 ? feature : feature.slice(0, dot);
  const rest = dot < 0 ? undefined : feature.slice(dot + 1);
  const equals = (rest ?? '').indexOf('=');
  const name = equals < 0 ? (rest ?? '') : rest!.slice(0, equals);
  const value = equals < 0 ? undefined : rest!.slice(equals + 1);
  const noun = type.replace('_', ' ');
  if (!rest) return article(noun);
  if (type === 'custom') {
    // `custom.name=refund_delay` is "a refund delay"; `custom.refund_delay.days=10-99` "a refund delay with days 10-99".
    if (name === 'name') return article(String(value).replace(/_/g, ' '));
    const last = name.lastIndexOf('.');
    if (last > 0) return `${article(name.slice(0, last).replace(/_/g, ' '))} with ${name.slice(last + 1)} ${value}`;
  }
  const bins = numericBins[`${type}.${name}`];
  if (bins && value !== undefined) return `${article(noun)} ${bins.unit(value)}`;
  if (type === 'delivery' && name === 'onTime') return value === 'false' ? 'a late delivery' : 'an on-time delivery';
  if ((type === 'purchase' || type === 'refund') && name === 'product') return `${type === 'purchase' ? 'a purchase' : 'a refund'} of ${value}`;
  if (type === 'support_ticket' && name === 'status') return `${value === 'opened' ? 'an opened' : 'a resolved'} support ticket`;
  return `${article(noun)} with ${name} ${value}`;
}
