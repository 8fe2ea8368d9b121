import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const outputDir = path.resolve('test-output');

describe('the /chat page in a real browser', () => {
  let server: TestServer;
  let browser: Browser;
  let base: string;
  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('completes a survey by clicking and typing', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 760 } });
    await page.goto(`${base}/chat`);
    await page.getByTestId('start-nps').click();
    await page.getByTestId('choice-9').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/like most/i);
    await page.getByTestId('reply-input').fill('Quick and friendly');
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/thank/i);

    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: path.join(outputDir, 'web-chat.png'), fullPage: true });

    const survey = await server.app.store.surveys.model.findOne({ channel: 'web' }).lean();
    expect(survey).toMatchObject({ state: 'completed', score: 9, comment: 'Quick and friendly' });
    expect(await page.getByTestId('visitor-message').allTextContents()).toEqual(['9', 'Quick and friendly']);
  }, 60_000);

  it('keeps line breaks in a comment: Shift+Enter starts a new line, Enter sends', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 760 } });
    await page.goto(`${base}/chat`);
    await page.getByTestId('start-nps').click();
    await page.getByTestId('choice-8').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/one thing would make it/i);
    await page.getByTestId('reply-input').click();
    await page.keyboard.type('Quick service');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('but cold coffee');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('visitor-message').count()).toBeGreaterThan(1);
    await expect.poll(() => page.getByTestId('bot-message').count()).toBeGreaterThan(2);

    expect(await page.getByTestId('visitor-message').allTextContents()).toEqual(['8', 'Quick service\nbut cold coffee']);
    const visitor = await page.evaluate(() => sessionStorage.getItem('visitor:web'));
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', address: visitor }).lean();
    expect(survey).toMatchObject({ state: 'completed', score: 8, comment: 'Quick service\nbut cold coffee' });
    expect(await page.getByTestId('reply-input').inputValue()).toBe('');
  }, 60_000);

  it('shows why a text was refused and keeps it in the box; a long comment is kept in part, and said so', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 760 } });
    await page.goto(`${base}/chat`);
    await page.getByTestId('start-csat').click();
    await page.getByTestId('choice-2').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/what went wrong|improve|sorry/i);

    const tooLong = 'x'.repeat(20_001);
    await page.getByTestId('reply-input').fill(tooLong);
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('error').textContent()).toBe('Not sent. This message is longer than 20,000 characters: shorten it and send it again.');
    expect(await page.getByTestId('reply-input').inputValue()).toBe(tooLong);

    const long = 'The queue was long. '.repeat(300); // 6,000 characters
    await page.getByTestId('reply-input').fill(long);
    await page.getByTestId('send').click();
    await expect.poll(() => page.getByTestId('bot-message').last().textContent()).toMatch(/kept the first 5000/);
    expect(await page.getByTestId('error').isHidden()).toBe(true);
    expect(await page.getByTestId('reply-input').inputValue()).toBe('');
    const survey = await server.app.store.surveys.model.findOne({ channel: 'web', kind: 'csat' }).lean();
    expect(survey?.comment).toHaveLength(5_000);
  }, 60_000);
});
