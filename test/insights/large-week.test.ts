import type { CommandStartedEvent } from 'mongodb';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { shiftWeek, weekKey } from '../../src/domain/calendar.js';
import { buildDigest } from '../../src/digest/build-digest.js';
import { renderDigest } from '../../src/digest/render-digest.js';
import { addTermCounts, termCounts } from '../../src/insights/themes.js';
import { analysedWeeks, commentsPerTurn, largeWeekCheckMs, outdatedWeekCheckMs, refreshLargeWeeks, staleAnalysisMaxMs, termCountsInTurns } from '../../src/insights/week-analysis.js';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { ownerDashboardPage } from '../dashboard/owner-page.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, visitor } from '../staff/web-chat.js';
import { notedWeeks } from '../../src/insights/week-notes.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

const owner = visitor();

/**
 * A week with more answers than `ANALYSIS_LIVE_ANSWERS` (5 here): when it changes, reports are
 * served its last analysis, saying since when, and the sweeper computes it again; small weeks and
 * old analyses are computed while the report waits, as before.
 */
describe('a large week’s analysis: served from the last one, computed again by the sweeper', () => {
  let server: TestServer;
  const commands: CommandStartedEvent[] = [];
  const week = weekKey(new Date(), 'UTC');
  let sent = 0;
  /** Answers of this week through the import API, one customer each, each with a detractor's comment. */
  const importAnswers = async (comments: string[]) => {
    const rows = comments.map((comment) => ({
      sourceId: `row-${++sent}`,
      kind: 'nps',
      score: 2,
      comment,
      answeredAt: new Date(Date.now() - 60_000).toISOString(),
      customer: { phone: `+1415555${String(3000 + sent)}` },
      channel: 'sms',
      locale: 'en',
    }));
    const res = await v1(server.app, envKey, 'POST', '/surveys/import?source=previous-tool', rows);
    expect([res.statusCode, res.json().created]).toEqual([200, rows.length]);
  };
  const read = async () => {
    commands.length = 0;
    const result = await analysedWeeks(server.app.store, 'default', [week]);
    return { ...result, surveysRead: commands.some((c) => c.command[c.commandName] === 'surveys') };
  };
  /** The week's detractor terms as `term:count`. */
  const terms = (r: Awaited<ReturnType<typeof read>>) =>
    (r.analyses[0]!.terms.find((t) => t.kind === 'nps')?.bands.find((b) => b.band === 'detractor')?.terms ?? []).map((t) => `${t.term}:${t.count}`);

  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, ANALYSIS_LIVE_ANSWERS: '5', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, API_RATE_LIMIT: '100000' }, { monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push(e));
  }, 60_000);
  afterAll(() => server.close());
  afterEach(() => vi.useRealTimers());

  it('a small week is computed while the report waits, each time it changes', async () => {
    await importAnswers(['the parcel was late', 'late again', 'late parcel']);
    expect(await read()).toMatchObject({ surveysRead: true });
    await importAnswers(['rude staff']);
    const r = await read();
    expect(r).toMatchObject({ surveysRead: true });
    expect(r.asOf).toBeUndefined();
    expect(terms(r)).toContain('rude:1');
  });

  it('a large week that changed is served its last analysis, and the dashboard says since when', async () => {
    const before = await read();
    await importAnswers(['rude staff', 'rude staff again', 'staff was rude', 'the parcel was damaged']);
    const served = await read(); // 8 answers: more than 5, so the last analysis (of 4) is served
    expect(served.surveysRead).toBe(false);
    expect(served.asOf).toBeInstanceOf(Date);
    expect(Date.now() - served.asOf!.getTime()).toBeLessThan(staleAnalysisMaxMs);
    expect(served.analyses).toEqual(before.analyses);
    expect(terms(served)).toContain('rude:1');
    expect(terms(served).some((t) => t.startsWith('damaged'))).toBe(false);
    // The API's reports say so too: themes, drops and segments over the week.
    const next = shiftWeek(week, 1);
    for (const path of [`/insights/themes?from=${week}&to=${next}`, `/insights/drops?from=${week}&to=${next}`, `/insights/segments?from=${week}&to=${next}`]) {
      const res = await v1(server.app, envKey, 'GET', path);
      expect([res.statusCode, res.headers['analysed-at']]).toEqual([200, served.asOf!.toISOString()]);
    }
    const html = await ownerDashboardPage(server.app, owner, '?kind=nps&days=7');
    expect(html).toMatch(/data-testid="analysed-at">Themes, drops and groups as of .+: the newest answers of a busy week are still being analysed\./);
  });

  it('the sweeper computes a large week again once it is a few minutes old; then reports are up to date', async () => {
    // Not yet: the week was analysed less than `largeWeekCheckMs` ago.
    expect((await server.app.sweeper.sweep()).analysed).toBe(0);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + largeWeekCheckMs + 1_000);
    // A pass that may compute none leaves the week as it found it, for the next pass.
    expect(await refreshLargeWeeks(server.app.store, week, { computes: 0 })).toBe(0);
    expect((await server.app.sweeper.sweep()).analysed).toBe(1);
    const fresh = await read();
    expect(fresh).toMatchObject({ surveysRead: false });
    expect(fresh.asOf).toBeUndefined();
    expect(terms(fresh)).toEqual(expect.arrayContaining(['rude:4', 'damaged:1']));
    // Unchanged since: the next passes only mark it checked.
    vi.setSystemTime(Date.now() + largeWeekCheckMs + 1_000);
    expect((await server.app.sweeper.sweep()).analysed).toBe(0);
    const html = await ownerDashboardPage(server.app, owner, '?kind=nps&days=7');
    expect(html).not.toContain('data-testid="analysed-at"');
    const themes = await v1(server.app, envKey, 'GET', `/insights/themes?from=${week}&to=${shiftWeek(week, 1)}`);
    expect([themes.statusCode, themes.headers['analysed-at']]).toEqual([200, undefined]);
  });

  it('an analysis older than the limit is not served: the report computes the week', async () => {
    await importAnswers(['slow refund']);
    vi.useFakeTimers({ toFake: ['Date'] });
    // The last analysis began two check intervals ahead of the real clock (the test before moved it).
    vi.setSystemTime(Date.now() + 2 * (largeWeekCheckMs + 1_000) + staleAnalysisMaxMs + 1_000);
    const r = await read();
    expect(r).toMatchObject({ surveysRead: true });
    expect(r.asOf).toBeUndefined();
    expect(terms(r)).toContain('refund:1');
  });

  it('term counts in turns of the event loop are those of all the comments at once', async () => {
    const comments = Array.from({ length: commentsPerTurn * 2 + 7 }, (_, i) => ({ id: String(i).padStart(6, '0'), band: (['detractor', 'passive', 'promoter'] as const)[i % 3]!, comment: ['late parcel', 'rude staff at the till', 'great coffee', 'slow refund'][i % 4]!, locale: 'en' }));
    const inTurns = await termCountsInTurns(comments, 5);
    expect(inTurns).toEqual(termCounts(comments, 5));
    expect(inTurns).toEqual(addTermCounts([termCounts(comments, 5)], 5));
    expect(inTurns.find((b) => b.band === 'detractor')!.terms.find((t) => t.term === 'late')).toMatchObject({ ids: ['000000', '000012', '000024', '000036', '000048'] });
  });
});

