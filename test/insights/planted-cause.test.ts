import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/digest/build-digest.js';
import { renderDigest } from '../../src/digest/render-digest.js';
import { metricsByCohort } from '../../src/insights/cohorts.js';
import { describeFeature } from '../../src/insights/drops.js';
import { dropsReportFor } from '../../src/insights/drops-report.js';
import { ValidationError } from '../../src/errors.js';
import { themesReportFor } from '../../src/insights/themes-report.js';
import { keptCommentIds } from '../../src/insights/week-analysis.js';
import type { TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { buildV1Server, envKey, v1 } from '../api/v1/v1-server.js';
import { at, importPeople, noCause, plantedCause, week } from './seed.js';

/** Built only through the public API: events through POST /events, answers through POST /surveys/import. */
describe('a planted cause: product X, late deliveries in week 6, NPS drops in week 7', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildV1Server({}, new TestClock(at(12, 0)));
    await importPeople(server.app, plantedCause());
  });
  afterAll(() => server.close());

  it('the drops report names late delivery and product X, with counts, lift and p', async () => {
    // As the API will ask: query strings, the server's clock.
    const { report } = await dropsReportFor(server.app.store, 'default', { from: week(7), to: week(8) }, at(12, 0));
    expect(report.pairs).toBe(40);
    expect(report.drops).toHaveLength(20);
    // 18 of 20 drops had a late delivery (4 days late) and a purchase of X before them; 2 of the 20 stable
    // pairs did: lift (18/20)/(2/20) = 9, and three features were tested (the days late among them, binned).
    expect(report.features.map((f) => [describeFeature(f.feature), f.drops, f.totalDrops, f.others, f.totalOthers, f.lift])).toEqual([
      ['a delivery 3-6 days late', 18, 20, 2, 20, 9],
      ['a late delivery', 18, 20, 2, 20, 9],
      ['a purchase of X', 18, 20, 2, 20, 9],
    ]);
    expect(report.features[0]!.adjustedP).toBeLessThan(0.001);
    // Three features with the same p: Benjamini–Hochberg gives min(3p/1, 3p/2, 3p/3) = p to each.
    expect(report.features[0]!.adjustedP).toBeCloseTo(report.features[0]!.p, 15);
    // Each drop lists the events in between: the week-5 purchase and the week-6 delivery.
    expect(report.drops[0]!.events.map((e) => e.type)).toEqual(['purchase', 'delivery']);
    // Interaction change, 30-day windows: each week-7 answer has the purchase and delivery before it, nothing after.
    expect(report.interactionChange?.byBand.detractor).toEqual({ surveys: 20, before: { purchase: 20, delivery: 20 }, after: {} });
  });

  it('pages through the period over the API: every drop once, the whole period\'s counts and features on each page', async () => {
    type Page = { pairs: number; dropCount: number; features: unknown[]; page: { answers: number; next: string | null }; drops: Array<{ to: { surveyId: string } }>; interactionChange: { byBand: { detractor: { surveys: number } } } };
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const res = await v1(server.app, envKey, 'GET', `/insights/drops?from=${week(7)}&to=${week(8)}&limit=7${after ? `&after=${after}` : ''}`);
      expect([res.statusCode, res.statusCode === 200 ? '' : res.body]).toEqual([200, '']);
      pages.push(res.json() as Page);
      after = pages.at(-1)!.page.next;
    } while (after && pages.length < 10);
    // Week 7 holds 40 answers: five pages of 7 and one of 5, the last without a next page.
    expect(pages.map((p) => [p.page.answers, p.page.next === null])).toEqual([[7, false], [7, false], [7, false], [7, false], [7, false], [5, true]]);
    const drops = pages.flatMap((p) => p.drops.map((d) => d.to.surveyId));
    expect(new Set(drops).size).toBe(20);
    expect(drops).toHaveLength(20);
    for (const p of pages) expect([p.pairs, p.dropCount, p.features]).toEqual([40, 20, pages[0]!.features]);
    expect(pages[0]!.features).toHaveLength(3);
    // The pages' interaction counts add up to the period's.
    expect(pages.reduce((sum, p) => sum + p.interactionChange.byBand.detractor.surveys, 0)).toBe(20);
    // A page of another period is refused with the field named.
    const other = await v1(server.app, envKey, 'GET', `/insights/drops?from=${week(1)}&to=${week(2)}&after=${pages[0]!.page.next}`);
    expect([other.statusCode, other.json().detail]).toEqual([400, 'query.after: not a page of this period']);
    const forged = await v1(server.app, envKey, 'GET', `/insights/drops?from=${week(7)}&to=${week(8)}&after=page2`);
    expect(forged.statusCode).toBe(400);
    expect(forged.json().detail).toMatch(/after/);
  });

  it('refuses a bad query with what is wrong', async () => {
    await expect(dropsReportFor(server.app.store, 'default', { from: week(8), to: week(7) }, at(12, 0))).rejects.toThrow(new ValidationError('from: must be before to'));
    await expect(themesReportFor(server.app.store, 'default', { from: 'soon', to: week(7), period: 'year' })).rejects.toThrow(ValidationError);
  });

  it('the cohort report flags product X in week 7 against the rest of the business', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'week', from: week(7), to: week(7) });
    const x = m.periods[0]!.groups.find((g) => g.group === 'X')!;
    // X: 2 promoters, 18 detractors of 20 → −80; the rest (Y): 18 promoters, 2 detractors → +80.
    expect([x.n, x.score, x.rest.n, x.rest.score, x.flagged]).toEqual([20, -80, 20, 80, true]);
    expect(m.periods[0]!.groups.find((g) => g.group === 'Y')).toMatchObject({ score: 80, flagged: true });
  });

  it('the cohort report by preceding event flags the late delivery, from the counters alone', async () => {
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'event', period: 'week', from: week(7), to: week(7) });
    const late = m.periods[0]!.groups.find((g) => g.group === 'delivery.onTime=false')!;
    // 20 late deliveries (18 of X, before a drop to a detractor; 2 of Y, who stay at 9): 2 − 18 of 20 → −80.
    expect(late).toMatchObject({ n: 20, score: -80, flagged: true });
    expect(late.rest.n).toBe(20);
    expect(m.periods[0]!.groups.find((g) => g.group === 'delivery.onTime=true')).toMatchObject({ n: 20, flagged: true });
    expect(m.periods[0]!.groups.find((g) => g.group === 'purchase.product=X')).toMatchObject({ n: 20, score: -80, flagged: true });
  });

  it('the themes name the late delivery among detractors', async () => {
    const [detractors] = (await themesReportFor(server.app.store, 'default', { from: week(7), to: week(8), period: 'week' })).report;
    expect(detractors!.themes[0]).toMatchObject({ term: 'late delivery', count: 12, of: 20, otherCount: 0, otherOf: 20 });
    // From the week's kept analysis: the first few of its 12 comments.
    expect(detractors!.themes[0]!.commentIds).toHaveLength(keptCommentIds);
  });

  it('the digest says so: the cohort, the late delivery before drops, the top detractor theme', async () => {
    const text = renderDigest(await buildDigest(server.app.store, 'default', week(7)));
    const lines = text.split('\n');
    // X over weeks 3-6: 20 promoters (+100); week 7: −80. Margin 1.96·100·sqrt((0.1 + 0.9 − 0.8²)/20) = 26.3 (the baseline is unanimous).
    // Tried: product X, product Y, channel sms and identity identified (NPS only), adjusted together.
    expect(lines).toContain('Group that moved: product X NPS -80 (n=20) this week vs NPS +100 (n=20) in its 4 weeks before; NPS -180 ±26.3 (adjusted p < 0.001, 4 groups tried)');
    expect(lines).toContain('Before NPS drops (weeks 2026-01-26 to 2026-02-16): A delivery 3-6 days late preceded 18 of 20 drops vs 2 of 20 stable or rising NPS answers (lift 9, adjusted p < 0.001)');
    // Weeks 4-7 hold 80 answers. After the late delivery: 18 X detractors and 2 Y promoters, (2 − 18)/20 = −80;
    // everyone else: 40 promoters in week 4, 18 in week 7 and the 2 Y detractors, (58 − 2)/60 = +93.3. Margin
    // 1.96·100·sqrt((0.1 + 0.9 − 0.8²)/20 + (1 − (56/60)²)/60) = 27.8. Seven segments tried: products X and Y, a
    // purchase of X and of Y, a late and an on-time delivery, a delivery 3-6 days late (every purchase amount falls
    // in one bin and leaves no rest, each order holds one answer, and no combination scores below both its parts).
    expect(lines).toContain('Scores fell most (weeks 2026-01-26 to 2026-02-16): after a delivery 3-6 days late, NPS -80 (n=20) vs NPS +93.3 (n=60) for everyone else; NPS -173.3 ±27.8 (adjusted p < 0.001, 7 segments tried)');
    // Detractor comments: 20 in week 7; promoter comments: 40 in week 4 and 20 in week 7.
    expect(lines).toContain('Top detractor theme (weeks 2026-01-26 to 2026-02-16): "late delivery" in 12 of 20 detractor comments vs 0 of 60 promoter comments (adjusted p < 0.001)');
  });
});

describe('the same shape with no cause', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildV1Server({}, new TestClock(at(12, 0)));
    await importPeople(server.app, noCause());
  });
  afterAll(() => server.close());

  it('finds drops but no event before them often enough to report, flags no product, and the digest adds no line', async () => {
    const { report } = await dropsReportFor(server.app.store, 'default', { from: week(7), to: week(8) }, at(12, 0));
    expect(report.drops).toHaveLength(10);
    expect(report.features).toEqual([]);
    const m = await metricsByCohort(server.app.store, 'default', { kind: 'nps', by: 'product', period: 'week', from: week(7), to: week(7) });
    expect(m.periods[0]!.groups.map((g) => [g.group, g.score, g.flagged])).toEqual([['X', 50, false], ['Y', 50, false]]);
    const text = renderDigest(await buildDigest(server.app.store, 'default', week(7)));
    expect(text).not.toMatch(/Group that moved|Before \w+ drops|Top detractor theme/);
    expect(text).toMatch(/^NPS \+50 /m); // the digest itself is there
  });
});
