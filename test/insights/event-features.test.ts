import { describe, expect, it } from 'vitest';
import { binOf, describeFeature, featuresOf } from '../../src/insights/event-features.js';

describe('numbers of events as features', () => {
  it.each([
    [0, [0, 1, 3, 7], '0'],
    [2, [0, 1, 3, 7], '1-2'],
    [3, [0, 1, 3, 7], '3-6'],
    [6.5, [0, 1, 3, 7], '3-6'],
    [40, [0, 1, 3, 7], '7+'],
    [59, [0, 60, 1440, 2880], '0-59'],
    [2880, [0, 60, 1440, 2880], '2880+'],
  ])('%d in %j is %s', (value, bounds, label) => expect(binOf(value, bounds)).toBe(label));

  it('keeps text and yes/no values, and puts each number in its bin', () => {
    expect(featuresOf({ type: 'delivery', attributes: { onTime: false, daysLate: 4 } })).toEqual(['delivery', 'delivery.daysLate=3-6', 'delivery.onTime=false']);
    expect(featuresOf({ type: 'support_ticket', attributes: { status: 'resolved', minutesToResolution: 3100 } })).toEqual(['support_ticket', 'support_ticket.minutesToResolution=2880+', 'support_ticket.status=resolved']);
    expect(featuresOf({ type: 'purchase', attributes: { product: 'Kettle', amount: 120 } })).toEqual(['purchase', 'purchase.amount=100-499', 'purchase.product=Kettle']);
    // A number the defaults do not know falls in decades.
    expect(featuresOf({ type: 'custom', attributes: { name: 'visit', floors: 12 } })).toEqual(['custom', 'custom.visit.floors=10-99', 'custom.name=visit']);
  });

  it('names a custom event\'s details by the event, so two kinds of custom event with the same attribute stay apart', () => {
    const refund = featuresOf({ type: 'custom', attributes: { name: 'refund_delay', days: 14 } });
    const repair = featuresOf({ type: 'custom', attributes: { name: 'repair', days: 14 } });
    expect(refund).toEqual(['custom', 'custom.refund_delay.days=10-99', 'custom.name=refund_delay']);
    expect(refund.filter((f) => f.includes('.days=') && repair.includes(f))).toEqual([]);
    expect(['custom.refund_delay.days=10-99', 'custom.name=refund_delay', 'custom.name=visit'].map(describeFeature)).toEqual(['a refund delay with days 10-99', 'a refund delay', 'a visit']);
    // A name with the key's separators in it cannot be read as another key.
    expect(featuresOf({ type: 'custom', attributes: { name: 'a.b=c', n: 1 } })).toEqual(['custom', 'custom.a_b_c.n=1-9', 'custom.name=a.b=c']);
  });

  it('reads each bin as a sentence', () => {
    expect(
      ['delivery.daysLate=3-6', 'delivery.daysLate=7+', 'support_ticket.minutesToResolution=2880+', 'support_ticket.minutesToResolution=60-1439', 'purchase.amount=500+', 'custom.visit.floors=10-99'].map(describeFeature),
    ).toEqual([
      'a delivery 3-6 days late',
      'a delivery 7+ days late',
      'a support ticket resolved after more than 48 h',
      'a support ticket resolved within a day',
      'a purchase for an amount of 500+',
      'a visit with floors 10-99',
    ]);
  });
});