/**
 * A late event (another system's, dated in a closed week) makes that week's analysis out of date
 * without moving its counters. The sweeper looks at open weeks by their counters; it finds this one
 * by the change, and reports are served the last analysis until then, however old it is.
 */
describe('a closed large week made out of date by a late event', () => {
  let server: TestServer;
  const commands: CommandStartedEvent[] = [];
  const answeredAt = new Date(Date.now() - 35 * 86_400_000);
  const week = weekKey(answeredAt, 'UTC');
  const phones = Array.from({ length: 8 }, (_, i) => `+1415555${String(4000 + i)}`);
  let events = 0;
  const read = async () => {
    commands.length = 0;
    const result = await analysedWeeks(server.app.store, 'default', [week]);
    return { ...result, surveysRead: commands.some((c) => c.command[c.commandName] === 'surveys') };
  };
  const lateEvent = async () => {
    const res = await v1(server.app, envKey, 'POST', '/events', [{ type: 'refund', at: new Date(answeredAt.getTime() + 3_600_000).toISOString(), source: 'shop', sourceEventId: `late-${++events}`, customer: { phone: phones[0] }, attributes: { amount: 12 } }]);
    expect([res.statusCode, res.json().created]).toEqual([200, 1]);
  };

  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, ANALYSIS_LIVE_ANSWERS: '5', API_RATE_LIMIT: '100000' }, { monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push(e));
    const rows = phones.map((phone, i) => ({ sourceId: `old-${i}`, kind: 'nps', score: 2, comment: 'the parcel was late', answeredAt: answeredAt.toISOString(), customer: { phone }, channel: 'sms', locale: 'en' }));
    const res = await v1(server.app, envKey, 'POST', '/surveys/import?source=previous-tool', rows);
    expect([res.statusCode, res.json().created]).toEqual([200, rows.length]);
    // The week is over: the sweeper closes it, and computes its analysis then.
    expect((await server.app.sweeper.sweep()).weeksClosed).toBeGreaterThan(0);
  }, 60_000);
  afterAll(() => server.close());
  afterEach(() => vi.useRealTimers());

  it('is served its last analysis, however old, until the sweeper computes it again', async () => {
    const first = await read();
    expect(first.surveysRead).toBe(false);
    // An hour later, past the 15 minutes a large week's analysis is served by its age alone.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 3_600_000);
    const unchanged = await read();
    expect([unchanged.surveysRead, unchanged.asOf]).toEqual([false, undefined]);
    await lateEvent();
    const served = await read();
    expect(served.surveysRead).toBe(false);
    expect(Date.now() - served.asOf!.getTime()).toBeGreaterThan(staleAnalysisMaxMs);
    expect(served.analyses).toEqual(first.analyses);
    // The digest of that week says so, as the dashboard and the API do.
    const note = 'Themes, drops and groups: the newest answers of a busy week are still being analysed.';
    expect(renderDigest(await buildDigest(server.app.store, 'default', week)).split('\n')).toContain(note);
    // Not an open week, yet the sweeper computes it (a second on); then it is up to date and only checked.
    vi.setSystemTime(Date.now() + 1_000);
    expect((await server.app.sweeper.sweep()).analysed).toBe(1);
    const fresh = await read();
    expect([fresh.surveysRead, fresh.asOf]).toEqual([false, undefined]);
    expect(renderDigest(await buildDigest(server.app.store, 'default', week))).not.toContain(note);
    vi.setSystemTime(Date.now() + largeWeekCheckMs + 1_000);
    expect((await server.app.sweeper.sweep()).analysed).toBe(0);
    // Events may come all day: a closed week is computed again at most every `outdatedWeekCheckMs`.
    await lateEvent();
    expect((await server.app.sweeper.sweep()).analysed).toBe(0);
    vi.setSystemTime(Date.now() + outdatedWeekCheckMs);
    expect((await server.app.sweeper.sweep()).analysed).toBe(1);
  });

  it('out of date for longer than 15 minutes (no sweeper), it is computed on the read', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 2 * 3_600_000);
    await lateEvent();
    expect(await read()).toMatchObject({ surveysRead: false });
    vi.setSystemTime(Date.now() + staleAnalysisMaxMs + 1_000);
    const computed = await read();
    expect([computed.surveysRead, computed.asOf]).toEqual([true, undefined]);
  });
});

