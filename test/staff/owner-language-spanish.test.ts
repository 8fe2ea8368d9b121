import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { postUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { useTelegramServer } from '../helpers/telegram-server.js';
import { seedTwoWeeks } from '../digest/seed.js';
import { say, transcript, visitor } from './web-chat.js';

const owner = 777_000_442;
const apiKey = 'owner-language-test-key-0123456789';

/**
 * An English business with two owners: one chooses Spanish in chat with /language, the other stays
 * with the business's English. Each gets alerts, the digest and command answers in their own language.
 */
describe('a Spanish owner of an English business', () => {
  const clock = new TestClock('2026-03-03T15:00:00Z');
  const webOwner = visitor();
  const t = useTelegramServer(clock, { WEB_CHAT_ENABLED: 'true', THROTTLE_DAYS: '0', API_KEY: apiKey, OWNER_ADDRESSES: `telegram:${owner},web:${webOwner}` });
  const toOwner = () => t.fake.calls.filter((c) => String(c.payload.chat_id) === String(owner)).map((c) => String(c.payload.caption ?? c.payload.text ?? ''));
  const ask = async (text: string) => {
    const res = await postUpdate(t.server.app, t.webhookSecret, textUpdate({ chatId: owner, firstName: 'Lucía' }, text));
    expect(res.statusCode).toBe(200);
    return toOwner().at(-1) ?? '';
  };
  const api = (method: 'GET' | 'PATCH', url: string, payload?: object) =>
    t.server.app.inject({ method, url: `/api/v1${url}`, headers: { 'x-api-key': apiKey }, ...(payload ? { payload } : {}) });
  beforeAll(async () => {
    await seedTwoWeeks(t.server.app, clock);
  });

  it('chooses Spanish with /language and gets answers, alerts and the digest in Spanish', async () => {
    expect(await ask('/language')).toBe('I write to you in English. Change it with /language and one of: en (English), ar (Arabic), es (Spanish), pt (Portuguese) or ur (Urdu).');
    expect(await ask('/language es')).toBe('A partir de ahora te escribo en español.');
    expect(await ask('/language xx')).toBe('idioma desconocido «xx»: usa en, ar, es, pt, ur\nUso: /language [en|ar|es|pt|ur]');

    const customer = visitor();
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: customer, name: 'Ana' });
    const id = started.status === 'sent' ? started.surveyId : '';
    await say(t.server.app, customer, '1');
    await t.server.app.alerts.drain();
    expect(toOwner().at(-1)).toBe(`Alerta de detractor: CSAT 1 de Ana. Responde con: /reply ${id} <tu mensaje>`);
    // The other owner chose nothing: the business's English.
    expect((await transcript(t.server.app, webOwner)).at(-1)).toBe(`Detractor alert: CSAT 1 from Ana. Reply with: /reply ${id} <your message>`);

    clock.advance(new Date('2026-03-16T09:00:00Z').getTime() - clock.now().getTime());
    expect((await t.server.app.sweeper.sweep()).digests).toBe(1);
    const digest = toOwner().find((text) => text.startsWith('Resumen semanal'));
    expect(digest, toOwner().join('\n---\n')).toBeDefined();
    expect(digest).toContain('Resumen semanal, semana del 9 mar 2026 (comparada con la del 2 mar 2026)');
    expect(digest).toContain('NPS -20 ±65,6 (n=5): -53,3 frente a la semana anterior');
    expect(digest).toContain('5 respuestas de 6 enviadas; tasa de respuesta 83,3\u00a0%, abandono 16,7\u00a0%');
    expect((await transcript(t.server.app, webOwner)).find((text) => text.startsWith('Weekly digest, week of 2026-03-09'))).toBeDefined();
  });

  it('is set and shown through the staff API, and a command answers in the language set there', async () => {
    expect((await api('PATCH', `/staff/telegram/${owner}`, { locale: 'ur' })).statusCode).toBe(204);
    const listed = (await api('GET', '/staff')).json<{ items: Array<{ locale: string | null; identities: Array<{ address: string }> }> }>();
    expect(listed.items.find((m) => m.identities.some((i) => i.address === String(owner)))?.locale).toBe('ur');
    expect(listed.items.find((m) => m.identities.some((i) => i.address === webOwner))?.locale).toBeNull();
    expect(await ask('/end 65f1c0ffee0123456789abcd')).toBe('سروے 65f1c0ffee0123456789abcd پر کوئی کھلی بات چیت نہیں۔');

    expect((await api('PATCH', `/staff/telegram/${owner}`, { locale: 'xx' })).statusCode).toBe(400);
    expect((await api('PATCH', '/staff/telegram/1234', { locale: 'es' })).statusCode).toBe(404);
    expect((await api('PATCH', `/staff/telegram/${owner}`, { locale: null })).statusCode).toBe(204);
    expect(await ask('/end 65f1c0ffee0123456789abcd')).toBe('No open conversation on survey 65f1c0ffee0123456789abcd.');
  });
});
