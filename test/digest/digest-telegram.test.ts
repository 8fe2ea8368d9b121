import { beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../helpers/clock.js';
import { postUpdate, textUpdate } from '../helpers/fake-telegram.js';
import { useTelegramServer } from '../helpers/telegram-server.js';
import { seedTwoWeeks } from './seed.js';

const owner = 777_000_333;
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The scheduled digest end to end: rollups → chart → outbox (stored in the database) → Telegram. */
describe('weekly digest on Telegram', () => {
  const clock = new TestClock('2026-03-03T15:00:00Z');
  const t = useTelegramServer(clock, { WEB_CHAT_ENABLED: 'true', THROTTLE_DAYS: '0', OWNER_ADDRESSES: `telegram:${owner}` });
  beforeAll(async () => {
    await seedTwoWeeks(t.server.app, clock);
  });

  it('arrives at the scheduled time as the trend chart with the digest, once', async () => {
    const monday = new Date('2026-03-16T09:00:00Z').getTime();
    clock.advance(monday - clock.now().getTime());
    expect((await t.server.app.sweeper.sweep()).digests).toBe(1);
    expect((await t.server.app.sweeper.sweep()).digests).toBe(0);

    const toOwner = t.fake.calls.filter((c) => String(c.payload.chat_id) === String(owner));
    const methods = toOwner.map((c) => c.method);
    expect(methods.filter((m) => m === 'sendPhoto')).toHaveLength(1);
    const photo = toOwner.find((c) => c.method === 'sendPhoto')!;
    expect(photo.payload.photo).toMatchObject({ file: 'chart.png', bytes: expect.any(Number), head: pngSignature.toString('hex') });
    expect((photo.payload.photo as { bytes: number }).bytes).toBeGreaterThan(2_000);

    // The digest text rides as the caption when it fits, else as the next message.
    const texts = toOwner.map((c) => String(c.payload.caption ?? c.payload.text ?? ''));
    const digest = texts.find((t) => t.startsWith('Weekly digest, week of 2026-03-09'));
    expect(digest).toContain('NPS -20 ±65.6 (n=5): -53.3 vs last week');
    expect(await t.server.app.store.digests.model.findOne({}).lean()).toMatchObject({ periodStart: '2026-03-09', state: 'sent' });
  });

  it('comes with the trend chart when an owner asks for it with /digest', async () => {
    clock.advance(new Date('2026-03-17T10:00:00Z').getTime() - clock.now().getTime());
    const res = await postUpdate(t.server.app, t.webhookSecret, textUpdate({ chatId: owner, firstName: 'Owner' }, '/digest'));
    expect(res.statusCode).toBe(200);
    const toOwner = t.fake.calls.filter((c) => String(c.payload.chat_id) === String(owner));
    const photo = toOwner.find((c) => c.method === 'sendPhoto');
    expect(photo?.payload.photo).toMatchObject({ file: 'chart.png', head: pngSignature.toString('hex') });
    const texts = toOwner.map((c) => String(c.payload.caption ?? c.payload.text ?? ''));
    expect(texts.find((text) => text.startsWith('Weekly digest, week of 2026-03-09'))).toContain('NPS -20 ±65.6 (n=5)');
  });
});
