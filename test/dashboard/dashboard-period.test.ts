import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { visitor } from '../staff/web-chat.js';
import { ownerDashboardPage } from './owner-page.js';

const owner = visitor();
const day = 86_400_000;

/** The numbers in one column of a page's table, by its `data-testid`. */
function column(html: string, testid: string, index: number): number[] {
  const table = new RegExp(`data-testid="${testid}">[\\s\\S]*?<tbody>([\\s\\S]*?)</tbody>`).exec(html)?.[1] ?? '';
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => Number([...row[1]!.matchAll(/<td>(.*?)<\/td>/g)][index]?.[1]?.replace(/[^\d]/g, '')));
}

/**
 * The dashboard's period is its whole weeks, as `/stats` counts them, even where it reaches further
 * back than the 12 weeks of the trend (90 days span 13 or 14 weeks): the distribution and the
 * groups count the same answers as the period's numbers above them.
 */
describe('the dashboard over 90 days', () => {
  let server: TestServer;
  let sent = 0;
  const importAnswers = async (rows: Array<{ score: number; daysAgo: number; tag: string }>) => {
    const body = rows.map((r) => ({
      sourceId: `row-${++sent}`,
      kind: 'nps',
      score: r.score,
      answeredAt: new Date(Date.now() - r.daysAgo * day).toISOString(),
      customer: { phone: `+1415555${String(4000 + sent)}` },
      channel: 'sms',
      locale: 'en',
      tags: [r.tag],
    }));
    const res = await v1(server.app, envKey, 'POST', '/surveys/import?source=previous-tool', body);
    expect([res.statusCode, res.json().created]).toEqual([200, rows.length]);
  };

  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, BUSINESS_TIME_ZONE: 'UTC' });
  }, 60_000);
  afterAll(() => server.close());

  it('counts the answers of its weeks before the trend’s in the distribution and the groups, as in its responses', async () => {
    // 86 days ago is in the 90 days' weeks, and at least 12 weeks before this week's: before the trend's first week.
    await importAnswers([
      { score: 9, daysAgo: 86, tag: 'spring' },
      { score: 9, daysAgo: 86, tag: 'spring' },
      { score: 2, daysAgo: 86, tag: 'spring' },
      { score: 10, daysAgo: 1, tag: 'winter' },
      { score: 3, daysAgo: 1, tag: 'winter' },
    ]);
    const html = await ownerDashboardPage(server.app, owner, '?kind=nps&days=90');
    expect(/data-testid="responses">(\d+)</.exec(html)?.[1]).toBe('5');
    const counts = column(html, 'distribution-table', 2);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    // The scores: 2, 3, 9, 9, 10 (rows are scores 0 to 10).
    expect([counts[2], counts[3], counts[9], counts[10]]).toEqual([1, 1, 2, 1]);
    // The older weeks' group is among the groups, with its three answers.
    const groups = new Map([...html.matchAll(/<tr(?: class="flagged")?><td>([^<]*)<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1], Number(m[2])]));
    expect([...groups].filter(([g]) => g!.includes('spring') || g!.includes('winter')).map(([, n]) => n).sort()).toEqual([2, 3]);
    // Over 30 days, only the recent two.
    const recent = await ownerDashboardPage(server.app, owner, '?kind=nps&days=30');
    expect(column(recent, 'distribution-table', 2).reduce((a, b) => a + b, 0)).toBe(2);
  });
});
