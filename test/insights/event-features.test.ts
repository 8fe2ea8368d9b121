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
    expect(featuresOf({ type: 'custom', attributes: { name: 'visit', floors: 12 } })).toEqual(['custom', 'custom.floors=10-99', 'custom.name=visit']);
  });

  it('reads each bin as a sentence', () => {
    expect(
      ['delivery.daysLate=3-6', 'delivery.daysLate=7+', 'support_ticket.minutesToResolution=2880+', 'support_ticket.minutesToResolution=60-1439', 'purchase.amount=500+', 'custom.floors=10-99'].map(describeFeature),
    ).toEqual([
      'a delivery 3-6 days late',
      'a delivery 7+ days late',
      'a support ticket resolved after more than 48 h',
      'a support ticket resolved within a day',
      'a purchase for an amount of 500+',
      'a custom with floors 10-99',
    ]);
  });
});
