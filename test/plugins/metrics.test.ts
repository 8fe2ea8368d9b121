import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

const apiKey = 'metrics-test-api-key-0123456789';
const metricsToken = 'metrics-token-0123456789abcdef';

/** The value of one sample in Prometheus text format, or undefined when it is not there. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((label) => present.includes(label))) return Number(match[3]);
  }
  return undefined;
}

describe('Prometheus metrics', () => {
  let fake: FakeTwilio;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', SEND_WINDOW: '00:00-24:00', API_KEY: apiKey, METRICS_TOKEN: metricsToken }));
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const scrape = () => server.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } });
  const startSurvey = (address: string) =>
    server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': apiKey }, payload: { kind: 'nps', channel: 'sms', address } });

  it('counts a survey answered through the SMS webhook: requests, inbound messages, replies, sends', async () => {
    const customer = '+14155550123';
    expect((await startSurvey(customer)).statusCode).toBe(201);
    expect((await fake.receive(server.app, { from: customer, body: '9' })).statusCode).toBe(200);
    expect((await fake.receive(server.app, { from: customer, body: 'Quick and friendly' })).statusCode).toBe(200);

    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.body;
    expect(sample(text, 'survey_bot_inbound_messages_total', { channel: 'sms', outcome: 'handled' })).toBe(2);
    expect(sample(text, 'survey_bot_replies_total', { channel: 'sms' })).toBe(2);
    expect(sample(text, 'survey_bot_sends_total', { channel: 'sms', result: 'sent' })).toBe(1);
    // A fresh server's first send is cold: its lane's next turn is left unused, and counted.
    expect(sample(text, 'survey_bot_send_slots_given_up_total', { channel: 'sms', reason: 'cold' })).toBe(1);
    expect(sample(text, 'survey_bot_http_requests_total', { method: 'POST', route: '/webhooks/twilio/sms', status_code: '200' })).toBe(2);
    expect(sample(text, 'survey_bot_http_requests_total', { method: 'POST', route: '/api/v1/surveys', status_code: '201' })).toBe(1);
    expect(sample(text, 'survey_bot_outbox_depth')).toBe(0);
    expect(sample(text, 'survey_bot_outbox_oldest_due_seconds')).toBe(0);
    expect(sample(text, 'survey_bot_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'survey_bot_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Labels name routes and channels, never a person.
    expect(text).not.toContain('4155550123');
  });

  it('counts a provider refusal, a repeated webhook as a duplicate, and times a sweep', async () => {
    const customer = '+14155550124';
    fake.failNext('unsubscribed');
    await startSurvey(customer);
    const second = '+14155550125';
    await startSurvey(second);
    const first = await fake.postInbound(server.app, { from: second, body: '3' });
    expect(first.statusCode).toBe(200);
    const again = await fake.signedPost(server.app, `${publicUrl}/webhooks/twilio/sms`, first.params);
    expect(again.statusCode).toBe(200);
    await server.app.sweeper.sweep();

    const text = (await scrape()).body;
    expect(sample(text, 'survey_bot_sends_total', { channel: 'sms', result: 'refused' })).toBe(1);
    expect(sample(text, 'survey_bot_sends_total', { channel: 'sms', result: 'sent' })).toBe(2);
    expect(sample(text, 'survey_bot_inbound_messages_total', { channel: 'sms', outcome: 'duplicate' })).toBe(1);
    expect(sample(text, 'survey_bot_sweep_duration_seconds_count')).toBe(1);
  });

  it('reports the outbox backlog and how long its oldest due message has waited', async () => {
    const dueAt = new Date(Date.now() - 90_000);
    await server.app.store.outbox.enqueue([{ businessId: 'default', channel: 'sms', address: '+14155550126', purpose: 'alert', message: { text: 'x' }, nextAttemptAt: dueAt, key: 'metrics-backlog' }]);
    const text = (await scrape()).body;
    expect(sample(text, 'survey_bot_outbox_depth')).toBe(1);
    expect(sample(text, 'survey_bot_outbox_oldest_due_seconds')).toBeGreaterThanOrEqual(90);
  });

  it('answers 401 without the metrics token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${metricsToken}x`]) {
      const res = await server.app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(res.statusCode).toBe(401);
      expect(res.body).not.toContain('survey_bot_');
    }
  });
});

describe('metrics switched off', () => {
  it('has no /metrics route, and samples none of Node\'s own metrics (no event-loop monitor waking the process)', async () => {
    const server = await buildTestServer({ METRICS_ENABLED: 'false' });
    try {
      expect((await server.app.inject('/metrics')).statusCode).toBe(404);
      expect(server.app.metrics.registry.getSingleMetric('survey_bot_nodejs_eventloop_lag_seconds')).toBeUndefined();
      expect(server.app.metrics.registry.getSingleMetric('survey_bot_process_cpu_seconds_total')).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
