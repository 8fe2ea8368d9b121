import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import { postUpdate, textUpdate } from '../../helpers/fake-telegram.js';
import { useTelegramServer } from '../../helpers/telegram-server.js';
import { envKey, makeKey, v1 } from './v1-server.js';

const clock = new TestClock('2026-03-10T12:00:00Z');
const t = useTelegramServer(clock, { API_KEY: envKey, API_RATE_LIMIT: '100000' });

describe('Telegram links through /api/v1', () => {
  it("gives the business's public link per kind, for the key's business", async () => {
    const { app } = t.server;
    const nps = await v1(app, envKey, 'GET', '/links/telegram');
    expect(nps.statusCode).toBe(200);
    expect(nps.json()).toEqual({ channel: 'telegram', kind: 'nps', token: 'default', link: expect.stringMatching(/\?start=default$/) });
    // A business stored behind this server's back (the command line) is served from its next refresh of the
    // directory; until then its keys are refused as an unknown business's are.
    await app.store.businesses.save({ ...(await app.businesses.get('default'))!.settings, id: 'later', name: 'Later shop' });
    const laterKey = await makeKey(app, 'later', ['surveys:read']);
    expect((await v1(app, laterKey, 'GET', '/links/telegram?kind=csat')).statusCode).toBe(401);
    await app.businesses.refresh();
    const theirs = await v1(app, laterKey, 'GET', '/links/telegram?kind=csat');
    // Served now: its own services answer, and it has no Telegram bot of its own.
    expect(theirs.statusCode, theirs.body).toBe(409);
    expect(theirs.json().detail).toMatch(/telegram is not enabled/);
    expect((await v1(app, envKey, 'GET', '/links/telegram?kind=xyz')).json().errors).toEqual([{ field: 'kind', message: expect.any(String) }]);
  });

  it('makes a one-time invitation that starts its survey when opened', async () => {
    const { app } = t.server;
    const made = await v1(app, envKey, 'POST', '/invitations', { kind: 'csat', name: 'Kim', context: 'order 7' });
    expect(made.statusCode).toBe(201);
    const { token, link, expiresAt } = made.json() as { token: string; link: string; expiresAt: string };
    expect(link).toMatch(new RegExp(`\\?start=${token}$`));
    expect(expiresAt).toBe(new Date(clock.now().getTime() + 14 * 86_400_000).toISOString());

    const kim = { chatId: randomInt(100_000_000, 2_000_000_000), firstName: 'Kim' };
    expect((await postUpdate(app, t.webhookSecret, textUpdate(kim, `/start ${token}`))).statusCode).toBe(200);
    const survey = await app.store.surveys.model.findOne({ channel: 'telegram', address: String(kim.chatId) }).lean<{ kind: string; vars: { context: string } }>();
    expect(survey).toMatchObject({ kind: 'csat', vars: { context: 'order 7' } });

    const reader = await makeKey(app, 'default', ['surveys:read']);
    expect((await v1(app, reader, 'POST', '/invitations', { kind: 'nps' })).statusCode).toBe(403);
    const bad = await v1(app, envKey, 'POST', '/invitations', { kind: 'nps', channel: 'sms' });
    expect(bad.json().errors).toEqual([{ field: 'channel', message: 'deep links exist for telegram only' }]);
  });
});
