import { describe, expect, it } from 'vitest';
import { describeFeature, interactionChange, isDrop, precedingFeatures, scorePairs, timeToSolution, type EventPoint, type ScorePoint } from '../../src/insights/drops.js';

const day = (d: number) => new Date(Date.UTC(2026, 0, 1) + d * 86_400_000);
const point = (person: string, d: number, score: number, kind: ScorePoint['kind'] = 'nps'): ScorePoint => ({ surveyId: `${person}-${kind}-${d}`, person, kind, score, at: day(d) });
const event = (person: string, d: number, type: EventPoint['type'], attributes: EventPoint['attributes'] = {}): EventPoint => ({ person, type, at: day(d), attributes });

describe('the drop rule', () => {
  it.each([
    ['nps', 9, 7, true], // fell by 2
    ['nps', 9, 8, false], // fell by 1, still not a detractor
    ['nps', 7, 6, true], // turned detractor
    ['nps', 6, 5, false], // fell by 1, was a detractor already
    ['nps', 6, 4, true],
    ['nps', 5, 9, false],
    ['csat', 4, 3, true],
    ['csat', 4, 4, false],
    ['ces', 5, 4, true],
    ['ces', 4, 6, false],
  ] as const)('%s %i → %i: %s', (kind, before, after, drop) => {
    expect(isDrop(kind, before, after)).toBe(drop);
  });
});

describe('consecutive answers and the events between them', () => {
  it('pairs answers of the same kind per person, with the events after the first up to the second', () => {
    const pairs = scorePairs(
      [point('a', 5, 5), point('a', 1, 9), point('a', 3, 4), point('a', 2, 5, 'csat'), point('b', 1, 9)],
      [event('a', 0, 'web_visit', { page: '/' }), event('a', 2, 'delivery', { onTime: false }), event('a', 3, 'refund', { amount: 5 }), event('a', 4, 'purchase', { product: 'X' }), event('b', 2, 'purchase', { product: 'Y' })],
    );
    expect(pairs.map((p) => [p.before.score, p.after.score, p.drop, p.between.map((e) => e.type)])).toEqual([
      [9, 4, true, ['delivery', 'refund']], // the refund at the second answer's instant counts
      [4, 5, false, ['purchase']],
    ]);
  });
});

describe('features before drops', () => {
  // 6 drops (9 → 3) and 6 stable pairs (9 → 9). A late delivery before 5 drops and 1 stable pair; an
  // on-time one before 3 stable pairs; a purchase of X before 3 drops and no stable pair.
  const surveys: ScorePoint[] = [];
  const events: EventPoint[] = [];
  for (let i = 1; i <= 6; i++) {
    surveys.push(point(`d${i}`, 1, 9), point(`d${i}`, 10, 3), point(`o${i}`, 1, 9), point(`o${i}`, 10, 9));
    if (i <= 5) events.push(event(`d${i}`, 5, 'delivery', { onTime: false, daysLate: 3 }));
    if (i <= 3) events.push(event(`d${i}`, 3, 'purchase', { product: 'X', amount: 10 }));
    if (i >= 2 && i <= 4) events.push(event(`o${i}`, 5, 'delivery', { onTime: true }));
  }
  events.push(event('o1', 5, 'delivery', { onTime: false, daysLate: 1 }));

  it('counts, lifts and one-sided Fisher p by hand', () => {
    const stats = precedingFeatures(scorePairs(surveys, events));
    const rows = stats.map((s) => [s.feature, s.kind, s.drops, s.others, s.lift, Number(s.p.toFixed(6)), Number(s.adjustedP.toFixed(6))]);
    // Late delivery: lift (5/6)/(1/6) = 5; p = (C(6,5)·C(6,1) + C(6,6)) / C(12,6) = 37/924.
    // Its days late, binned (3 → 3-6): 5 drops, 0 stable (the stable one was 1 day late): p = C(5,5)·C(7,1) / C(12,6) = 7/924.
    // Purchase (of X, amount 10 → 0-19): 3 drops, 0 stable: lift none; p = C(3,3)·C(9,3) / C(12,6) = 84/924.
    // Any delivery: 5 drops, 4 stable: p = (C(9,5)·C(3,1) + C(9,6)) / C(12,6) = 462/924.
    // Six features tested, Benjamini–Hochberg (in 1/924): 6·7/1 = 42, 6·37/2 = 111, 6·84/3 = 168, 6·84/4 = 126,
    // 6·84/5 = 100.8, 6·462/6 = 462; the running minimum from the top makes ranks 2 to 5 100.8.
    const q = (x: number) => Number((x / 924).toFixed(6));
    expect(rows).toEqual([
      ['delivery.daysLate=3-6', 'nps', 5, 0, null, q(7), q(42)],
      ['delivery.onTime=false', 'nps', 5, 1, 5, q(37), q(100.8)],
      ['purchase', 'nps', 3, 0, null, q(84), q(100.8)],
      ['purchase.amount=0-19', 'nps', 3, 0, null, q(84), q(100.8)],
      ['purchase.product=X', 'nps', 3, 0, null, q(84), q(100.8)],
      ['delivery', 'nps', 5, 4, 1.25, 0.5, 0.5],
    ]);
    expect(stats[0]).toMatchObject({ totalDrops: 6, totalOthers: 6 });
  });

  it('never sets one kind\'s drops against another kind\'s pairs', () => {
    // NPS: 6 drops and 12 stable pairs, no tickets. CES: 8 drops and 2 stable pairs, a ticket before each.
    // Mixed, a ticket would precede 8 of 14 drops and 2 of 14 others (lift 4); per kind it never differs.
    const mixed: ScorePoint[] = [];
    const tickets: EventPoint[] = [];
    for (let i = 0; i < 6; i++) mixed.push(point(`n${i}`, 1, 9), point(`n${i}`, 10, 3));
    for (let i = 0; i < 12; i++) mixed.push(point(`s${i}`, 1, 9), point(`s${i}`, 10, 9));
    for (let i = 0; i < 10; i++) {
      mixed.push(point(`c${i}`, 1, 6, 'ces'), point(`c${i}`, 10, i < 8 ? 5 : 6, 'ces'));
      tickets.push(event(`c${i}`, 5, 'support_ticket', { status: 'resolved' }));
    }
    expect(precedingFeatures(scorePairs(mixed, tickets))).toEqual([]);
  });

  it('reports nothing below 5 drops or 5 other pairs', () => {
    const few = surveys.filter((s) => !['d5', 'd6'].includes(s.person));
    expect(precedingFeatures(scorePairs(few, events))).toEqual([]);
  });

  it('says what a feature is in words', () => {
    expect(['delivery.onTime=false', 'purchase.product=X', 'refund', 'support_ticket.status=opened', 'custom.name=visit', 'event'].map(describeFeature)).toEqual([
      'a late delivery', 'a purchase of X', 'a refund', 'an opened support ticket', 'a visit', 'an event',
    ]);
  });
});

