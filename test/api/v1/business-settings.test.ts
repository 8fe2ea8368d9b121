import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

describe("a business's settings through /api/v1", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildV1Server();
    secondBusiness(server.app);
  });
  afterAll(() => server?.close());

  it("reads them, and changes the environment's business like any other", async () => {
    const { app } = server;
    const shown = await v1(app, envKey, 'GET', '/business');
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ id: 'default', sendWindow: '09:00-20:00', routes: '/b/default/' });
    const changed = await v1(app, envKey, 'PATCH', '/business', { name: 'Renamed' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: 'default', name: 'Renamed' });
    // One rule for a Teams app wherever it comes from: a managed identity needs a tenant, not a password.
    const msi = await v1(app, envKey, 'PATCH', '/business', { channels: { teams: { appId: 'msi-app', appType: 'UserAssignedMSI', tenantId: 'tenant-1' } } });
    expect(msi.statusCode, msi.body).toBe(200);
    const noTenant = await v1(app, envKey, 'PATCH', '/business', { channels: { teams: { appId: 'msi-app', appType: 'UserAssignedMSI' } } });
    expect(noTenant.statusCode).toBe(400);
    expect(noTenant.body).toMatch(/channels\.teams\.tenantId/);
  });

  it("changes another business's settings, live within a sweep, and seals new channel identities", async () => {
    const { app } = server;
    const key = await makeKey(app, 'second', ['admin']);
    const changed = await v1(app, key, 'PATCH', '/business', { name: 'Second Shop & Co', sendWindow: '10:00-18:30', digestSchedule: 'fri 17:00' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: 'second', name: 'Second Shop & Co', sendWindow: '10:00-18:30', digestSchedule: 'fri 17:00', routes: '/b/second/', restartNeeded: false });
    await app.sweeper.sweep();
    expect((await app.businesses.get('second'))!.settings).toMatchObject({ name: 'Second Shop & Co', sendWindow: { startMinute: 600, endMinute: 1110 } });

    const token = '555000999:AAG-second-business-own-bot-token';
    const withBot = await v1(app, key, 'PATCH', '/business', { channels: { telegram: { token, webhookSecret: 'second-business-hook-secret' } } });
    expect(withBot.json()).toMatchObject({ channels: ['telegram'], restartNeeded: false });
    expect(withBot.body).not.toContain(token);
    expect(JSON.stringify(await app.store.businesses.model.find({}).lean())).not.toContain(token);
    expect((await v1(app, key, 'GET', '/business')).json().name).toBe('Second Shop & Co');

    const bad = await v1(app, key, 'PATCH', '/business', { timeZone: 'Mars/Olympus', sendWindow: '9-5', nickname: 'x' });
    expect(bad.statusCode).toBe(400);
    expect((bad.json().errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['nickname', 'sendWindow', 'timeZone']);
    expect((await v1(app, await makeKey(app, 'second', ['surveys:read']), 'GET', '/business')).statusCode).toBe(403);
  });

  it('sets the reason question, and refuses a malformed one with 400 naming each problem', async () => {
    const { app } = server;
    const key = await makeKey(app, 'second', ['admin']);
    const question = { enabled: true, skipPromoters: true, choices: [{ key: 'delivery', labels: { en: 'Delivery', es: 'Entrega' } }, { key: 'price', labels: { en: 'Price' } }] };
    const set = await v1(app, key, 'PATCH', '/business', { reasonQuestion: question });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().reasonQuestion).toEqual(question);
    expect((await v1(app, key, 'GET', '/business')).json().reasonQuestion).toEqual(question);
    const bad = await v1(app, key, 'PATCH', '/business', {
      reasonQuestion: { enabled: true, choices: [{ key: 'Price!', labels: { en: 'Price' } }, { key: 'x', labels: {} }, { key: 'x', labels: { fr: 'Prix' } }] },
    });
    expect(bad.statusCode).toBe(400);
    const fields = (bad.json().errors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['reasonQuestion.choices.0.key', 'reasonQuestion.choices.1.labels', 'reasonQuestion.choices.2.labels.fr']));
    const alone = await v1(app, key, 'PATCH', '/business', { reasonQuestion: { enabled: true, choices: [{ key: 'a', labels: { en: 'A' } }] } });
    expect(alone.statusCode).toBe(400);
    expect(alone.body).toMatch(/at least 2 choices/);
    expect((await v1(app, key, 'GET', '/business')).json().reasonQuestion).toEqual(question);
  });

  it('refuses a provider endpoint among the identities with 400 and the reason, and stores nothing', async () => {
    const { app } = server;
    const key = await makeKey(app, 'second', ['admin']);
    const before = await app.store.businesses.sealedChannels('second');
    const sms = { accountSid: `AC${'3'.repeat(32)}`, authToken: 'second-twilio-auth-token', from: '+15005550008', apiBaseUrl: 'http://169.254.169.254/latest/' };
    const telegram = { token: '555000999:AAG-second-business-own-bot-token', webhookSecret: 'second-business-hook-secret', apiRoot: 'http://169.254.169.254/latest/' };
    const refused = await v1(app, key, 'PATCH', '/business', { channels: { sms, telegram } });
    expect(refused.statusCode).toBe(400);
    const errors = refused.json().errors as Array<{ field: string; message: string }>;
    expect(errors.map((e) => e.field).sort()).toEqual(['channels.sms.apiBaseUrl', 'channels.telegram.apiRoot']);
    expect(errors.find((e) => e.field === 'channels.sms.apiBaseUrl')?.message).toMatch(/apiBaseUrl is not a business setting: provider endpoints belong to the deployment \(TWILIO_API_BASE_URL\)/);
    expect(errors.find((e) => e.field === 'channels.telegram.apiRoot')?.message).toMatch(/apiRoot is not a business setting.*TELEGRAM_API_ROOT/);
    expect(await app.store.businesses.sealedChannels('second')).toBe(before);
  });
});
