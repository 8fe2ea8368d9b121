import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoment } from '../../src/domain/locale-format.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { uniqueDbName } from '../helpers/database.js';
import { say, visitor } from '../staff/web-chat.js';
import { ownerSession } from './owner-page.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const owner = visitor();
const apiKey = 'k_dashboard_links_0123456789';
const form = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Survey links made, paused and resumed from the signed-in dashboard, as an owner does it: the form
 * posted as a browser posts it (every field, empty ones too), then the link's own page.
 */
describe('survey links on the dashboard', () => {
  const clock = new TestClock('2026-03-11T15:00:00Z');
  let server: TestServer;
  let base = '';
  let cookie = '';
  let token = '';
  const dbName = uniqueDbName('dashboard-links');

  const page = async (query = '') => (await server.app.inject({ url: `/dashboard${query}`, cookies: { dashboard_session: cookie } })).body;
  const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = {}, session = cookie) =>
    server.app.inject({ method: 'POST', url, headers: { ...form, ...headers }, cookies: session ? { dashboard_session: session } : {}, payload: new URLSearchParams(fields).toString() });
  const emptyForm = { kind: 'nps', locale: '', label: '', location: '', staff: '', product: '', campaign: '', expiresAt: '', view: 'nps', days: '30' };
  const rowOf = (html: string, code: string) => new RegExp(`<tr data-link="${code}">.*?</tr>`).exec(html)?.[0];
  const linksApi = async () => (await server.app.inject({ url: '/api/v1/links', headers: { 'x-api-key': apiKey } })).json().items as Array<{ code: string; state: string; kind: string; locale: string | null; location: string | null; staff: string | null; campaign: string | null; expiresAt: string | null }>;

  beforeAll(async () => {
    const probe = await buildTestServer({ SWEEP_INTERVAL: '0' });
    const port = Number(new URL(await probe.app.listen({ host: '127.0.0.1', port: 0 })).port);
    await probe.close();
    const env = { SWEEP_INTERVAL: '0', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, PUBLIC_URL: `http://127.0.0.1:${port}`, API_KEY: apiKey };
    // A second business, stored before the server starts (as the command line stores one), whose owner must not reach the first's links.
    const setup = await buildTestServer(env, { now: clock.now, dbName });
    await setup.app.store.businesses.save({ ...(await setup.app.businesses.get('default'))!.settings, id: 'rival', name: 'Rival' });
    await setup.app.close();
    server = await buildTestServer(env, { now: clock.now, dbName });
    base = await server.app.listen({ host: '127.0.0.1', port });
    cookie = await ownerSession(server.app, owner);
    token = /name="form" value="([0-9a-f]+)"/.exec(await page())![1]!;
  }, 60_000);
  afterAll(async () => {
    await server?.app.db.dropDatabase().catch(() => {});
    await server?.close();
  });

  it('makes a link from the form, lists it with its QR code, pauses it (its page answers 410) and resumes it', async () => {
    const made = await post('/dashboard/links', { ...emptyForm, form: token, kind: 'csat', locale: 'es', label: 'Till, Harbour Road', location: 'Harbour Road', staff: 'Bilal', campaign: 'spring', expiresAt: '2026-06-30T18:00:00Z', view: 'csat', days: '7' });
    expect(made.statusCode, made.body).toBe(303);
    expect(made.headers.location).toBe('/dashboard?kind=csat&days=7&link=made');
    // The API's code made it: the API reads it back with every field the form gave.
    const [link] = await linksApi();
    expect(link).toMatchObject({ kind: 'csat', locale: 'es', location: 'Harbour Road', staff: 'Bilal', campaign: 'spring', state: 'active', expiresAt: '2026-06-30T18:00:00.000Z' });
    const code = link!.code;

    const listed = await page('?kind=csat&days=7&link=made');
    expect(listed).toContain('Survey link made');
    const row = rowOf(listed, code);
    expect(row).toContain(`<td>Till, Harbour Road</td><td>CSAT · Harbour Road · Bilal · spring</td><td>active, ends ${formatMoment('en', new Date('2026-06-30T18:00:00Z'))}</td>`);
    expect(row).toContain(`<a href="/s/${code}/qr.png">QR</a>`);
    expect((await server.app.inject(`/s/${code}/qr.png`)).headers['content-type']).toBe('image/png');
    expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(200);

    const paused = await post(`/dashboard/links/${code}`, { form: token, action: 'pause', view: 'csat', days: '7' });
    expect(paused.statusCode, paused.body).toBe(303);
    expect(paused.headers.location).toBe('/dashboard?kind=csat&days=7&link=paused');
    const gone = await server.app.inject(`/s/${code}`);
    expect(gone.statusCode).toBe(410);
    // The link's page speaks the link's language (Spanish here), the dashboard the business's.
    expect(gone.body).toContain('<html lang="es" dir="ltr">');
    expect(gone.body).toContain('Encuesta en pausa');
    const pausedRow = rowOf(await page(), code);
    expect(pausedRow).toContain('<td>paused, ends');
    expect(pausedRow).toContain(`data-testid="resume-${code}"`);

    expect((await post(`/dashboard/links/${code}`, { form: token, action: 'resume' })).headers.location).toBe('/dashboard?kind=nps&days=30&link=resumed');
    expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(200);
    expect((await linksApi()).find((l) => l.code === code)?.state).toBe('active');
  });

  it('shows a bad field back with its reason, keeps what was typed, and makes nothing', async () => {
    const before = (await linksApi()).length;
    const bad = await post('/dashboard/links', { ...emptyForm, form: token, label: 'Door <b>sign</b>', location: 'Quay', expiresAt: 'next Friday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toContain('text/html');
    expect(bad.headers['content-security-policy']).toContain("script-src 'self'");
    expect(bad.body).toMatch(/<span class="problem" id="link-expiresAt-problem" data-testid="link-expiresAt-problem">an ISO 8601 date and time, such as 2026-06-30T18:00:00Z<\/span>/);
    expect(bad.body).toContain('Link not made. expiresAt: an ISO 8601');
    expect(bad.body).toContain('value="next Friday" placeholder');
    expect(bad.body).toContain('value="Door &lt;b&gt;sign&lt;/b&gt;"');
    expect(bad.body).toContain('value="Quay"');
    // A field the API refuses for its length is refused here with the same reason; a field the form has not is named.
    const long = await post('/dashboard/links', { ...emptyForm, form: token, campaign: 'x'.repeat(51) });
    expect(long.statusCode).toBe(400);
    expect(long.body).toMatch(/data-testid="link-campaign-problem">[^<]*50/);
    const extra = await post('/dashboard/links', { ...emptyForm, form: token, shop: 'x' });
    expect(extra.statusCode).toBe(400);
    expect(extra.body).toContain('fields this form does not have: shop');
    const kind = await post('/dashboard/links', { ...emptyForm, form: token, kind: 'stars' });
    expect(kind.statusCode).toBe(400);
    expect(kind.body).toContain('data-testid="link-kind-problem"');
    expect((await linksApi()).length).toBe(before);
  });

  it('refuses a post from another site, another session or no session, and a link of another business', async () => {
    const before = await linksApi();
    const code = before[0]!.code;
    // A page elsewhere cannot read the form token: without it, or with another session's, nothing happens.
    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' };
    const noToken = await post('/dashboard/links', { ...emptyForm, location: 'Forged' }, crossSite);
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().message).toMatch(/another session/);
    const other = await ownerSession(server.app, owner);
    const otherToken = /name="form" value="([0-9a-f]+)"/.exec((await server.app.inject({ url: '/dashboard', cookies: { dashboard_session: other } })).body)![1]!;
    expect(otherToken).not.toBe(token);
    expect((await post('/dashboard/links', { ...emptyForm, form: otherToken, location: 'Forged' }, crossSite)).statusCode).toBe(403);
    expect((await post(`/dashboard/links/${code}`, { form: otherToken, action: 'pause' }, crossSite)).statusCode).toBe(403);
    expect((await post(`/dashboard/links/${code}`, { action: 'pause' }, crossSite)).statusCode).toBe(400);
    // A browser keeps the SameSite=Lax cookie off another site's POST: no session, no change.
    expect((await post(`/dashboard/links/${code}`, { form: token, action: 'pause' }, crossSite, '')).statusCode).toBe(401);
    expect((await post('/dashboard/links', { ...emptyForm, form: token, location: 'Forged' }, crossSite, '')).statusCode).toBe(401);
    expect(await linksApi()).toEqual(before);

    // Another business's owner, signed in to theirs, cannot touch this one's link.
    const rivalOwner = visitor();
    await (await server.app.businesses.get('rival'))!.staff.add({ channel: 'web', address: rivalOwner }, 'owner');
    const rivalReplies = await server.app.inject({ method: 'POST', url: `/b/rival/chat/api/visitors/${rivalOwner}/messages`, payload: { messageId: 'r1', text: '/dashboard' } });
    const rivalLink = /\/dashboard\/login\/([A-Za-z0-9_-]+)/.exec(JSON.stringify(rivalReplies.json()))![1]!;
    const rivalCookie = (await post('/dashboard/login', { token: rivalLink }, {}, '')).cookies.find((c) => c.name === 'dashboard_session')!.value;
    const rivalToken = /name="form" value="([0-9a-f]+)"/.exec((await server.app.inject({ url: '/dashboard', cookies: { dashboard_session: rivalCookie } })).body)![1]!;
    const refused = await post(`/dashboard/links/${code}`, { form: rivalToken, action: 'pause' }, {}, rivalCookie);
    expect(refused.headers.location).toContain('link=not_found');
    expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(200);
    expect((await post('/dashboard/links/not-a-code', { form: token, action: 'pause' })).statusCode).toBe(400);
  });

  it('changes no link for a session of someone no longer an owner', async () => {
    const code = (await server.app.inject({ method: 'POST', url: '/api/v1/links', headers: { 'x-api-key': apiKey }, payload: { kind: 'nps', location: 'Back door' } })).json().code as string;
    const before = await linksApi();
    const second = visitor();
    expect((await say(server.app, owner, `/staff add web:${second} owner`)).join()).toMatch(/Added/);
    const session = await ownerSession(server.app, second);
    const secondToken = /name="form" value="([0-9a-f]+)"/.exec((await server.app.inject({ url: '/dashboard', cookies: { dashboard_session: session } })).body)![1]!;
    // While an owner, the session works.
    expect((await post(`/dashboard/links/${code}`, { form: secondToken, action: 'resume' }, {}, session)).statusCode).toBe(303);
    expect((await say(server.app, owner, `/staff remove web:${second}`)).join()).toMatch(/Removed/i);
    const made = await post('/dashboard/links', { ...emptyForm, form: secondToken, location: 'Left the team' }, {}, session);
    expect(made.statusCode).toBe(403);
    expect(made.json().message).toMatch(/only an owner/);
    expect((await post(`/dashboard/links/${code}`, { form: secondToken, action: 'pause' }, {}, session)).statusCode).toBe(403);
    expect(await linksApi()).toEqual(before);
    expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(200);
  });

  it('in Chromium: fills the form, sees the link listed, pauses it, under the page\'s CSP', async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    const browser: Browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 390, height: 844 } });
      const violations: string[] = [];
      tab.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      const signIn = /https?:\/\/\S+\/dashboard\/login\/\S+/.exec((await say(server.app, owner, '/dashboard')).join('\n'))![0];
      await tab.goto(signIn);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.waitForURL(`${base}/dashboard`);
      await tab.getByLabel('Survey', { exact: true }).last().selectOption('ces');
      await tab.getByLabel('Location').fill('Pier Kiosk');
      await tab.getByLabel('Staff member').fill('Noor');
      await tab.getByLabel('Ends (optional)').fill('sometime');
      await tab.getByRole('button', { name: 'Make the link' }).click();
      expect(await tab.getByTestId('link-expiresAt-problem').textContent()).toMatch(/ISO 8601/);
      expect(await tab.getByLabel('Location').inputValue()).toBe('Pier Kiosk');
      clock.advance(60_000); // the list is newest first
      await tab.getByLabel('Ends (optional)').fill('2026-04-01');
      await tab.getByRole('button', { name: 'Make the link' }).click();
      await tab.waitForURL(/link=made/);
      expect(await tab.getByRole('status').textContent()).toContain('Survey link made');
      const row = tab.getByTestId('link-table').locator('tbody tr').first();
      expect(await row.textContent()).toContain('CES · Pier Kiosk · Noor');
      const code = (await row.getAttribute('data-link'))!;
      await row.getByRole('button', { name: 'Pause' }).click();
      await tab.waitForURL(/link=paused/);
      expect((await server.app.inject(`/s/${code}`)).statusCode).toBe(410);
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
