/**
 * The public web chat: off unless asked for in production, a limit on the visitors one network
 * address may start an hour, and anonymous answers told apart from identified customers':
 *   visitors from one address: tried 400, created 20, refused 380
 * Before, it was on in production by default, and one client made 400 visitors (each a customer, a
 * survey and a `sent` count) in two seconds, whose zeros moved the business's NPS unseen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VisitorLimit } from '../../src/channels/web/visitor-limit.js';
import { loadConfig } from '../../src/config.js';
import { figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

const production = { NODE_ENV: 'production', SECRETS_KEY: 'ab'.repeat(32), MONGODB_URI: 'mongodb://127.0.0.1:1/x' };

describe('the web chat setting', () => {
  it('is off by default in production, on when asked for, and on by default elsewhere', () => {
    expect(loadConfig(production).web.enabled).toBe(false);
    expect(loadConfig({ ...production, WEB_CHAT_ENABLED: 'true' }).web.enabled).toBe(true);
    expect(loadConfig({}).web.enabled).toBe(true);
    expect(loadConfig({ WEB_CHAT_ENABLED: 'false' }).web.enabled).toBe(false);
    expect(loadConfig({}).web.visitorsPerHour).toBe(20);
  });
});

describe('the visitor limit', () => {
  it('counts per address and per hour, and says when the next visitor is allowed', () => {
    const limit = new VisitorLimit(2);
    const t0 = new Date('2026-03-10T15:00:00Z');
    expect([limit.take('a', t0), limit.take('a', t0), limit.take('b', t0)].every((r) => r.ok)).toBe(true);
    expect(limit.take('a', new Date(t0.getTime() + 60_000))).toEqual({ ok: false, retryAfterSeconds: 3_540 });
    expect(limit.take('a', new Date(t0.getTime() + 3_600_000)).ok).toBe(true);
  });
});

describe('visitors from one address', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ logLevel: 'silent', env: { WEB_CHAT_VISITORS_PER_HOUR: '20' } });
  });
  afterAll(async () => rig?.close());

  const newVisitor = (remoteAddress: string) => rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps' }, remoteAddress });

  it('are refused past the hourly limit with a reason, and what was refused left nothing behind', { timeout: 120_000 }, async () => {
    const tried = 400;
    const statuses: number[] = [];
    let reason = '';
    let retryAfter: string | undefined;
    for (let i = 0; i < tried; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => newVisitor('203.0.113.7')));
      for (const res of batch) {
        statuses.push(res.statusCode);
        if (res.statusCode === 429) {
          reason = (res.json() as { message: string }).message;
          retryAfter = res.headers['retry-after'] as string | undefined;
        }
      }
    }
    const created = statuses.filter((s) => s === 201).length;
    const refused = statuses.filter((s) => s === 429).length;
    figure(`visitors from one address: tried ${tried}, created ${created}, refused ${refused}`);
    expect(created).toBe(20);
    expect(refused).toBe(tried - 20);
    expect(reason).toMatch(/at most 20 new chats an hour from one network address/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Only the created visitors have a chat; none answered, so none is a customer or a survey.
    expect(await rig.app.db.db!.collection('web_sessions').countDocuments({})).toBe(20);
    expect(await rig.app.db.db!.collection('customers').countDocuments({ channel: 'web' })).toBe(0);
    expect(await rig.app.db.db!.collection('surveys').countDocuments({ channel: 'web' })).toBe(0);

    // Another address is not held up; the first is served again an hour later.
    expect((await newVisitor('198.51.100.9')).statusCode).toBe(201);
    rig.clock.advance(3_600_000);
    expect((await newVisitor('203.0.113.7')).statusCode).toBe(201);
  });

  it('answer as anonymous visitors, counted apart from identified customers', async () => {
    const visitors: string[] = [];
    for (let i = 0; i < 5; i++) visitors.push(((await newVisitor(`192.0.2.${i + 1}`)).json() as { visitorId: string }).visitorId);
    for (const id of visitors) {
      const res = await rig.app.inject({ method: 'POST', url: `/chat/api/visitors/${id}/messages`, payload: { messageId: 'score', choice: '0' } });
      expect(res.statusCode).toBe(200);
    }
    for (let i = 0; i < 5; i++) {
      const phone = `+1415555${7300 + i}`;
      expect((await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel: 'sms', address: phone })).statusCode).toBe(201);
      expect((await rig.twilio.receive(rig.app, { from: phone, body: '10' })).statusCode).toBe(200);
    }
    const day = rig.clock.now().toISOString().slice(0, 10);
    const res = await rig.api('GET', `/api/v1/metrics/cohorts?kind=nps&by=identity&from=${day}&to=${day}`);
    expect(res.statusCode, res.body).toBe(200);
    const groups = (res.json() as { periods: Array<{ groups: Array<{ group: string; n: number; score: number | null }> }> }).periods.flatMap((p) => p.groups);
    const of = (g: string) => groups.find((x) => x.group === g);
    expect(of('anonymous')).toMatchObject({ n: 5, score: -100 });
    expect(of('identified')).toMatchObject({ n: 5, score: 100 });
  });
});
