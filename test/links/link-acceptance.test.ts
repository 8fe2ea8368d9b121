import { existsSync } from 'node:fs';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { ownerDashboardPage } from '../dashboard/owner-page.js';
import { say, visitor } from '../staff/web-chat.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const owner = visitor();

/**
 * As an owner and a customer would: the owner asks for a link with `/qr` in chat, the customer's
 * phone decodes the printed QR code and opens it (390 px wide), answers, and the owner finds the
 * answer under the link's location and staff member in the API's cohorts and on the dashboard.
 */
describe('a survey link from chat to answer, in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    // The server learns its own address only once listening: the QR code carries PUBLIC_URL, so it is set to a port picked first.
    const probe = await buildTestServer({ SWEEP_INTERVAL: '0' });
    const port = Number(new URL(await probe.app.listen({ host: '127.0.0.1', port: 0 })).port);
    await probe.close();
    server = await buildTestServer({ SWEEP_INTERVAL: '0', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, PUBLIC_URL: `http://127.0.0.1:${port}`, API_KEY: 'k_links_acceptance_0123456789' });
    base = await server.app.listen({ host: '127.0.0.1', port });
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('decodes the QR code, answers at 390 px, and counts the answer under the location and staff member', async () => {
    const { app } = server;
    const [made] = await say(app, owner, '/qr csat location=Harbour Road staff=Bilal');
    expect(made).toMatch(/^CSAT survey link for Harbour Road · Bilal:/);
    expect(made).toContain('Pause or resume it on the dashboard (/dashboard)');
    const pngUrl = /QR code: (\S+\/qr\.png)/.exec(made!)?.[1];
    expect(pngUrl).toMatch(new RegExp(`^${base}/s/[0-9A-Za-z]{12}/qr\\.png$`));

    const png = PNG.sync.read(Buffer.from(await (await fetch(pngUrl!)).arrayBuffer()));
    const scanned = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
    expect(scanned).toBe(pngUrl!.replace(/\/qr\.png$/, ''));

    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(scanned!);
    await page.getByTestId('choice-5').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/made it great|anything|what/i);
    await page.getByTestId('reply-input').fill('Bilal found the right size');
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/thank/i);
    // Nothing is wider than the phone.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByTestId('start-nps').isVisible()).toBe(false);

    const now = app.now().toISOString().slice(0, 10);
    const cohorts = async (by: string) => {
      const res = await app.inject({ url: `/api/v1/metrics/cohorts?kind=csat&by=${by}&from=${now}&to=${now}`, headers: { 'x-api-key': 'k_links_acceptance_0123456789' } });
      return res.json().periods[0].groups.map((g: { group: string; n: number; score: number }) => [g.group, g.n, g.score]);
    };
    expect(await cohorts('location')).toEqual([['Harbour Road', 1, 100]]);
    expect(await cohorts('staff')).toEqual([['Bilal', 1, 100]]);

    const dashboard = await ownerDashboardPage(app, owner, '?kind=csat&days=7');
    expect(dashboard).toContain('<td>location: Harbour Road</td><td>1</td><td><bdi>100</bdi></td>');
    expect(dashboard).toContain('<td>staff: Bilal</td><td>1</td><td><bdi>100</bdi></td>');
    const code = scanned!.split('/s/')[1];
    const row = new RegExp(`<tr data-link="${code}">.*?</tr>`).exec(dashboard)?.[0];
    expect(row).toContain('<td>active</td><td>1</td><td>1 of 1</td><td><bdi>100</bdi> ±');
    expect(row).toContain('<td><bdi>5</bdi></td>');
  }, 90_000);
});
