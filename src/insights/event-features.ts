import { ownerWords, type OwnerWords } from '../dialogs/prompts/owner-words.js';
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
export const numericBins: Record<string, { bounds: number[] }> = {
  'delivery.daysLate': { bounds: [0, 1, 3, 7] },
  'support_ticket.minutesToResolution': { bounds: [0, 60, 1440, 2880] },
  'purchase.amount': { bounds: [0, 20, 100, 500] },
  'refund.amount': { bounds: [0, 20, 100, 500] },
  'web_visit.durationSeconds': { bounds: [0, 30, 300] },
};
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

const english = ownerWords('en');
const knownTypes = ['purchase', 'delivery', 'support_ticket', 'web_visit', 'social_mention', 'refund', 'custom'];
const articleOf = (noun: string) => (/^[aeiou]/.test(noun) ? 'an' : 'a');
const ticketBins: Record<string, string> = { '0-59': 'hour', '60-1439': 'day', '1440-2879': 'twoDays', '2880+': 'more' };

/**
 * How a feature reads in a sentence, in the reader's language: "a late delivery", "a purchase of
 * Kettle", "a support ticket resolved after more than 48 h".
 */
export const describeFeatureIn = (w: OwnerWords) => (feature: string): string => {
  const dot = feature.indexOf('.');
  const type = dot < 0 ? feature : feature.slice(0, dot);
  const rest = dot < 0 ? undefined : feature.slice(dot + 1);
  const equals = (rest ?? '').indexOf('=');
  const name = equals < 0 ? (rest ?? '') : rest!.slice(0, equals);
  const value = equals < 0 ? '' : rest!.slice(equals + 1);
  // A bin's bounds in the language's digits ("3-6", "۳-۶"); English keeps them as written.
  const bin = w.locale === 'en' ? value : value.replace(/\d+/g, (d) => w.number(Number(d), 0));
  const named = (words: string) => w.t('feature.named', { article: articleOf(words), name: words });
  const thing = knownTypes.includes(type) ? w.t('feature.type', { type }) : named(type.replace('_', ' '));
  if (!rest) return thing;
  if (type === 'custom') {
    // `custom.name=refund_delay` is "a refund delay"; `custom.refund_delay.days=10-99` "a refund delay with days 10-99".
    if (name === 'name') return named(value.replace(/_/g, ' '));
    const last = name.lastIndexOf('.');
    if (last > 0) return w.t('feature.with', { thing: named(name.slice(0, last).replace(/_/g, ' ')), name: name.slice(last + 1), value: bin });
  }
  const key = `${type}.${name}`;
  if (numericBins[key]) {
    if (key === 'delivery.daysLate') return w.t('feature.daysLate', { thing, onTheDay: value === '0' ? 'yes' : 'no', days: bin });
    if (key === 'support_ticket.minutesToResolution') return w.t('feature.resolved', { thing, bin: ticketBins[value] ?? 'more' });
    if (key === 'web_visit.durationSeconds') return w.t('feature.lasting', { thing, value: bin });
    return w.t('feature.amount', { thing, value: bin });
  }
  if (type === 'delivery' && name === 'onTime') return w.t(value === 'false' ? 'feature.lateDelivery' : 'feature.onTimeDelivery');
  if ((type === 'purchase' || type === 'refund') && name === 'product') return w.t(type === 'purchase' ? 'feature.purchaseOf' : 'feature.refundOf', { value });
  if (type === 'support_ticket' && name === 'status') return w.t(value === 'opened' ? 'feature.ticketOpened' : 'feature.ticketResolved');
  return w.t('feature.with', { thing, name, value: bin });
};

/** The same in English (the API's and the dashboard's words). */
export const describeFeature = describeFeatureIn(english);
