import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendsUnderWay } from '../../../src/domain/channels.js';
import { startFakeTwilio, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../../channels/sms/harness.js';
import type { TestServer } from '../../helpers/build.js';
import { buildV1Server, envKey, makeKey, v1 } from './v1-server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An upload at a number's real pace (1 SMS a second): answered at once, sent after. */
describe('POST /api/v1/surveys with many rows', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildV1Server({ ...smsEnv(fake), SMS_RATE_PER_SECOND: '1', SEND_WINDOW: '00:00-24:00' });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('answers each row before the paced sends are done, then sends every invitation once at the rate', async () => {
    const { app } = server;
    const phones = Array.from({ length: 5 }, (_, i) => `+1416555${String(2000 + i)}`);
    const rows = [...phones.map((address) => ({ kind: 'nps', channel: 'sms', address })), { kind: 'nps', channel: 'sms', address: '555' }];
    const began = Date.now();
    const res = await v1(app, envKey, 'POST', '/surveys', rows);
    const answeredAfter = Date.now() - began;
    const sentWhenAnswered = fake.messages.filter((m) => m.via === 'api').length;

    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ accepted: 5, rejected: 1 });
    expect(body.results.slice(0, 5)).toEqual(phones.map((_, i) => expect.objectContaining({ row: i + 1, ok: true, status: 'queued', surveyId: expect.stringMatching(/^[a-f0-9]{24}$/) })));
    expect(body.results[5]).toEqual({ row: 6, ok: false, error: expect.stringMatching(/not a valid phone number/) });
    // Five sends at one a second take at least four seconds; the answer did not wait for them.
    expect(sentWhenAnswered).toBeLessThan(phones.length);

    const deadline = Date.now() + 30_000;
    while (fake.messages.filter((m) => m.via === 'api').length < phones.length && Date.now() < deadline) await sleep(100);
    const sent = fake.messages.filter((m) => m.via === 'api');
    expect(sent.map((m) => m.to).sort()).toEqual([...phones].sort());
    expect(Date.now() - began).toBeGreaterThan(answeredAfter);
    // At the number's pace (the pacer's own tests hold it to the millisecond; arrival here jitters).
    const times = fake.attemptTimes.slice(-phones.length);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual((phones.length - 1) * 1000 - 300);

    const readKey = await makeKey(app, 'default', ['surveys:read']);
    const shown = await v1(app, readKey, 'GET', `/surveys/${body.results[0].surveyId}`);
    expect(shown.json().delivery).toMatchObject({ status: 'sent' });
  }, 60_000);
});

/**
 * A number paced to 80 a second behind a provider that answers after 200 ms: keeping up takes 16
 * sends under way at once. The upload's line holds half a second of its sender's sends (40), not
 * a fixed handful.
 */
describe('POST /api/v1/surveys with a slow provider', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl, answerAfterMs: 200 });
    server = await buildV1Server({ ...smsEnv(fake), SMS_RATE_PER_SECOND: '80', SEND_WINDOW: '00:00-24:00' });
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('keeps enough sends under way for the sender’s pace, and no more than the line holds', async () => {
    const phones = Array.from({ length: 60 }, (_, i) => `+1416556${String(3000 + i)}`);
    const res = await v1(server.app, envKey, 'POST', '/surveys', phones.map((address) => ({ kind: 'csat', channel: 'sms', address })));
    expect(res.json()).toMatchObject({ accepted: 60, rejected: 0 });

    const deadline = Date.now() + 30_000;
    while (fake.messages.filter((m) => m.via === 'api').length < phones.length && Date.now() < deadline) await sleep(100);
    expect(fake.messages.filter((m) => m.via === 'api').map((m) => m.to).sort()).toEqual([...phones].sort());
    // 80/s × 0.2 s: about 16 at the provider at once (8 before the line followed the pace), a few
    // more when late sends bunch; never more than the line holds.
    expect(fake.maxInFlight).toBeGreaterThanOrEqual(12);
    expect(fake.maxInFlight).toBeLessThanOrEqual(sendsUnderWay(80));
  }, 60_000);
});
