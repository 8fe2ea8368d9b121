import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardView } from '../../src/dashboard/dashboard-data.js';
import { buildDigest } from '../../src/digest/build-digest.js';
import { segmentsReport } from '../../src/insights/segments.js';
import { weekAnalyses, weeksSegments } from '../../src/insights/week-analysis.js';
import { computeWeekNotes } from '../../src/insights/week-notes.js';
import { surveyKinds } from '../../src/domain/surveys.js';
import { scoreRange } from '../../src/scoring/index.js';
import type { BusinessSettings, SurveyRecord } from '../../src/store/index.js';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { at, importPeople, plantedCause, week } from '../insights/seed.js';

const weeks = [week(4), week(5), week(6), week(7)];
const now = at(7, 5);

describe('the digest and the dashboard read kept week data, and show what the surveys show', () => {
  let server: TestServer;
  let business: BusinessSettings;
  const commands: CommandStartedEvent[] = [];
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', API_RATE_LIMIT: '100000' }, { monitorCommands: true });
    await importPeople(server.app, plantedCause());
    business = (await server.app.store.businesses.get('default'))!;
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push(e));
  }, 60_000);
  afterAll(() => server.close());

  const store = () => server.app.store;
  /** Every survey of the business, from scratch. */
  const everySurvey = async () => {
    const all: SurveyRecord[] = [];
    for await (const s of store().surveys.all('default')) all.push(s);
    return all;
  };
  const collectionsRead = async (read: () => Promise<unknown>) => {
    commands.length = 0;
    await read();
    return [...new Set(commands.map((c) => String(c.command[c.commandName])))].sort();
  };

  it('once kept, the digest and the dashboard page read no survey', async () => {
    await buildDigest(store(), 'default', week(7));
    await dashboardView(store(), business, 'nps', 30, now);
    expect(await collectionsRead(() => buildDigest(store(), 'default', week(7)))).toEqual(['week_analyses', 'week_counts']);
    // The dashboard quotes its themes' comments by id (at most five per theme).
    const dashboardReads = await collectionsRead(() => dashboardView(store(), business, 'nps', 30, now));
    // (and its newest survey links, a limited read of their own collection)
    expect(dashboardReads.filter((c) => c !== 'surveys')).toEqual(['survey_links', 'week_analyses', 'week_counts']);
    const surveyFinds = commands.filter((c) => c.command.find === 'surveys');
    expect(surveyFinds.every((c) => Array.isArray(c.command.filter?._id?.$in))).toBe(true);
    // Quotes are read by id alone, and still only the business's own.
    const [quoted] = (await everySurvey()).filter((s) => typeof s.comment === 'string');
    expect(await store().surveys.comments('default', [quoted!.id])).toEqual([{ surveyId: quoted!.id, customerId: quoted!.customerId, text: quoted!.comment }]);
    expect(await store().surveys.comments('another', [quoted!.id])).toEqual([]);
  });

  it('the digest’s comment lists and waiting detractors are those of the week’s surveys', async () => {
    const digest = await buildDigest(store(), 'default', week(7));
    const ofWeek = (await everySurvey()).filter((s) => s.week === week(7));
    const position = (s: SurveyRecord) => (s.score! - scoreRange(s.kind).min) / (scoreRange(s.kind).max - scoreRange(s.kind).min);
    const commented = ofWeek.filter((s) => s.score !== undefined && typeof s.comment === 'string');
    const lowest = commented.filter((s) => s.band === 'detractor').sort((a, b) => position(a) - position(b) || (a.id < b.id ? -1 : 1));
    expect(digest.lowest.length).toBe(3);
    expect(digest.lowest.map((c) => c.score)).toEqual(lowest.slice(0, 3).map((s) => s.score));
    expect(digest.lowest.map((c) => c.surveyId)).toEqual(lowest.slice(0, 3).map((s) => s.id));
    const highest = commented.filter((s) => s.band === 'promoter').sort((a, b) => position(b) - position(a) || (a.id < b.id ? -1 : 1));
    expect(digest.highest.map((c) => c.surveyId)).toEqual(highest.slice(0, 3).map((s) => s.id));
    const waiting = ofWeek.filter((s) => s.band === 'detractor' && !s.replies.length).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(waiting.length).toBeGreaterThan(5);
    expect(digest.unanswered).toEqual({ count: waiting.length, surveys: waiting.slice(0, 5).map((s) => ({ surveyId: s.id, kind: s.kind, score: s.score, name: s.vars.customerName })) });
  });

  it('the segments line adds up the weeks’ segment counts to the report over the weeks’ answers', async () => {
    const analyses = await weekAnalyses(store(), 'default', weeks);
    const answers = (await Promise.all(weeks.map((w) => store().surveySegments.ofWeek('default', w)))).flat();
    expect(answers.length).toBe(80);
    const added = weeksSegments(analyses);
    expect(added).toEqual(segmentsReport(answers));
    expect(added.find((s) => s.flagged)).toMatchObject({ kind: 'nps' });
    const digest = await buildDigest(store(), 'default', week(7));
    expect(digest.insights.segment).toMatchObject({ ...added.find((s) => s.flagged), tried: added.length });
  });

  it('an answer to a waiting detractor takes it off the kept lists', async () => {
    const before = await dashboardView(store(), business, 'nps', 30, now);
    const fromScratch = (await everySurvey()).filter((s) => s.kind === 'nps' && s.band === 'detractor' && !s.replies.length && s.week >= before.trend.at(-5)!.week);
    expect(before.waiting.count).toBe(fromScratch.length);
    expect(before.waiting.surveys.map((s) => s.surveyId)).toEqual(fromScratch.map((s) => s.id).sort().reverse().slice(0, 20));
    const first = before.waiting.surveys[0]!;
    const survey = (await store().surveys.byId(first.surveyId, 'default'))!;
    await store().surveys.addReply(survey, { text: 'We are sorry about the delivery', at: now, by: 'owner' });
    const after = await dashboardView(store(), business, 'nps', 30, now);
    expect(after.waiting.count).toBe(before.waiting.count - 1);
    expect(after.waiting.surveys.map((s) => s.surveyId)).not.toContain(first.surveyId);
    const digest = await buildDigest(store(), 'default', survey.week);
    expect(digest.unanswered.surveys.map((s) => s.surveyId)).not.toContain(first.surveyId);
  });

  it('a week’s notes count its waiting detractors once per kind, and the week’s count is their sum', async () => {
    // Two CSAT detractors of the same week beside its NPS ones, imported as a shop brings its history.
    const rows = [1, 2].map((score, i) => ({ sourceId: `csat-${i}`, kind: 'csat', score, answeredAt: at(7, 3).toISOString(), customer: { phone: `+1416555${String(7100 + i)}` }, channel: 'sms' }));
    expect((await v1(server.app, envKey, 'POST', '/surveys/import?source=previous-tool', rows)).json()).toMatchObject({ created: 2 });
    commands.length = 0;
    const notes = await computeWeekNotes(store(), 'default', week(7));
    const counts = commands.filter((c) => c.commandName === 'aggregate' && c.command.aggregate === 'surveys');
    expect(counts.length).toBe(surveyKinds.length);
    const waiting = (await everySurvey()).filter((s) => s.week === week(7) && s.band === 'detractor' && !s.replies.length);
    expect(new Set(waiting.map((s) => s.kind)).size).toBeGreaterThan(1);
    expect(notes.unanswered.count).toBe(waiting.length);
    expect(notes.waiting.map((w) => [w.kind, w.count])).toEqual(surveyKinds.map((k) => [k, waiting.filter((s) => s.kind === k).length]).filter(([, n]) => n));
  });
});
