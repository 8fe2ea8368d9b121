import type { CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precedingFeatures } from '../../src/insights/drops.js';
import { periodPairs } from '../../src/insights/period-pairs.js';
import { recordEvents } from '../../src/insights/events.js';
import { segmentsReport } from '../../src/insights/segments.js';
import { commentThemes } from '../../src/insights/themes.js';
import { keptCommentIds, weekAnalyses, weeksDropFeatures, weeksPairs, weeksThemes } from '../../src/insights/week-analysis.js';
import { maxKeptBytes } from '../../src/store/week-analyses.js';
import { closeWeeks } from '../../src/surveys/week-counts.js';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { at, importPeople, plantedCause, week } from './seed.js';

const weeks = [week(4), week(5), week(6), week(7)];

describe('week analyses: computed once from a week’s surveys, kept, added up across weeks', () => {
  let server: TestServer;
  let customerIds: string[];
  const commands: CommandStartedEvent[] = [];
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000' }, { monitorCommands: true });
    customerIds = await importPeople(server.app, plantedCause());
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push(e));
  }, 60_000);
  afterAll(() => server.close());

  const store = () => server.app.store;
  /** The analyses of weeks 4-7, and the collections read to get them. */
  const analysed = async () => {
    commands.length = 0;
    const analyses = await weekAnalyses(store(), 'default', weeks);
    return { analyses, read: [...new Set(commands.map((c) => String(c.command[c.commandName])))].sort() };
  };
  const fullThemes = async () => {
    const surveys = await store().surveys.scored('default', { fromWeek: week(4), toWeek: week(7) }, { commented: true });
    return commentThemes(surveys.map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale, period: week(4) })));
  };

  it('a week is analysed when it closes, and reports then read its kept analysis, not its surveys or events', async () => {
    // Weeks 4 and 7 hold the surveys; the sweeper closes them once their surveys can no longer change.
    expect(await closeWeeks(store(), at(12, 0), 3 * 86_400_000)).toBe(2);
    const kept = await store().weekAnalyses.model.collection.find({ businessId: 'default' }).toArray();
    expect(kept.map((d) => d.week).sort()).toEqual([week(4), week(7)]);
    await weekAnalyses(store(), 'default', weeks); // weeks 5 and 6 (no surveys) are analysed on first read
    const { read } = await analysed();
    expect(read).toEqual(['week_analyses', 'week_counts']);
  });

  it('adds up to what reading the weeks’ surveys gives: drop features, pairs, themes (quotes: the first few ids)', async () => {
    const { analyses } = await analysed();
    const { pairs } = await periodPairs(store(), 'default', { fromWeek: week(4), toWeek: week(7) });
    expect(weeksDropFeatures(analyses)).toEqual(precedingFeatures(pairs));
    expect(weeksDropFeatures(analyses).map((f) => f.drops)).toEqual([18, 18, 18]);
    expect(weeksPairs(analyses)).toEqual({ pairs: pairs.length, drops: pairs.filter((p) => p.drop).length });
    const full = await fullThemes();
    const added = weeksThemes(analyses, week(4));
    // "late delivery": 12 detractor comments, more than the ids kept per term: the count is whole, the ids are the first five.
    expect(added[0]!.themes[0]).toMatchObject({ term: 'late delivery', count: 12, of: 20 });
    expect(added.map((p) => ({ ...p, themes: p.themes.map((t) => ({ ...t, commentIds: [] })) }))).toEqual(full.map((p) => ({ ...p, themes: p.themes.map((t) => ({ ...t, commentIds: [] })) })));
    expect(added[0]!.themes[0]!.commentIds).toEqual(full[0]!.themes[0]!.commentIds.slice(0, keptCommentIds));
    expect(added[0]!.themes[0]!.commentIds).toHaveLength(5);
  });

  it('the themes API answers from the kept weeks (no survey read), as reading those weeks’ surveys does', async () => {
    commands.length = 0;
    const res = await v1(server.app, envKey, 'GET', `/insights/themes?from=${week(4)}&to=${week(8)}&period=week`);
    expect(res.statusCode).toBe(200);
    expect([...new Set(commands.map((c) => String(c.command[c.commandName])))].filter((c) => c === 'surveys' || c === 'events')).toEqual([]);
    const answered = res.json() as Array<{ period: string; band: string; themes: Array<{ term: string; count: number; commentIds: string[] }> }>;
    const surveys = await store().surveys.scored('default', { fromWeek: week(4), toWeek: week(7) }, { commented: true });
    const full = commentThemes(surveys.map((s) => ({ id: s.id, band: s.band, comment: s.comment ?? '', locale: s.locale, period: s.week })));
    const trimmed = (periods: typeof answered) => periods.map((p) => ({ ...p, themes: p.themes.map((t) => ({ ...t, commentIds: t.commentIds.slice(0, keptCommentIds) })) }));
    expect(answered.length).toBeGreaterThan(0);
    expect(trimmed(answered)).toEqual(JSON.parse(JSON.stringify(trimmed(full))));
    const late = answered.find((p) => p.period === week(7) && p.band === 'detractor')!.themes[0]!;
    expect(late).toMatchObject({ term: 'late delivery', count: 12 });
  });

  it('the segments API answers from the kept weeks (no survey read), as reading those weeks’ answers does', async () => {
    commands.length = 0;
    const res = await v1(server.app, envKey, 'GET', `/insights/segments?from=${week(4)}&to=${week(8)}&kind=nps&limit=100`);
    expect(res.statusCode).toBe(200);
    expect([...new Set(commands.map((c) => String(c.command[c.commandName])))].filter((c) => c === 'surveys' || c === 'events')).toEqual([]);
    const answers = (await Promise.all(weeks.map((w) => store().surveySegments.ofWeek('default', w)))).flat().filter((a) => a.kind === 'nps');
    const body = res.json() as { answers: number; truncated: boolean; tried: number; segments: unknown[] };
    const full = segmentsReport(answers);
    expect(body).toMatchObject({ answers: answers.length, truncated: false, tried: full.length });
    expect(answers.length).toBeGreaterThan(0);
    expect(body.segments).toEqual(JSON.parse(JSON.stringify(full.slice(0, 100))));
  });

  it('the drops API: the counts and features of the kept weeks, as the weeks’ pairs give them; its lists of a page of answers, read with a limit', async () => {
    commands.length = 0;
    const res = await v1(server.app, envKey, 'GET', `/insights/drops?from=${week(4)}&to=${week(8)}&kind=nps&limit=10`);
    expect(res.statusCode).toBe(200);
    const surveyFinds = commands.filter((c) => c.commandName === 'find' && c.command.find === 'surveys').map((c) => c.command);
    const body = res.json() as { pairs: number; dropCount: number; features: unknown[]; page: { answers: number; next: string | null }; drops: unknown[] };
    const { pairs } = await periodPairs(store(), 'default', { fromWeek: week(4), toWeek: week(7), kind: 'nps' });
    expect([body.pairs, body.dropCount]).toEqual([pairs.length, pairs.filter((p) => p.drop).length]);
    expect(body.features).toEqual(JSON.parse(JSON.stringify(precedingFeatures(pairs))));
    expect(body.features.length).toBeGreaterThan(0);
    expect([body.page.answers, typeof body.page.next]).toEqual([10, 'string']);
    // Two reads of surveys: the page (one more than its limit, to know of a next page), then the answers of its people.
    expect(surveyFinds).toHaveLength(2);
    expect(surveyFinds[0]!.limit).toBe(11);
    expect((surveyFinds[1]!.filter as { customerId: { $in: unknown[] } }).customerId.$in.length).toBeLessThanOrEqual(10);
  });

  it('each insights API reads of the kept analyses only the part it answers from', async () => {
    const replies: CommandSucceededEvent[] = [];
    const client = server.app.db.getClient();
    const onReply = (e: CommandSucceededEvent) => replies.push(e);
    client.on('commandSucceeded', onReply);
    /** The analysis fields of the week_analyses documents the database returned for one request. */
    const partsRead = async (path: string) => {
      replies.length = 0;
      const res = await v1(server.app, envKey, 'GET', path);
      expect(res.statusCode).toBe(200);
      const docs = replies.filter((e) => e.commandName === 'find').flatMap((e) => (e.reply as { cursor?: { firstBatch?: Array<{ analysis?: object; week?: string }> } }).cursor?.firstBatch ?? []);
      const kept = docs.filter((d) => d.week && d.analysis);
      expect(kept.length).toBeGreaterThan(0);
      return [...new Set(kept.flatMap((d) => Object.keys(d.analysis!)))].sort();
    };
    try {
      const period = `from=${week(4)}&to=${week(8)}`;
      expect(await partsRead(`/insights/themes?${period}&period=week`)).toEqual(['terms']);
      expect(await partsRead(`/insights/segments?${period}&kind=nps`)).toEqual(['segments']);
      expect(await partsRead(`/insights/drops?${period}&kind=nps&limit=10`)).toEqual(['drops']);
    } finally {
      client.off('commandSucceeded', onReply);
    }
  });

  it('an event recorded later, before answers already analysed, brings the analysis up to date', async () => {
    // Support tickets for five of the people whose score dropped, in week 6: nothing the counters show.
    const tickets = [0, 1, 2, 3, 4].map((i) => ({ type: 'support_ticket', at: at(6, 4), source: 'desk', sourceEventId: `t-${i}`, customer: { phone: `+1415555${2600 + i}` }, attributes: { status: 'opened' } }));
    expect((await recordEvents(store(), 'default', tickets, { country: 'US', now: at(12, 0) })).every((r) => r.status === 'created')).toBe(true);
    const { analyses, read } = await analysed();
    expect(read).toContain('surveys');
    const ticket = weeksDropFeatures(analyses).find((f) => f.feature.startsWith('support_ticket'));
    expect(ticket).toMatchObject({ drops: 5, others: 0 });
    expect(weeksDropFeatures(analyses)).toEqual(precedingFeatures((await periodPairs(store(), 'default', { fromWeek: week(4), toWeek: week(7) })).pairs));
    expect((await analysed()).read).toEqual(['week_analyses', 'week_counts']);
  });

  it('a comment’s next part joined, and an erased comment, bring the themes up to date', async () => {
    const [first] = await store().surveys.scored('default', { fromWeek: week(7), toWeek: week(7) }, { commented: true, customerIds: [customerIds[0]!] });
    const survey = (await store().surveys.byId(first!.id))!;
    expect(await store().surveys.transition(survey, { ...survey, comment: `${survey.comment} and the parcel was damaged` })).not.toBeNull();
    const damaged = (a: Awaited<ReturnType<typeof analysed>>['analyses']) => weeksThemes(a, week(4), { minComments: 1, limit: 50 })[0]!.themes.find((t) => t.term === 'damaged');
    expect(damaged((await analysed()).analyses)).toMatchObject({ count: 1, commentIds: [first!.id] });
    // Erasure keeps the answer but not its comment.
    expect(await store().surveys.anonymise('default', [first!.id])).toBe(1);
    // Nothing kept still holds the erased comment's words or its survey's id.
    const kept = JSON.stringify(await store().weekAnalyses.model.collection.find({ businessId: 'default' }).toArray());
    expect(kept).not.toContain('damaged');
    expect(kept).not.toContain(first!.id);
    const { analyses } = await analysed();
    expect(damaged(analyses)).toBeUndefined();
    expect(weeksThemes(analyses, week(4))[0]!.themes[0]).toMatchObject({ term: 'late delivery', count: 11, of: 19 });
    const ids = (p: ReturnType<typeof weeksThemes>) => p.map((x) => ({ ...x, themes: x.themes.map((t) => ({ ...t, commentIds: t.commentIds.slice(0, keptCommentIds) })) }));
    expect(ids(weeksThemes(analyses, week(4)))).toEqual(ids(await fullThemes()));
  });

  it('a new answer of an analysed week changes its counters, and so its analysis', async () => {
    const before = weeksPairs((await analysed()).analyses);
    const [one] = await store().surveys.scored('default', { fromWeek: week(7), toWeek: week(7) }, { customerIds: [customerIds[5]!] });
    // The same person answers another week-7 survey, lower: one more pair, one more drop.
    const doc = await store().surveys.model.collection.findOne({ _id: (await store().surveys.model.findById(one!.id).lean<{ _id: never }>())!._id });
    const { _id: _old, ...rest } = doc!;
    const answeredAt = new Date(one!.answeredAt.getTime() + 3_600_000);
    await store().surveys.model.collection.insertOne({ ...rest, score: 0, band: 'detractor', answeredAt, openKey: 'closed:extra' });
    await store().rollups.add({ businessId: 'default', kind: 'nps', week: week(7) }, ['sent', 'scored', 'completed', 'score'], 0);
    expect(weeksPairs((await analysed()).analyses)).toEqual({ pairs: before.pairs + 1, drops: before.drops + 1 });
  });

  it('does not keep an analysis too large for a document, and reads still get it computed', async () => {
    const huge = { terms: [{ kind: 'nps', bands: [{ band: 'detractor', comments: 1, terms: [{ term: 'x'.repeat(maxKeptBytes), count: 1, ids: [] }] }] }], drops: [] };
    expect(await store().weekAnalyses.write('default', week(9), 'inputs', new Date(), huge)).toBe(false);
    expect((await store().weekAnalyses.current('default', new Map([[week(9), 'inputs']]))).size).toBe(0);
    expect(await store().weekAnalyses.write('default', week(9), 'inputs', new Date(), { terms: [], drops: [] })).toBe(true);
    expect((await store().weekAnalyses.current('default', new Map([[week(9), 'inputs']]))).size).toBe(1);
  });
});
