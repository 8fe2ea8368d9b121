/**
 * The optional reason question end to end on every channel: the owner turns it on through the API
 * (the business's admin key), customers answer it by tap (Telegram, Teams, web chat) or by number and
 * by word (SMS, which lists the choices numbered), and the owner sees the counts in `/stats`, the
 * digest and the dashboard, equal to a hand count of the answers given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelFacts } from '../../src/domain/channel-facts.js';
import { StaffService } from '../../src/staff/staff-service.js';
import { TestClock, hours } from '../helpers/clock.js';
import type { DriverSession } from './driver.js';
import { drivers } from './drivers/index.js';

const reasonQuestion = {
  enabled: true,
  skipPromoters: false,
  choices: [
    { key: 'delivery', labels: { en: 'Delivery', es: 'Entrega' } },
    { key: 'price', labels: { en: 'Price', es: 'Precio' } },
    { key: 'quality', labels: { en: 'Quality', es: 'Calidad' } },
  ],
};

/** Each customer's score, the reason they pick (a key, or SKIP), and their comment. */
const answers = [
  { score: '3', reason: 'delivery', comment: 'late again' },
  { score: '5', reason: 'price', comment: 'too dear' },
  { score: '9', reason: 'delivery', comment: 'fast this time' },
  { score: '2', reason: 'SKIP', comment: 'meh' },
] as const;
// The hand count: delivery twice, price once, the skipped one nowhere.
const handCount = { delivery: 2, price: 1 };

for (const driver of drivers) {
  const buttons = channelFacts[driver.name].buttons > 0;
  describe(`the reason question on ${driver.name}`, () => {
    const clock = new TestClock();
    let session: DriverSession;
    let owner = '';
    let messageNo = 0;
    const send = (address: string, message: { text?: string; choice?: string }) => session.deliver(address, { id: `r${++messageNo}`, ...message });
    const lastText = async (address: string) => (await session.sent(address)).at(-1)?.text ?? '';
    /** What the owner got in answer to a command (owner alerts may arrive in between). */
    const ask = async (command: string) => {
      const before = (await session.sent(owner)).length;
      await send(owner, { text: command });
      return (await session.sent(owner)).slice(before).map((m) => m.text).join('\n');
    };

    beforeAll(async () => {
      session = await driver.setup(clock);
      const { app } = session.server;
      const { key } = await app.store.apiKeys.create({ businessId: 'default', name: 'owner', scopes: ['admin'] });
      const changed = await app.inject({ method: 'PATCH', url: '/api/v1/business', headers: { 'x-api-key': key }, payload: { reasonQuestion } });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json().reasonQuestion).toEqual(reasonQuestion);
      // The owner claims the business from their own chat on this channel.
      owner = await session.newCustomer();
      const code = await new StaffService(app.store, 'default', app.now).issueOwnerCode();
      await send(owner, { text: `/claim ${code}` });
    });
    afterAll(async () => session?.close());

    it('is answered by tap, number or word, stored, and counted in /stats, the digest and the dashboard as by hand', async () => {
      const { app } = session.server;
      for (const [i, a] of answers.entries()) {
        const address = await session.newCustomer();
        const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: driver.name, address, locale: 'en', trigger: 'api' });
        expect(started.status).toBe('sent');
        await send(address, { text: a.score });
        const asked = (await session.sent(address)).at(-1)!;
        expect(asked.text).toContain('What was it mostly about?');
        if (buttons) {
          expect(asked.choices).toEqual(['reason:delivery', 'reason:price', 'reason:quality']);
          if (a.reason === 'SKIP') await send(address, { text: 'skip' });
          else await send(address, { choice: `reason:${a.reason}` });
        } else {
          expect(asked.text).toContain('\n1. Delivery\n2. Price\n3. Quality');
          // SMS: the first by number, the others by word (one in another case).
          const typed = a.reason === 'SKIP' ? 'SKIP' : i === 0 ? '1' : i === 1 ? 'price' : 'DELIVERY';
          await send(address, { text: typed });
        }
        expect(await lastText(address)).toMatch(/What should we have done better|What one thing would make it|What did you like most/);
        await send(address, { text: a.comment });
        const survey = await app.store.surveys.model.findOne({ channel: driver.name, address }).lean();
        expect(survey).toMatchObject({ state: 'completed', score: Number(a.score), comment: a.comment });
        expect(survey?.reason ?? 'SKIP').toBe(a.reason);
      }

      // A stale tap on an answered reason question changes nothing (and is not counted).
      const counted: Record<string, number> = { ...handCount };
      if (buttons) {
        const address = await session.newCustomer();
        await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: driver.name, address, locale: 'en', trigger: 'api' });
        await send(address, { text: '6' });
        await send(address, { choice: 'reason:quality' });
        await send(address, { choice: 'reason:price' });
        expect(await app.store.surveys.model.findOne({ channel: driver.name, address }).lean()).toMatchObject({ state: 'awaiting_comment', reason: 'quality' });
        await send(address, { text: 'skip' });
        counted.quality = 1;
      }
      const ranked = Object.entries(counted).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]));
      const line = `Reasons: ${ranked.map(([k, n]) => `${k} ${n}`).join(', ')}`;

      expect(await ask('/stats')).toContain(line);

      // The reason counters are a cache of the surveys: counting the week again from its surveys gives the same.
      const reasonCounters = async () =>
        (await app.db.collection('week_counts').find({ cohort: { $gte: 'reason:', $lt: 'reason;' } }, { projection: { open: 0 } }).toArray()).sort((x, y) => String(x._id).localeCompare(String(y._id)));
      const live = await reasonCounters();
      expect(live.map((d) => [d.cohort, d.scored])).toEqual(ranked.map(([k, n]) => [`reason:${k}`, n]).sort());
      for (const week of new Set(live.map((d) => d.week as string))) await app.store.rollups.recount('default', week, false);
      expect(await reasonCounters()).toEqual(live);

      // A week later the digest of last week shows them too, and so does the dashboard.
      clock.advance(hours(24 * 7));
      expect(await ask('/digest')).toContain(line);

      const token = /\/dashboard\/login\/([A-Za-z0-9_-]+)/.exec(await ask('/dashboard'))?.[1];
      expect(token).toBeDefined();
      const signIn = await app.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token: token! }).toString() });
      const cookie = signIn.cookies.find((c) => c.name === 'dashboard_session');
      expect(cookie).toBeDefined();
      const page = await app.inject({ method: 'GET', url: '/dashboard?days=30', cookies: { dashboard_session: cookie!.value } });
      expect(page.statusCode).toBe(200);
      const table = /data-testid="reason-table">[\s\S]*?<\/table>/.exec(page.body)?.[0] ?? '';
      const rows = [...table.matchAll(/<tr data-reason="([^"]+)"><td>([^<]+)<\/td><td>(\d+)<\/td><\/tr>/g)].map((m) => [m[1], Number(m[3])]);
      expect(rows).toEqual(ranked);
      expect(table).toContain('<td>Delivery</td>');
    });
  });
}