/**
 * The dashboard's list of detractors waiting for an answer (the week's notes): a busy week's last
 * one is served while its counters move, and the sweeper computes it again with the week's analysis;
 * an answer to a detractor makes the next read compute it at once.
 */
describe('a large week’s notes on the dashboard: served from the last ones until the sweeper or a reply', () => {
  let server: TestServer;
  let fake: FakeTwilio;
  const commands: CommandStartedEvent[] = [];
  const week = weekKey(new Date(), 'UTC');
  const waitingOwner = visitor();
  let sent = 0;
  const importDetractors = async (n: number) => {
    const rows = Array.from({ length: n }, () => ({ sourceId: `waiting-${++sent}`, kind: 'nps', score: 1, comment: 'nobody called back', answeredAt: new Date(Date.now() - 60_000).toISOString(), customer: { phone: `+1415555${String(5000 + sent)}` }, channel: 'sms', locale: 'en' }));
    const res = await v1(server.app, envKey, 'POST', '/surveys/import?source=previous-tool', rows);
    expect([res.statusCode, res.json().created]).toEqual([200, n]);
  };
  const read = async () => {
    commands.length = 0;
    const result = await notedWeeks(server.app.store, 'default', [week], { servedStale: true });
    return { ...result, waiting: result.notes[0]!.unanswered.count, surveysRead: commands.some((c) => c.command[c.commandName] === 'surveys') };
  };
  const page = () => ownerDashboardPage(server.app, waitingOwner, '?kind=nps&days=7');
  const pageCount = (html: string) => Number(/data-testid="waiting-count">(\d+)</.exec(html)?.[1]);

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', API_KEY: envKey, ANALYSIS_LIVE_ANSWERS: '5', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${waitingOwner}`, API_RATE_LIMIT: '100000' }), { monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push(e));
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await fake.close();
  });
  afterEach(() => vi.useRealTimers());

  it('serves a busy week’s last list while its counters move, and says since when', async () => {
    await importDetractors(8);
    const first = await read();
    expect([first.surveysRead, first.waiting, first.asOf]).toEqual([true, 8, undefined]);
    expect(pageCount(await page())).toBe(8);
    await importDetractors(2);
    const served = await read();
    expect([served.surveysRead, served.waiting]).toEqual([false, 8]);
    expect(Date.now() - served.asOf!.getTime()).toBeLessThan(staleAnalysisMaxMs);
    const html = await page();
    expect(pageCount(html)).toBe(8);
    expect(html).toMatch(/data-testid="waiting-as-of">As of .+: a busy week&#39;s newest answers are still being counted in this list\./);
    // The digest computes its notes on the read: it is up to date.
    expect((await buildDigest(server.app.store, 'default', week)).unanswered.count).toBe(10);
  });

  it('an answer to a detractor is in the next read at once', async () => {
    const html = await page();
    const surveyId = /data-survey="([0-9a-f]{24})"/.exec(html)![1]!;
    const replied = await say(server.app, waitingOwner, `/reply ${surveyId} Sorry, we will call you today.`);
    expect(replied.join(' ')).toMatch(/sent|queued/i);
    const after = await read();
    expect([after.surveysRead, after.waiting, after.asOf]).toEqual([true, 9, undefined]);
    expect(await page()).not.toContain('data-testid="waiting-as-of"');
  });

  it('the sweeper computes a busy week’s notes again with its analysis; past 15 minutes the read computes them', async () => {
    await importDetractors(1);
    expect(await read()).toMatchObject({ surveysRead: false, waiting: 9 });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + largeWeekCheckMs + 1_000);
    await server.app.sweeper.sweep();
    const fresh = await read();
    expect([fresh.surveysRead, fresh.waiting, fresh.asOf]).toEqual([false, 10, undefined]);
    // Past the 15 minutes a busy week's last notes may be served, with no sweeper, the read computes them.
    await importDetractors(1);
    vi.setSystemTime(Date.now() + staleAnalysisMaxMs + 1_000);
    const computed = await read();
    expect([computed.surveysRead, computed.waiting, computed.asOf]).toEqual([true, 11, undefined]);
  });
});
