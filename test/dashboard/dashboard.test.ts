import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDay } from '../../src/domain/locale-format.js';
import { freePort } from '../../src/store/embedded-database.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { uniqueDbName } from '../helpers/database.js';
import { postUpdate, startFakeTelegram, textUpdate, type FakeTelegram } from '../helpers/fake-telegram.js';
import { say, visitor } from '../staff/web-chat.js';

/**
 * The owner dashboard in real headless Chromium: sign in by the link the bot gives in chat, check
 * every number against the API, answer a detractor and see the reply reach the customer's channel.
 */
describe('owner dashboard', () => {
  const clock = new TestClock('2026-03-11T15:00:00Z');
  const token = '555000777:AAG-dashboard-test-bot-token-xyz';
  const webhookSecret = 'dashboard-test-webhook-secret';
  const apiKey = 'k_dashboard_test_0123456789';
  const owner = visitor();
  const acmeOwner = visitor();
  const dbName = uniqueDbName('dashboard');
  let fake: FakeTelegram;
  let server: TestServer;
  let app: FastifyInstance;
  let origin = '';
  let browser: Browser;
  const external: string[] = [];

  beforeAll(async () => {
    fake = await startFakeTelegram({ token });
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const env = {
      WEB_CHAT_ENABLED: 'true',
      SWEEP_INTERVAL: '0',
      THROTTLE_DAYS: '0',
      SEND_WINDOW: '00:00-24:00',
      BUSINESS_NAME: 'Corner Bakery',
      OWNER_ADDRESSES: `web:${owner}`,
      API_KEY: apiKey,
      PUBLIC_URL: origin,
      TELEGRAM_BOT_TOKEN: token,
      TELEGRAM_WEBHOOK_SECRET: webhookSecret,
      TELEGRAM_API_ROOT: fake.url,
    };
    const setup = await buildTestServer(env, { now: clock.now, dbName });
    await setup.app.store.businesses.save({ ...(await setup.app.businesses.get('default'))!.settings, id: 'acme', name: 'Acme Rival' });
    await setup.app.close();
    server = await buildTestServer(env, { now: clock.now, dbName });
    app = server.app;
    await app.listen({ host: '127.0.0.1', port });
    await (await app.businesses.get('acme'))!.staff.add({ channel: 'web', address: acmeOwner }, 'owner');

    // Twelve web customers (tags for the group table) and one Telegram detractor who will get the reply.
    const scores = [10, 9, 9, 10, 8, 7, 3, 2, 9, 10, 6, 9];
    for (const [i, score] of scores.entries()) {
      const address = visitor();
      await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address, trigger: 'web', tags: [i % 3 === 0 ? 'downtown' : 'airport'] });
      await say(app, address, String(score));
      await say(app, address, score <= 6 ? `the croissants were stale ${i}` : 'lovely');
    }
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'telegram', address: '7001', trigger: 'web' });
    await postUpdate(app, webhookSecret, textUpdate({ chatId: 7001 }, '1'));
    await postUpdate(app, webhookSecret, textUpdate({ chatId: 7001 }, 'cold coffee and a rude cashier'));
    await app.alerts.drain();
    // The rival business's only detractor, which the first owner must never see.
    const rival = visitor();
    await (await app.businesses.get('acme'))!.surveys.start({ kind: 'nps', channel: 'web', address: rival, trigger: 'web' });
    await app.inject({ method: 'POST', url: `/b/acme/chat/api/visitors/${rival}/messages`, payload: { messageId: 'r1', text: '0' } });
    await app.inject({ method: 'POST', url: `/b/acme/chat/api/visitors/${rival}/messages`, payload: { messageId: 'r2', text: 'secret rival complaint' } });

    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
    await mkdir('test/artifacts', { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await app?.db.dropDatabase().catch(() => {});
    await server?.close();
    await fake?.close();
  });

  /** The link the bot answers `/dashboard` with, in the owner's chat. */
  const linkFor = async (base: string, who: string) => {
    const res = await app.inject({ method: 'POST', url: `${base}/chat/api/visitors/${who}/messages`, payload: { messageId: `d${Math.random()}`, text: '/dashboard' } });
    const text = (res.json().replies as Array<{ text: string }>).map((r) => r.text).join('\n');
    const link = /https?:\/\/\S+\/dashboard\/login\/\S+/.exec(text)?.[0];
    expect(link, text).toBeDefined();
    return link!;
  };
  const open = async (link: string, width = 1280, height = 900): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height } });
    page.on('request', (r) => {
      if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${origin}/dashboard`);
    return page;
  };
  const api = async (path: string) => (await app.inject({ method: 'GET', url: `/api/v1${path}`, headers: { 'x-api-key': apiKey } })).json();

  it('signs in by the chat link and shows the numbers the API gives', async () => {
    const page = await open(await linkFor('', owner));
    const stats = (await api('/stats?period=30d')).kinds.find((k: { kind: string }) => k.kind === 'nps');
    const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
    expect(await text('score')).toBe(`${stats.score} ±${stats.marginOfError}`);
    expect(await text('responses')).toBe(String(stats.n));
    expect(await text('sent')).toBe(String(stats.sent));
    expect(await text('response-rate')).toBe(`${Math.round(stats.responseRate * 1000) / 10}%`);
    expect(await text('abandonment-rate')).toBe(`${Math.round(stats.abandonmentRate * 1000) / 10}%`);
    // This week's trend row is the metrics API over this week.
    const week = await api(`/metrics?kind=nps&from=2026-03-09T00:00:00Z&to=${clock.now().toISOString()}`);
    const thisWeek = week.kinds.find((k: { kind: string }) => k.kind === 'nps');
    const lastRow = page.getByTestId('trend-table').locator('tbody tr').last();
    expect((await lastRow.locator('td').allTextContents()).slice(0, 4)).toEqual([formatDay('en', new Date('2026-03-09T00:00:00Z')), String(thisWeek.score), `${Math.round((thisWeek.score - thisWeek.marginOfError) * 10) / 10} to ${Math.round((thisWeek.score + thisWeek.marginOfError) * 10) / 10}`, String(thisWeek.n)]);
    // The distribution adds up to the responses; the detractor count is what the page says is waiting.
    const counts = (await page.getByTestId('distribution-table').locator('tbody tr td:nth-child(3)').allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(stats.n);
    const detractors = (await page.getByTestId('distribution-table').locator('tbody tr.band-detractor td:nth-child(3)').allTextContents()).map(Number);
    expect(await text('waiting-count')).toBe(String(detractors.reduce((a, b) => a + b, 0)));
    expect(await text('waiting-count')).toBe('4');
    expect(await page.locator('body').textContent()).not.toContain('secret rival complaint');
    expect(await page.getByTestId('cohort-table').locator('tbody tr').count()).toBe(5); // two tags, two channels, and identified customers (no anonymous web visitors here)
    // The detractors' theme, with the counts the themes API gives for the same 30 days.
    const from = new Date(clock.now().getTime() - 30 * 86_400_000).toISOString();
    const to = new Date(clock.now().getTime() + 1).toISOString();
    const themes = (await api(`/insights/themes?from=${from}&to=${to}&kind=nps&period=month&limit=5`)) as Array<{ band: string; themes: Array<{ term: string; count: number; of: number; z: number; adjustedP: number }> }>;
    const top = themes.filter((p) => p.band === 'detractor').flatMap((p) => p.themes).filter((t) => t.adjustedP < 0.05).sort((a, b) => b.z - a.z)[0]!;
    expect(top.term).toMatch(/croissant|stale/);
    const shown = page.getByTestId('themes').locator('summary').first();
    expect(await shown.textContent()).toContain(`${top.term}: ${top.count} of ${top.of} detractor comments`);
    await shown.click();
    expect(await page.getByTestId('themes').locator('blockquote').first().textContent()).toMatch(/croissants were stale/);
    // The charts are drawn (Chart.js from the app itself).
    expect(await page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
    await page.screenshot({ path: 'test/artifacts/dashboard-desktop.png', fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: 'test/artifacts/dashboard-phone.png', fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
    await page.close();
    expect(external).toEqual([]);
  }, 60_000);

  it("replies to a detractor from the page, through the customer's channel", async () => {
    const page = await open(await linkFor('', owner));
    const box = page.locator('article.waiting', { hasText: 'cold coffee and a rude cashier' });
    await box.getByLabel('Reply').fill('So sorry: your next coffee is on us.');
    await box.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/replied=sent/);
    expect(await page.getByRole('status').textContent()).toContain('Reply sent');
    expect(fake.sent(7001).map((m) => (m as { text?: string }).text)).toContain('So sorry: your next coffee is on us.');
    expect(await page.getByTestId('waiting-count').textContent()).toBe('3');
    // The customer's timeline shows the answer and the reply, in order.
    await page.goto(`${origin}/dashboard/customers/${(await app.store.customers.find({ businessId: 'default', channel: 'telegram', address: '7001' }))!.id}`);
    const timeline = (await page.getByTestId('timeline').textContent()) ?? '';
    expect(timeline).toMatch(/NPS 1[\s\S]*cold coffee and a rude cashier[\s\S]*Reply: So sorry: your next coffee is on us\./);
    await page.goto(`${origin}/dashboard`);
    // Keyboard: every control can be reached and has a name.
    const unnamed = await page.evaluate(() => Array.from(document.querySelectorAll('textarea, select')).filter((el) => !document.querySelector(`label[for="${el.id}"]`)).length);
    expect(unnamed).toBe(0);
    await page.close();
  }, 60_000);

  it('gives nothing to an expired or used link, or to another business', async () => {
    const used = await linkFor('', owner);
    (await open(used)).close();
    const again = await browser.newPage();
    await again.goto(used);
    await again.getByRole('button', { name: 'Sign in' }).click();
    expect(await again.locator('h1').textContent()).toBe('This link is not valid');
    expect(await again.locator('body').textContent()).not.toContain('Corner Bakery');

    const stale = await linkFor('', owner);
    clock.advance(16 * 60_000);
    await again.goto(stale);
    await again.getByRole('button', { name: 'Sign in' }).click();
    expect(await again.locator('h1').textContent()).toBe('This link is not valid');
    await again.close();

    const rival = await open(await linkFor('/b/acme', acmeOwner));
    const body = (await rival.locator('body').textContent()) ?? '';
    expect(body).toContain('Acme Rival');
    expect(body).toContain('secret rival complaint');
    expect(body).not.toContain('croissants');
    expect(body).not.toContain('cold coffee');
    // Its session cannot answer the first business's customers.
    const theirSurvey = (await app.store.surveys.model.findOne({ address: '7001' }).lean())!._id.toString();
    const form = await rival.locator('input[name="form"]').first().inputValue();
    const posted = await rival.evaluate(
      async ({ surveyId, form }) => (await fetch('/dashboard/reply', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ form, surveyId, text: 'hello from a rival' }) })).url,
      { surveyId: theirSurvey, form },
    );
    expect(posted).toContain('replied=not_found');
    expect(fake.sent(7001).map((m) => (m as { text?: string }).text)).not.toContain('hello from a rival');
    await rival.close();

    const anonymous = await app.inject({ method: 'GET', url: '/dashboard' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['content-security-policy']).toContain("script-src 'self'");
  }, 60_000);
});
