import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSegments } from '../../src/domain/sms-segments.js';
import { wordingKeys } from '../../src/dialogs/prompts/index.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { uniqueDbName } from '../helpers/database.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';
import { say, visitor } from '../staff/web-chat.js';
import { ownerSession } from './owner-page.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const owner = visitor();
const apiKey = 'k_dashboard_wording_0123456789';
const question = "How likely are you to recommend {hasProduct, select, yes {{business}'s {product}} other {{business}}} to a friend? Reply {min}-{max}";
const detractor = '{hasName, select, yes {Sorry, {firstName}.} other {Sorry.}} What went wrong{hasProduct, select, yes { with {product}} other {}}?';
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every field of the page's wording form as a browser posts it: the hidden fields and each textarea as shown. */
function wordingForm(html: string): Record<string, string> {
  const form = /<form method="post" action="\/dashboard\/wording" [\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
  const fields: Record<string, string> = {};
  for (const [, name, value] of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[name!] = unescape(value!);
  for (const [, name, value] of form.matchAll(/<textarea name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) fields[name!] = unescape(value!);
  return fields;
}
const textareaOf = (html: string, key: string) => unescape(new RegExp(`<textarea name="m:${key.replace('.', '\\.')}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1] ?? '');
/** The text of the element with this test id (a span or a paragraph), its markup left out. */
const testId = (html: string, id: string) => unescape((new RegExp(`data-testid="${id.replace(/\./g, '\\.')}"[^>]*>([\\s\\S]*?)</(?:span|p)>`).exec(html)?.[1] ?? '').replace(/<[^>]+>/g, ''));

/**
 * The survey's wording and the reason question changed from the signed-in dashboard, as an owner
 * does it: the page's form posted with every field and its form token; what the next survey says is
 * read from the fake Twilio, what is stored from the API.
 */
describe('survey wording on the dashboard', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  let cookie = '';
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const get = (url: string, session = cookie) => server.app.inject({ url, cookies: { dashboard_session: session } });
  const post = (url: string, fields: Record<string, string>, session = cookie) =>
    server.app.inject({ method: 'POST', url, headers: form, cookies: session ? { dashboard_session: session } : {}, payload: new URLSearchParams(fields).toString() });
  const api = (method: 'GET' | 'POST' | 'PATCH', path: string, payload?: object) =>
    server.app.inject({ method, url: `/api/v1${path}`, headers: { 'x-api-key': apiKey }, ...(payload ? { payload } : {}) });
  const stored = async (kind: string, locale: string) =>
    Object.fromEntries(((await api('GET', `/content/${kind}/${locale}`)).json().messages as Array<{ key: string; text: string; custom: boolean }>).filter((m) => m.custom).map((m) => [m.key, m.text]));
  const lastSms = (to: string) => fake.messages.filter((m) => m.to === to).at(-1)?.body;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    const env = { ...smsEnv(fake), SEND_WINDOW: '00:00-24:00', BUSINESS_NAME: 'Acme Coffee', SWEEP_INTERVAL: '0', THROTTLE_DAYS: '0', WEB_CHAT_ENABLED: 'true', OWNER_ADDRESSES: `web:${owner}`, API_KEY: apiKey, API_RATE_LIMIT: '100000' };
    server = await buildTestServer(env, { dbName: uniqueDbName('dashboard-wording') });
    cookie = await ownerSession(server.app, owner);
  }, 60_000);
  afterAll(async () => {
    await server?.app.db.dropDatabase().catch(() => {});
    await server?.close();
    await fake?.close();
  });

  it('saves the NPS question and the detractor follow-up; the API reads them back and the next SMS survey says them', async () => {
    expect((await get('/dashboard')).body).toContain('<a href="/dashboard/wording?kind=nps" class="back" data-testid="wording-link">Survey wording and reason question</a>');
    const before = await get('/dashboard/wording?kind=nps&locale=en');
    expect(before.statusCode).toBe(200);
    const fields = wordingForm(before.body);
    expect(Object.keys(fields).filter((f) => f.startsWith('m:'))).toEqual(wordingKeys.map((k) => `m:${k}`));
    const shipped = (await api('GET', '/content/nps/en')).json().messages as Array<{ key: string; text: string }>;
    for (const m of shipped) expect(fields[`m:${m.key}`], m.key).toBe(m.text);
    expect(testId(before.body, 'marker-question')).toBe('Default wording');

    const saved = await post('/dashboard/wording', { ...fields, 'm:question': question, 'm:followUp.detractor': detractor, action: 'save' });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe('/dashboard/wording?kind=nps&locale=en&saved=wording');
    expect(await stored('nps', 'en')).toEqual({ question, 'followUp.detractor': detractor });
    const after = (await get(saved.headers.location as string)).body;
    expect(testId(after, 'notice')).toMatch(/^Wording saved/);
    expect(testId(after, 'marker-question')).toBe('Your wording');
    expect(testId(after, 'marker-followUp.detractor')).toBe('Your wording');
    expect(testId(after, 'marker-closing')).toBe('Default wording');

    const phone = '+14155550191';
    expect((await api('POST', '/surveys', { kind: 'nps', channel: 'sms', address: phone, name: 'Ana Gómez', context: { product: 'Blue mug' } })).statusCode).toBe(201);
    expect(lastSms(phone)).toBe("Hi Ana Gómez! How likely are you to recommend Acme Coffee's Blue mug to a friend? Reply 0-10");
    expect((await fake.receive(server.app, { from: phone, body: '3' })).statusCode).toBe(200);
    expect(lastSms(phone)).toBe('Sorry, Ana. What went wrong with Blue mug? Reply SKIP to skip.');
  });

  it('refuses a bad placeholder and a broken plural beside each message, keeps every other edit in the form, and stores nothing', async () => {
    const before = await stored('nps', 'en');
    const fields = wordingForm((await get('/dashboard/wording?kind=nps&locale=en')).body);
    const refused = await post('/dashboard/wording', {
      ...fields,
      'm:question': 'How was {shop}? Reply {min}-{max}',
      'm:reprompt': '{max, plural, one {# number}} please',
      'm:thankYou.promoter': 'Cheers, {firstName}! <See you soon>',
      action: 'save',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('text/html');
    expect(testId(refused.body, 'problem-question')).toMatch(/unknown placeholder \{shop\}/);
    expect(testId(refused.body, 'problem-reprompt')).toMatch(/"other" case/);
    expect(refused.body).not.toContain('data-testid="problem-thankYou.promoter"');
    // A refused message is not previewed (the default would stand in for it); the others are.
    expect(refused.body).not.toContain('data-testid="sms-question"');
    expect(refused.body).toMatch(/data-testid="sms-thankYou\.promoter"[^>]*>Cheers, Alex! &lt;See you soon&gt;<\/pre>/);
    expect(testId(refused.body, 'notice')).toMatch(/^Not saved/);
    expect(refused.body).toContain('aria-describedby="problem-question" aria-invalid="true"');
    expect(textareaOf(refused.body, 'question')).toBe('How was {shop}? Reply {min}-{max}');
    expect(textareaOf(refused.body, 'thankYou.promoter')).toBe('Cheers, {firstName}! <See you soon>');
    expect(textareaOf(refused.body, 'followUp.detractor')).toBe(detractor);
    expect(await stored('nps', 'en')).toEqual(before);
  });

  it('previews each message per channel with the SMS code’s own encoding and parts, flags one over the limit before saving, and resets a message', async () => {
    const long = `${'Nos encantaría conocer cada detalle de tu visita a {business} hoy. '.repeat(6)}Responde {min}-{max}`;
    const fields = wordingForm((await get('/dashboard/wording?kind=nps&locale=es')).body);
    const typed = { ...fields, 'm:question': long, 'm:thankYou.promoter': '¡Gracias, {firstName}! 😊' };
    const preview = await post('/dashboard/wording', { ...typed, action: 'preview' });
    expect(preview.statusCode, preview.body).toBe(200);
    expect(testId(preview.body, 'notice')).toMatch(/^Preview only/);
    const shown = [...preview.body.matchAll(/<pre class="sms" dir="ltr" data-testid="sms-([^"]+)" data-encoding="([^"]+)" data-segments="(\d+)" data-characters="(\d+)">([\s\S]*?)<\/pre>/g)];
    expect(shown.map((m) => m[1])).toEqual([...wordingKeys]);
    for (const [, key, encoding, segments, characters, text] of shown) {
      expect({ key, encoding, segments: Number(segments), characters: Number(characters) }).toEqual({ key, ...countSegments(unescape(text!)) });
    }
    const sms = (key: string) => shown.find((m) => m[1] === key)!;
    expect(unescape(sms('thankYou.promoter')[5]!)).toBe('¡Gracias, Alex! 😊');
    expect(sms('thankYou.promoter')[2]).toBe('UCS-2');
    expect(Number(sms('question')[3])).toBeGreaterThan(3);
    // The counts in words, in the business's language, singular for one part.
    expect(preview.body).toMatch(/<p class="count">GSM-7, <bdi>\d+<\/bdi> characters, <bdi>1<\/bdi> SMS part<\/p>/);
    expect(preview.body).toContain(`<p class="count">${sms('question')[2]}, <bdi>${sms('question')[4]}</bdi> characters, <bdi>${sms('question')[3]}</bdi> SMS parts</p>`);
    expect(preview.body.match(/data-testid="flag-[^"]+"/g)).toEqual(['data-testid="flag-invitation"', 'data-testid="flag-question"', 'data-testid="flag-reminder"']);
    expect(testId(preview.body, 'flag-question')).toBe(`Over the limit: ${sms('question')[3]} SMS parts (${sms('question')[2]}), the limit is 3.`);
    expect(await stored('nps', 'es')).toEqual({});

    const held = await post('/dashboard/wording', { ...typed, action: 'save' });
    expect(held.statusCode).toBe(400);
    expect(testId(held.body, 'notice')).toMatch(/^Not saved\. A flagged message is over the SMS limit/);
    expect(held.body).toContain('data-testid="flag-question"');
    expect(textareaOf(held.body, 'question')).toBe(long);
    expect(await stored('nps', 'es')).toEqual({});

    const allowed = await post('/dashboard/wording', { ...typed, allowLong: 'on', action: 'save' });
    expect(allowed.statusCode, allowed.body).toBe(303);
    expect(Object.keys(await stored('nps', 'es'))).toEqual(['question', 'thankYou.promoter']);

    // Reset one message: it is the shipped one again, the other stays the business's, an unsaved edit stays in the form.
    const page = (await get('/dashboard/wording?kind=nps&locale=es')).body;
    expect(page).toContain('data-testid="reset-question"');
    const reset = await post('/dashboard/wording', { ...wordingForm(page), 'm:closing': 'Vale, gracias.', action: 'reset:question' });
    expect(reset.statusCode, reset.body).toBe(200);
    expect(Object.keys(await stored('nps', 'es'))).toEqual(['thankYou.promoter']);
    const shippedQuestion = (await api('GET', '/content/nps/es')).json().messages.find((m: { key: string }) => m.key === 'question').text;
    expect(textareaOf(reset.body, 'question')).toBe(shippedQuestion);
    expect(testId(reset.body, 'marker-question')).toBe('Default wording');
    expect(textareaOf(reset.body, 'closing')).toBe('Vale, gracias.');
  });

  it('sets the reason question: a bad one is refused beside its field with what was typed kept, a good one is asked in the next SMS survey', async () => {
    const page = (await get('/dashboard/wording?kind=nps&locale=en')).body;
    const token = /name="form" value="([0-9a-f]+)"/.exec(page)![1]!;
    const rows = (choices: Array<[string, string, string]>) => Object.fromEntries(choices.flatMap(([key, en, es], row) => [[`choice.${row}.key`, key], [`choice.${row}.en`, en], [`choice.${row}.es`, es], [`choice.${row}.ur`, '']]));
    const bad = await post('/dashboard/wording/reason', { form: token, kind: 'nps', locale: 'en', enabled: 'on', ...rows([['delivery', 'Delivery', ''], ['delivery', 'Again', ''], ['Bad Key!', 'Odd', '']]) });
    expect(bad.statusCode).toBe(400);
    expect(testId(bad.body, 'reason-choice.1.key-problem')).toMatch(/given twice/);
    expect(testId(bad.body, 'reason-choice.2.key-problem')).toMatch(/a-z 0-9/);
    expect(bad.body).toContain('value="Again"');
    expect(bad.body).toContain('value="Bad Key!"');
    expect(bad.body).toMatch(/id="reason-enabled" checked/);
    const single = await post('/dashboard/wording/reason', { form: token, kind: 'nps', locale: 'en', enabled: 'on', ...rows([['delivery', 'Delivery', '']]) });
    expect(testId(single.body, 'reason-choices-problem')).toMatch(/at least 2 choices/);
    expect((await api('GET', '/business')).json().reasonQuestion).toBeNull();

    const saved = await post('/dashboard/wording/reason', { form: token, kind: 'nps', locale: 'en', enabled: 'on', skipPromoters: 'on', ...rows([['delivery', 'Delivery', 'Entrega'], ['price', 'Price', 'Precio']]) });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe('/dashboard/wording?kind=nps&locale=en&saved=reason');
    expect((await api('GET', '/business')).json().reasonQuestion).toEqual({ enabled: true, skipPromoters: true, choices: [{ key: 'delivery', labels: { en: 'Delivery', es: 'Entrega' } }, { key: 'price', labels: { en: 'Price', es: 'Precio' } }] });
    const shown = (await get(saved.headers.location as string)).body;
    expect(testId(shown, 'notice')).toMatch(/^Reason question saved/);
    expect(shown).toContain('name="choice.1.es" id="choice-1-es" value="Precio"');

    const phone = '+14155550192';
    const started = await api('POST', '/surveys', { kind: 'nps', channel: 'sms', address: phone });
    expect(started.statusCode).toBe(201);
    await fake.receive(server.app, { from: phone, body: '2' });
    expect(lastSms(phone)).toBe('What was it mostly about? Reply SKIP to skip.\n1. Delivery\n2. Price');
    await fake.receive(server.app, { from: phone, body: '2' });
    expect(lastSms(phone)).toMatch(/What went wrong\? Reply SKIP to skip\.$/);
    expect((await api('GET', `/surveys/${started.json().surveyId}`)).json().reason).toBe('price');
  });

  it('lets someone no longer an owner read and preview but not save; a form from another session changes nothing', async () => {
    const fields = wordingForm((await get('/dashboard/wording?kind=nps&locale=en')).body);
    const before = await stored('nps', 'en');
    const other = await ownerSession(server.app, owner);
    expect((await post('/dashboard/wording', { ...fields, 'm:closing': 'Forged', action: 'save' }, other)).statusCode).toBe(403);
    expect((await post('/dashboard/wording', { ...fields, form: '', 'm:closing': 'Forged', action: 'save' })).statusCode).toBe(403);
    expect((await post('/dashboard/wording', { ...fields, 'm:closing': 'Forged', action: 'save' }, '')).statusCode).toBe(401);
    expect((await post('/dashboard/wording', { ...fields, action: 'publish' })).statusCode).toBe(400);
    // A form that lacks a message would put it back to the default unasked: refused whole.
    const { 'm:followUp.detractor': _left, ...partial } = fields;
    const lacking = await post('/dashboard/wording', { ...partial, action: 'save' });
    expect(lacking.statusCode).toBe(400);
    expect(lacking.json().message).toMatch(/lacks the messages followUp\.detractor/);
    expect((await post('/dashboard/wording/reason', { form: fields.form!, kind: 'nps', enabled: 'on', 'choice.9.key': 'x', shop: 'y' })).statusCode).toBe(400);

    const second = visitor();
    expect((await say(server.app, owner, `/staff add web:${second} owner`)).join()).toMatch(/Added/);
    const session = await ownerSession(server.app, second);
    expect((await say(server.app, owner, `/staff remove web:${second}`)).join()).toMatch(/Removed/i);
    const readOnly = (await get('/dashboard/wording?kind=nps&locale=en', session)).body;
    expect(readOnly).toContain('data-testid="read-only"');
    expect(readOnly).not.toContain('value="save"');
    expect(readOnly).toMatch(/<textarea name="m:question"[^>]* readonly/);
    const theirs = wordingForm(readOnly);
    expect((await post('/dashboard/wording', { ...theirs, 'm:closing': 'Bye', action: 'preview' }, session)).statusCode).toBe(200);
    const refused = await post('/dashboard/wording', { ...theirs, 'm:closing': 'Bye', action: 'save' }, session);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/only an owner/);
    expect((await post('/dashboard/wording', { ...theirs, action: 'reset:question' }, session)).statusCode).toBe(403);
    expect((await post('/dashboard/wording/reason', { form: theirs.form!, kind: 'nps', enabled: '' }, session)).statusCode).toBe(403);
    expect(await stored('nps', 'en')).toEqual(before);
    expect((await api('GET', '/business')).json().reasonQuestion.enabled).toBe(true);
  });

  it("speaks the business's language: an Urdu business gets the page right-to-left, with Urdu digits", async () => {
    expect((await api('PATCH', '/business', { locale: 'ur' })).statusCode).toBe(200);
    try {
      const page = (await get('/dashboard/wording?kind=csat')).body;
      expect(page).toContain('<html lang="ur" dir="rtl">');
      expect(page).toContain('<h2 id="wording">سروے کے الفاظ</h2>');
      expect(page).toContain('<option value="ur" selected>اردو</option>');
      expect(page).toMatch(/<textarea name="m:question"[^>]* lang="ur" dir="rtl"/);
      expect(page).toContain('۳'); // the limit, 3, in Urdu digits
      expect(page).not.toMatch(/SMS parts|Your wording|Default wording/);
    } finally {
      await api('PATCH', '/business', { locale: 'en' });
    }
  });

  it('in Chromium at phone width: previews a long question, sees it flagged, saves it anyway, sets the reason question, under the page\'s CSP', async () => {
    if (!existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set CHROMIUM_PATH`);
    const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      // Signed in as the chat link does it (the sign-in page has its own browser test).
      await context.addCookies([{ name: 'dashboard_session', value: cookie, url: base }]);
      const tab = await context.newPage();
      const violations: string[] = [];
      tab.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await tab.goto(`${base}/dashboard/wording?kind=ces&locale=en`);
      const long = `${'Tell us honestly how easy {business} made it for you today, from start to finish. '.repeat(6)}Reply {min}-{max}`;
      await tab.getByLabel('Question', { exact: true }).fill(long);
      await tab.getByRole('button', { name: 'Preview', exact: true }).click();
      await tab.getByTestId('flag-question').waitFor();
      expect(await tab.getByLabel('Question', { exact: true }).inputValue()).toBe(long);
      await tab.getByRole('button', { name: 'Save', exact: true }).click();
      expect(await tab.getByRole('alert').textContent()).toMatch(/over the SMS limit/);
      await tab.getByLabel('Save messages over 3 SMS parts anyway').check();
      await tab.getByRole('button', { name: 'Save', exact: true }).click();
      await tab.waitForURL(/saved=wording/);
      expect(await stored('ces', 'en')).toEqual({ question: long });
      expect(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);

      await tab.getByLabel('Ask it').uncheck();
      await tab.getByRole('button', { name: 'Save the reason question' }).click();
      await tab.waitForURL(/saved=reason/);
      expect((await api('GET', '/business')).json().reasonQuestion.enabled).toBe(false);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);
});
