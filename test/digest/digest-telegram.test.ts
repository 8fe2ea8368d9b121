import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { seedTwoWeeks } from './seed.js';

const token = '555000333:AAG-digest-chart-token-for-the-fake';
const owner = 777_000_333;
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The scheduled digest end to end: rollups → chart → outbox (stored in the database) → Telegram. */
describe('weekly digest on Telegram', () => {
  const clock = new TestClock('2026-03-03T15:00:00Z');
  let fake: FakeTelegram;
  let server: TestServer;

  beforeAll(async () => {
    fake = await startFakeTelegram({ token });
    server = await buildTestServer(
      {
        WEB_CHAT_ENABLED: 'true',
        SWEEP_INTERVAL: '0',
        THROTTLE_DAYS: '0',
        OWNER_ADDRESSES: `telegram:${owner}`,
        PUBLIC_URL: 'https://bot.example.com',
        TELEGRAM_BOT_TOKEN: token,
        TELEGRAM_WEBHOOK_SECRET: 'digest-chart-webhook-secret',
        TELEGRAM_API_ROOT: fake.url,
      },
      { now: clock.now },
    );
    await seedTwoWeeks(server.app, clock);
    fake.reset();
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('arrives at the scheduled time as the trend chart with the digest, once', async () => {
    const monday = new Date('2026-03-16T09:00:00Z').getTime();
    clock.advance(monday - clock.now().getTime());
    expect((await server.app.sweeper.sweep()).digests).toBe(1);
    expect((await server.app.sweeper.sweep()).digests).toBe(0);

    const toOwner = fake.calls.filter((c) => String(c.payload.chat_id) === String(owner));
    const methods = toOwner.map((c) => c.method);
    expect(methods.filter((m) => m === 'sendPhoto')).toHaveLength(1);
    const photo = toOwner.find((c) => c.method === 'sendPhoto')!;
    expect(photo.payload.photo).toMatchObject({ file: 'chart.png', bytes: expect.any(Number), head: pngSignature.toString('hex') });
    expect((photo.payload.photo as { bytes: number }).bytes).toBeGreaterThan(2_000);

    // The digest text rides as the caption when it fits, else as the next message.
    const texts = toOwner.map((c) => String(c.payload.caption ?? c.payload.text ?? ''));
    const digest = texts.find((t) => t.startsWith('Weekly digest, week of 2026-03-09'));
    expect(digest).toContain('NPS -20: -53.3 vs last week');
    expect(await server.app.store.digests.findOne({}).lean()).toMatchObject({ periodStart: '2026-03-09', state: 'sent' });
  });
});
