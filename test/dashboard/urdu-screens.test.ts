import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainNumber } from '../../src/domain/locale-format.js';
import { deployment, operatorScope } from '../../src/store/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { visitor } from '../staff/web-chat.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const urdu = 'ur-u-nu-arabext';

/** Where each character of a piece of rendered text sits on the screen. */
async function charBoxes(bdi: Locator): Promise<Array<{ char: string; left: number; right: number }>> {
  return bdi.evaluate((el) => {
    const text = el.firstChild as Text;
    return Array.from(text.data, (char, i) => {
      const range = document.createRange();
      range.setStart(text, i);
      range.setEnd(text, i + 1);
      const box = range.getBoundingClientRect();
      return { char, left: box.left, right: box.right };
    }).filter((c) => c.right > c.left); // marks that take no room (LRM, RLM) say nothing about order
  });
}

/**
 * An Urdu business, made through the operator API, seen as its customers and its owner see it in
 * Chromium: the web chat and the dashboard in Urdu, right to left, with Urdu digits; a negative NPS
 * and its range keep each number whole (sign beside its digits) and the range's low end at the
 * start of the reading (the right). Screenshots go to test/artifacts/ (not committed).
 */
describe('an Urdu business in Chromium: web chat and dashboard', () => {
  let server: TestServer;
  let app: FastifyInstance;
  let base = '';
  let browser: Browser;
  const owner = visitor();

  const chat = async (path: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url: `/b/lahore/chat/api/${path}`, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  /** A customer opens the web chat as the page does, gives a score and leaves. */
  const answer = async (score: string) => {
    const { visitorId } = await chat('visitors', { kind: 'nps' });
    await chat(`visitors/${visitorId}/messages`, { messageId: 'a1', text: score });
  };

  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    server = await buildTestServer({ SWEEP_INTERVAL: '0', WEB_CHAT_ENABLED: 'true' });
    app = server.app;
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    // The deployment's operator key, as `npm run api-key -- create --operator` makes it.
    const operatorKey = (await app.store.apiKeys.create({ businessId: deployment, name: 'operator', scopes: [operatorScope] })).key;
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/businesses',
      headers: { 'x-api-key': operatorKey },
      payload: { id: 'lahore', name: 'لاہور چائے خانہ', locale: 'ur', throttleDays: 0, sendWindow: '00:00-24:00', channels: { web: { enabled: true } } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const claimed = await chat(`visitors/${owner}/messages`, { messageId: 'claim', text: `/claim ${created.json().claimCode}` });
    expect(JSON.stringify(claimed)).not.toContain('"duplicate":true');
    // Six detractors, one passive, three promoters (Urdu digits and plain): NPS −30, its margin wide enough for a range from below zero to above it.
    for (const score of ['۲', '3', '0', '۱', '5', '4', '7', '۹', '10', '9']) await answer(score);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    await mkdir('test/artifacts', { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.db.dropDatabase().catch(() => {});
    await server?.close();
  });

  const pageOf = async (url: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, locale: 'en-US' });
    await page.goto(url);
    return page;
  };
  const direction = (page: Page) => page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir, rtl: getComputedStyle(document.body).direction }));

  it('web chat: Urdu words, lang=ur, dir=rtl, the scale in Urdu digits, a survey answered in Urdu', async () => {
    const page = await pageOf(`${base}/b/lahore/chat`);
    expect(await direction(page)).toEqual({ lang: 'ur', dir: 'rtl', rtl: 'rtl' });
    expect(await page.title()).toBe('سروے چیٹ');
    expect(await page.locator('header').textContent()).toBe('گاہکوں کا سروے');
    expect(await page.locator('#locale').inputValue()).toBe('ur');
    // The start button's scale is a range: "۰ سے ۱۰", each number isolated, the low end on the right.
    const start = page.getByTestId('start-nps');
    expect(await start.textContent()).toBe('NPS (۰ سے ۱۰)');
    const [low, high] = [start.locator('bdi').first(), start.locator('bdi').last()];
    expect((await low.boundingBox())!.x).toBeGreaterThan((await high.boundingBox())!.x);
    await start.click();
    await expect.poll(() => page.getByTestId('bot-message').first().textContent(), { timeout: 10_000 }).toContain('لاہور چائے خانہ');
    expect(await page.getByTestId('reply-input').getAttribute('placeholder')).toBe('جواب لکھیں (نئی سطر کے لیے Shift+Enter)');
    expect(await page.getByTestId('send').textContent()).toBe('بھیجیں');
    expect(await page.getByTestId('choice-9').textContent()).toContain('۹');
    await page.getByTestId('choice-9').click();
    await expect.poll(() => page.getByTestId('bot-message').count(), { timeout: 10_000 }).toBeGreaterThan(1);
    // Once answered, the contact box is offered in Urdu too.
    await expect.poll(() => page.getByTestId('contact-input').getAttribute('placeholder'), { timeout: 10_000 }).toBe('فون نمبر یا ای میل، اگر آپ جواب چاہتے ہیں (اختیاری)');
    // With the connection gone, the page says so in Urdu and keeps the text in the box.
    await page.route('**/chat/api/visitors/*/messages', (route) => (route.request().method() === 'POST' ? route.abort('internetdisconnected') : route.continue()));
    await page.getByTestId('reply-input').fill('چائے ٹھنڈی تھی');
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('error').textContent(), { timeout: 10_000 }).toBe('نہیں بھیجا گیا: انٹرنیٹ کنکشن نہیں ہے۔ کنکشن دیکھ کر دوبارہ بھیجیں۔');
    expect(await page.getByTestId('reply-input').inputValue()).toBe('چائے ٹھنڈی تھی');
    await page.unrouteAll();
    // The widget a website pastes: its pop-up button in the business's language.
    await page.setContent(`<!doctype html><html><body><script src="${base}/b/lahore/widget.js" data-mode="popup"></script></body></html>`);
    await expect.poll(() => page.locator('button[data-survey-widget-button]').textContent(), { timeout: 10_000 }).toBe('رائے دیں');
    await page.screenshot({ path: 'test/artifacts/urdu-web-chat.png', fullPage: true });
    await page.close();
  }, 30_000);

  it('sign-in and dashboard: Urdu, right to left, a negative NPS and its range read in order', async () => {
    const replies = await chat(`visitors/${owner}/messages`, { messageId: 'dash', text: '/dashboard' });
    const link = /https?:\/\/\S+\/dashboard\/login\/[^\s"]+/.exec(JSON.stringify(replies))?.[0];
    expect(link, JSON.stringify(replies)).toMatch(/\?business=lahore$/);
    const page = await pageOf(link!.replace(/^https?:\/\/[^/]+/, base));
    expect(await direction(page)).toEqual({ lang: 'ur', dir: 'rtl', rtl: 'rtl' });
    await page.getByRole('button', { name: 'سائن ان کریں' }).click();
    await page.waitForURL(`${base}/dashboard`);
    expect(await direction(page)).toEqual({ lang: 'ur', dir: 'rtl', rtl: 'rtl' });
    const body = (await page.locator('body').textContent()) ?? '';
    for (const word of ['جوابات', 'جواب کی شرح', 'پچھلے ۳۰ دن', 'رجحان', 'ناقد', 'حامی', 'جواب کے منتظر ناقدین']) expect(body).toContain(word);

    // The score (−30, or −18.2 once the chat's visitor answered 9) in Urdu digits, its sign drawn beside its digits, on their left (a number reads left to right).
    const stats = (await app.inject({ method: 'GET', url: '/api/v1/stats?period=30d', headers: { 'x-api-key': (await app.store.apiKeys.create({ businessId: 'lahore', name: 'reader', scopes: ['surveys:read'] })).key } })).json();
    const nps = stats.kinds.find((k: { kind: string }) => k.kind === 'nps');
    expect(nps.score).toBeLessThan(0);
    const score = page.getByTestId('score').locator('bdi').first();
    expect(await score.textContent()).toBe(plainNumber(urdu, nps.score));
    const scoreChars = await charBoxes(score);
    const minus = scoreChars.findIndex((c) => c.char === '-' || c.char === '\u2212');
    expect(minus).toBeGreaterThanOrEqual(0);
    expect(scoreChars.map((c) => c.char).join('')).toMatch(/^[-\u2212][۰-۹٫]+$/);
    for (const digit of scoreChars.slice(minus + 1)) expect(scoreChars[minus]!.right).toBeLessThanOrEqual(digit.left + 0.5);
    // …and right beside them: nothing drawn between the sign and the first digit.
    expect(Math.min(...scoreChars.slice(minus + 1).map((d) => d.left)) - scoreChars[minus]!.right).toBeLessThan(2);

    // This week's 95% range: "low سے high", the low end (negative) at the reading start, the right.
    const range = page.getByTestId('trend-range').last();
    const [lowEnd, highEnd] = [range.locator('bdi').first(), range.locator('bdi').last()];
    const lowValue = Math.round((nps.score - nps.marginOfError) * 10) / 10;
    const highValue = Math.round((nps.score + nps.marginOfError) * 10) / 10;
    expect(lowValue).toBeLessThan(0);
    expect(highValue).toBeGreaterThan(0);
    expect(await lowEnd.textContent()).toBe(plainNumber(urdu, lowValue));
    expect(await highEnd.textContent()).toBe(plainNumber(urdu, highValue));
    expect((await range.textContent())!.replace(/[\u200e\u200f]/g, '')).toBe(`${plainNumber(urdu, lowValue)} سے ${plainNumber(urdu, highValue)}`.replace(/[\u200e\u200f]/g, ''));
    const [lowBox, highBox] = [(await lowEnd.boundingBox())!, (await highEnd.boundingBox())!];
    expect(lowBox.x).toBeGreaterThan(highBox.x + highBox.width);
    const lowChars = await charBoxes(lowEnd);
    const lowMinus = lowChars.findIndex((c) => c.char === '-' || c.char === '\u2212');
    expect(lowMinus).toBeGreaterThanOrEqual(0);
    for (const digit of lowChars.slice(lowMinus + 1)) expect(lowChars[lowMinus]!.right).toBeLessThanOrEqual(digit.left + 0.5);
    expect(Math.min(...lowChars.slice(lowMinus + 1).map((d) => d.left)) - lowChars[lowMinus]!.right).toBeLessThan(2);
    // No Latin digit in a number the page formats (the week's day, counts, rates, the range).
    expect((await page.getByTestId('trend-table').locator('tbody tr').last().textContent())).not.toMatch(/[0-9]/);
    // The charts' ticks are drawn by Chart.js with the page's Urdu number format.
    await expect.poll(() => page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
    const ticks = await page.evaluate(() => {
      const charts = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { scales: Record<string, { ticks: Array<{ label: string }> }> } } }).Chart;
      const trend = charts.getChart(document.getElementById('trend-chart') as HTMLCanvasElement);
      return trend.scales.y!.ticks.map((t) => t.label);
    });
    expect(ticks.length).toBeGreaterThan(1);
    for (const tick of ticks) expect(tick).toMatch(/^[\u200e\u200f]*[-\u2212]?[\u200e\u200f]*[۰-۹٬٫]+$/);
    await page.screenshot({ path: 'test/artifacts/urdu-dashboard.png', fullPage: true });
    await page.close();
  }, 30_000);

  it("sign-in page: the business's language when the link names it, else the browser's among the shipped ones, else English", async () => {
    const token = 't'.repeat(32);
    const lang = async (query: string, acceptLanguage?: string) => {
      const res = await app.inject({ method: 'GET', url: `/dashboard/login/${token}${query}`, headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} });
      expect(res.statusCode).toBe(200);
      return /<html lang="(\w+)" dir="(\w+)"/.exec(res.body)?.slice(1, 3).join(' ');
    };
    expect(await lang('?business=lahore', 'es-MX,es;q=0.9')).toBe('ur rtl');
    expect(await lang('', 'fr-FR,fr;q=0.9,es;q=0.8,ur;q=0.5')).toBe('es ltr');
    expect(await lang('', 'ur-PK')).toBe('ur rtl');
    expect(await lang('?business=nobody', 'de')).toBe('en ltr');
    expect(await lang('')).toBe('en ltr');
    // The widget's page: the language the website asks for, else the business's.
    const embed = async (query: string) => /<html lang="(\w+)" dir="(\w+)"/.exec((await app.inject({ method: 'GET', url: `/b/lahore/embed${query}` })).body)?.slice(1, 3).join(' ');
    expect(await embed('')).toBe('ur rtl');
    expect(await embed('?locale=es')).toBe('es ltr');
    expect(await embed('?locale=xx')).toBe('ur rtl');
    // A message too long for the chat is refused in the business's language, its limit in Urdu digits.
    const { visitorId } = await chat('visitors', { kind: 'nps' });
    const long = await app.inject({ method: 'POST', url: `/b/lahore/chat/api/visitors/${visitorId}/messages`, payload: { messageId: 'long', text: 'x'.repeat(20_001) } });
    expect(long.statusCode).toBe(400);
    expect(long.json().message).toBe('یہ پیغام ۲۰٬۰۰۰ حروف سے لمبا ہے: اسے مختصر کر کے دوبارہ بھیجیں۔');
    // A spent or unknown link says so in the same language.
    const refused = await app.inject({ method: 'POST', url: '/dashboard/login', payload: { token, business: 'lahore' } });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('<html lang="ur" dir="rtl">');
    expect(refused.body).toContain('یہ لنک درست نہیں ہے');
    expect(refused.body).toContain('۱۵ منٹ');
  });
});
