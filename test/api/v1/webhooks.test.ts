import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { say, visitor } from '../../staff/web-chat.js';
import { readmeVerifier, startReceiver, type Receiver, type Verify } from '../../outbound-webhooks/receiver.js';
import { buildV1Server, envKey, makeKey, secondBusiness, v1 } from './v1-server.js';

describe('webhook subscriptions through /api/v1', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let receiver: Receiver;
  let verify: Verify;
  beforeAll(async () => {
    [server, receiver, verify] = await Promise.all([buildV1Server({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, clock), startReceiver(), readmeVerifier()]);
    secondBusiness(server.app);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('subscribes, shows the secret once, delivers signed events and shows each delivery', async () => {
    const { app } = server;
    const made = await v1(app, envKey, 'POST', '/webhooks', { url: receiver.url, events: ['survey.scored', 'survey.completed'] });
    expect(made.statusCode).toBe(201);
    const { id, secret } = made.json() as { id: string; secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const listed = await v1(app, envKey, 'GET', '/webhooks');
    expect(listed.json().items).toEqual([expect.objectContaining({ id, url: receiver.url, active: true })]);
    expect(listed.body).not.toContain(secret);

    const customer = visitor();
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, trigger: 'web' });
    await say(app, customer, '9');
    await say(app, customer, 'quick and friendly');
    await app.outboundWebhooks.drain();
    await app.sweeper.sweep();
    const types = receiver.received.map((r) => JSON.parse(r.body).type as string).sort();
    expect(types).toEqual(['survey.completed', 'survey.scored']);
    for (const r of receiver.received) expect(verify(secret, r.headers, r.body, clock.now().getTime())).toBe(true);

    const deliveries = await v1(app, envKey, 'GET', `/webhooks/${id}/deliveries?limit=10`);
    expect(deliveries.statusCode).toBe(200);
    const items = deliveries.json().items as Array<{ status: string; eventType: string; lastAttempts: Array<{ status: number }> }>;
    expect(items.map((d) => [d.eventType, d.status, d.lastAttempts.at(-1)?.status]).sort()).toEqual([
      ['survey.completed', 'delivered', 200],
      ['survey.scored', 'delivered', 200],
    ]);
  });

  it("refuses bad input, another business's subscription and a key without admin", async () => {
    const { app } = server;
    const bad = await v1(app, envKey, 'POST', '/webhooks', { url: 'ftp://example.com/x', events: ['survey.nope'] });
    expect(bad.statusCode).toBe(400);
    expect((bad.json().errors as Array<{ field: string }>).map((e) => e.field).sort()).toEqual(['events.0', 'url']);
    const mine = (await v1(app, envKey, 'GET', '/webhooks')).json().items[0].id as string;
    const theirs = await makeKey(app, 'second', ['admin']);
    expect((await v1(app, theirs, 'GET', `/webhooks/${mine}/deliveries`)).statusCode).toBe(404);
    expect((await v1(app, theirs, 'DELETE', `/webhooks/${mine}`)).statusCode).toBe(404);
    expect((await v1(app, theirs, 'GET', '/webhooks')).json().items).toEqual([]);
    expect((await v1(app, await makeKey(app, 'default', ['surveys:read']), 'GET', '/webhooks')).statusCode).toBe(403);
    expect((await v1(app, envKey, 'DELETE', `/webhooks/${mine}`)).statusCode).toBe(204);
    expect((await v1(app, envKey, 'GET', '/webhooks')).json().items).toEqual([]);
  });
});
