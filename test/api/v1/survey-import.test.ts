import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, envKey, makeKey, v1 } from './v1-server.js';

const clock = new TestClock('2026-03-20T12:00:00Z');
let server: TestServer;
beforeAll(async () => {
  server = await buildV1Server({}, clock);
});
afterAll(() => server?.close());

const row = (sourceId: string, score: number, answeredAt: string, product: string, extra: Record<string, unknown> = {}) => ({
  sourceId,
  kind: 'nps',
  score,
  answeredAt,
  customer: { externalId: `c-${sourceId}` },
  context: { product },
  ...extra,
});

/** Groups per week of a cohort report, read through the API as an owner's tool would. */
async function cohorts(by: string, from: string, to: string) {
  const res = await v1(server.app, envKey, 'GET', `/metrics/cohorts?kind=nps&by=${by}&from=${from}&to=${to}`);
  expect(res.statusCode).toBe(200);
  return (res.json().periods as Array<{ period: string; groups: Array<{ group: string; n: number; score: number }> }>).map((p) => [p.period, p.groups.map((g) => [g.group, g.n, g.score])]);
}

describe('POST /api/v1/surveys/import', () => {
  it('stores answered surveys with their dates, in the weeks and cohorts of their answers, once', async () => {
    const { app } = server;
    const rows = [
      row('a1', 10, '2026-02-03T09:00:00Z', 'Kettle', { comment: 'Great kettle', tags: ['vip'] }),
      row('a2', 3, '2026-02-04T09:00:00Z', 'Kettle'),
      row('a3', 9, '2026-02-11T09:00:00Z', 'Toaster'),
      row('bad1', 11, '2026-02-11T09:00:00Z', 'Toaster'),
      { sourceId: 'bad2', kind: 'nps', score: 5, customer: {} },
      row('bad3', 7, '2026-04-01T09:00:00Z', 'Toaster'),
    ];
    const res = await v1(app, envKey, 'POST', '/surveys/import?source=oldtool', rows);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect([body.created, body.duplicates, body.rejected]).toEqual([3, 0, 3]);
    expect(body.results.filter((r: { status: string }) => r.status === 'rejected').map((r: { row: number; reason: string }) => [r.row, r.reason])).toEqual([
      [4, 'score: nps scores are 0 to 10'],
      [5, expect.stringMatching(/^answeredAt: .*; customer: give externalId, phone or email$/)],
      [6, 'answeredAt: in the future'],
    ]);

    // Week of 2 Feb: Kettle 10 and 3 → 0; week of 9 Feb: Toaster 9 → +100.
    const expected = [
      ['2026-02-02', [['Kettle', 2, 0]]],
      ['2026-02-09', [['Toaster', 1, 100]]],
    ];
    expect(await cohorts('product', '2026-02-02', '2026-02-15')).toEqual(expected);
    expect(await cohorts('tag', '2026-02-02', '2026-02-08')).toEqual([['2026-02-02', [['vip', 1, 100]]]]);

    // The same file again: every row a duplicate, nothing counted twice.
    const again = (await v1(app, envKey, 'POST', '/surveys/import?source=oldtool', rows)).json();
    expect([again.created, again.duplicates, again.rejected]).toEqual([0, 3, 3]);
    expect(await cohorts('product', '2026-02-02', '2026-02-15')).toEqual(expected);

    // Marked as imported, with its dates.
    const id = body.results[0].surveyId as string;
    const shown = (await v1(app, envKey, 'GET', `/surveys/${id}`)).json();
    expect(shown).toMatchObject({ trigger: 'import', state: 'completed', score: 10, comment: 'Great kettle', answeredAt: '2026-02-03T09:00:00.000Z', invitedAt: '2026-02-03T09:00:00.000Z' });
  });

  it("accepts Delighted's response export as it comes", async () => {
    const csv = [
      'Response ID,Email,Name,Score,Comment,Response Timestamp,Product',
      '9001,ana@example.com,Ana,2,"Arrived broken, no reply",2026-03-03 10:15:00 -0800,Blender',
      '9002,bo@example.com,Bo,9,,2026-03-04 08:00:00 +0000,Blender',
      '9003,cy@example.com,Cy,ten,,2026-03-04 08:00:00 +0000,Blender',
    ].join('\n');
    const res = await v1(server.app, envKey, 'POST', '/surveys/import?source=delighted', csv, { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ created: 2, duplicates: 0, rejected: 1 });
    expect(res.json().results[2]).toMatchObject({ row: 3, status: 'rejected', reason: expect.stringMatching(/^score: /) });
    // 2 and 9 → one detractor, one promoter: 0; 10:15 at −08:00 is 18:15 UTC on Tuesday the 3rd.
    expect(await cohorts('product', '2026-03-02', '2026-03-08')).toEqual([['2026-03-02', [['Blender', 2, 0]]]]);
  });

  it('refuses a key without surveys:write, and a file with no rows, with the reason', async () => {
    const readKey = await makeKey(server.app, 'default', ['surveys:read']);
    expect((await v1(server.app, readKey, 'POST', '/surveys/import', [row('x', 9, '2026-02-03T09:00:00Z', 'K')])).statusCode).toBe(403);
    const empty = await v1(server.app, envKey, 'POST', '/surveys/import', []);
    expect(empty.statusCode).toBe(400);
    expect(empty.json().detail).toMatch(/no rows/);
  });
});
