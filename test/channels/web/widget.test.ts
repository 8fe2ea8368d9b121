/**
 * The website widget in a real browser: a shop's page on a listed origin loads the one snippet and
 * completes a survey in its iframe; the same snippet on another origin is refused.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { envKey, v1 } from '../../api/v1/v1-server.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('the website widget in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let shop: Server;
  let base: string;
  let shopPort: number;
  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    server = await buildTestServer({ SWEEP_INTERVAL: '0', API_KEY: envKey, WEB_ANSWERS_PER_DEVICE: '1' });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    // The shop's own website: one page with the snippet the README gives.
    shop = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      const snippet = req.url === '/popup' ? `<script src="${base}/widget.js" data-mode="popup" data-kind="csat"></script>` : `<script src="${base}/widget.js" data-order="1042" data-customer="C-77" async></script>`;
      res.end(`<!doctype html><html><head><title>Shop</title></head><body><h1>Thanks for your order</h1>${snippet}</body></html>`);
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopPort = (shop.address() as AddressInfo).port;
    const listed = await v1(server.app, envKey, 'PATCH', '/business', { widgetOrigins: [`http://127.0.0.1:${shopPort}`] });
    expect(listed.statusCode, listed.body).toBe(200);
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => shop?.close(resolve));
    await server?.close();
  });

  it('on a listed website: the snippet shows the survey, which completes with the order and customer as its context', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    await page.goto(`http://127.0.0.1:${shopPort}/`);
    const frame = page.frameLocator('iframe[data-survey-widget]');
    await frame.getByTestId('choice-9').click();
    await expect.poll(() => frame.getByTestId('bot-message').last().textContent()).toMatch(/like most/i);
    await frame.getByTestId('reply-input').fill('Arrived early');
    await frame.getByTestId('send').click();
    await expect.poll(() => frame.getByTestId('bot-message').last().textContent()).toMatch(/thank/i);

    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', 'context.order': '1042' }).lean();
    expect(survey).toMatchObject({ state: 'completed', score: 9, comment: 'Arrived early', context: { order: '1042', customer: 'C-77' } });
    // The optional last step: a contact, so the shop can answer.
    await frame.getByTestId('contact-input').fill('ana@example.com');
    await frame.getByTestId('contact-send').click();
    await expect.poll(() => frame.getByTestId('contact-thanks').count()).toBe(1);
    expect((await server.app.store.surveys.model.findOne({ _id: survey!._id }).lean())?.identifiedAt).toBeInstanceOf(Date);
    expect(await page.context().cookies()).toEqual([]);
    await page.close();
  }, 60_000);

  it('the same snippet on another website is refused: 403, no chat, no survey', async () => {
    const before = await server.app.store.surveys.model.countDocuments({ channel: 'web' });
    const page = await browser.newPage({ viewport: { width: 390, height: 800 } });
    const embed = page.waitForResponse((res) => new URL(res.url()).pathname === '/embed');
    await page.goto(`http://localhost:${shopPort}/`);
    expect((await embed).status()).toBe(403);
    const frame = page.frameLocator('iframe[data-survey-widget]');
    await page.waitForTimeout(500);
    expect(await frame.getByTestId('choice-9').count()).toBe(0);
    expect(await server.app.store.webSessions.model.countDocuments({ entry: 'widget' })).toBe(1);
    expect(await server.app.store.surveys.model.countDocuments({ channel: 'web' })).toBe(before);
    await page.close();
  }, 60_000);

  it('as a pop-up: opens from its button; a second answer from the same device that day is refused kindly, not stored', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const answer = async (score: string) => {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${shopPort}/popup`);
      await page.locator('button[data-survey-widget-button]').click();
      const frame = page.frameLocator('iframe[data-survey-widget]');
      await frame.getByTestId(`choice-${score}`).click();
      return frame;
    };
    const before = await server.app.store.surveys.model.countDocuments({ channel: 'web', kind: 'csat' });
    const first = await answer('5');
    await expect.poll(() => first.getByTestId('visitor-message').count()).toBe(1);
    const second = await answer('1');
    await expect.poll(() => second.getByTestId('refusal').textContent()).toMatch(/^Thank you! This device has already answered/);
    expect(await second.getByTestId('reply-input').isHidden()).toBe(true);
    expect(await server.app.store.surveys.model.countDocuments({ channel: 'web', kind: 'csat' })).toBe(before + 1);
    await context.close();
  }, 60_000);
});
