import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { ferretDbUri } from '../helpers/database.js';
import { say, visitor } from '../staff/web-chat.js';
import { startReceiver, type Receiver } from './receiver.js';

/** `npm start` runs on FerretDB: the owed events, their clearing and the delivery queue work there too. */
describe('outbound webhooks on FerretDB', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;
  let receiver: Receiver;
  beforeAll(async () => {
    [server, receiver] = await Promise.all([buildTestServer({ MONGODB_URI: ferretDbUri(), WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { now: clock.now }), startReceiver()]);
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('sends a survey’s and an opt-out’s events once, through the sweeper', async () => {
    const { app } = server;
    expect(app.store.server).toBe('ferretdb');
    const customer = visitor();
    await (await app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'web', address: customer });
    await say(app, customer, '5'); // owed before anyone subscribed: the sweeper sends it
    await say(app, customer, 'STOP');
    await app.outboundWebhooks.subscribe('default', { url: receiver.url, events: ['survey.scored', 'customer.opted_out'] });
    await app.sweeper.sweep();
    await app.sweeper.sweep();
    const types = receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
    expect(types.sort()).toEqual(['customer.opted_out', 'survey.scored']);
    expect(await app.store.surveys.withOwed(10)).toEqual([]);
    expect(await app.store.customers.withWebhooksDue(10)).toEqual([]);
  });
});