describe('time to solution next to CES', () => {
  it('takes the median resolution minutes of the resolved tickets in the 30 days before each answer', () => {
    const ces = [point('c1', 40, 2, 'ces'), point('c2', 40, 6, 'ces'), point('c3', 40, 4, 'ces')];
    const tickets = [
      event('c1', 35, 'support_ticket', { status: 'resolved', minutesToResolution: 120 }),
      event('c1', 38, 'support_ticket', { status: 'resolved', minutesToResolution: 60 }),
      event('c1', 5, 'support_ticket', { status: 'resolved', minutesToResolution: 10 }), // 35 days before: outside
      event('c1', 39, 'support_ticket', { status: 'opened' }),
      event('c2', 39, 'support_ticket', { status: 'resolved', minutesToResolution: 30 }),
    ];
    const result = timeToSolution(ces, tickets);
    expect(result.rows.map((r) => [r.person, r.band, r.tickets, r.medianMinutes])).toEqual([
      ['c1', 'detractor', 2, 90],
      ['c2', 'promoter', 1, 30],
    ]);
    expect(result.byBand).toEqual({ detractor: { surveys: 1, medianMinutes: 90 }, passive: { surveys: 0, medianMinutes: null }, promoter: { surveys: 1, medianMinutes: 30 } });
  });
});

describe('interaction change around an answer', () => {
  it('counts events per type in equal windows before and after, for answers whose windows have ended', () => {
    const result = interactionChange(
      [point('a', 20, 3), point('b', 98, 10)],
      [
        event('a', 15, 'web_visit', { page: '/' }),
        event('a', 18, 'web_visit', { page: '/help' }),
        event('a', 19, 'purchase', { product: 'X' }),
        event('a', 12, 'purchase', { product: 'X' }), // 8 days before: outside the 7-day window
        event('a', 22, 'support_ticket', { status: 'opened' }),
        event('a', 30, 'web_visit', { page: '/' }), // 10 days after: outside
        event('b', 97, 'web_visit', { page: '/' }),
      ],
      day(100),
      7,
    );
    expect(result.byBand.detractor).toEqual({ surveys: 1, before: { web_visit: 2, purchase: 1 }, after: { support_ticket: 1 } });
    expect(result.rows).toEqual([{ surveyId: 'a-nps-20', person: 'a', band: 'detractor', before: { web_visit: 2, purchase: 1 }, after: { support_ticket: 1 } }]);
    expect(result.byBand.promoter).toEqual({ surveys: 0, before: {}, after: {} }); // its after-window ends on day 105
  });
});
