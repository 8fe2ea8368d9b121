import { afterAll, beforeAll, beforeEach } from 'vitest';
import { buildTestServer, type TestServer } from './build.js';
import type { TestClock } from './clock.js';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram.js';

export interface TelegramTestServer {
  /** The loopback Bot API the server's telegraf talks to. */
  fake: FakeTelegram;
  server: TestServer;
  webhookSecret: string;
}

export const telegramTestToken = '555000444:AAG-telegram-test-token-for-the-fake';

/** The server's environment for the fake Bot API of `t` (a second server on the same database takes it too). */
export function telegramEnv(t: Pick<TelegramTestServer, 'fake' | 'webhookSecret'>, env: Record<string, string> = {}): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: telegramTestToken,
    TELEGRAM_WEBHOOK_SECRET: t.webhookSecret,
    TELEGRAM_API_ROOT: t.fake.url,
    PUBLIC_URL: 'https://bot.example.com',
    SWEEP_INTERVAL: '0',
    ...env,
  };
}

/**
 * The whole product with Telegram enabled against a fake Bot API, on the real test database, for one
 * test file: started before its tests, closed after them, clock and recorded calls reset before each.
 */
export function useTelegramServer(clock: TestClock, env: Record<string, string> = {}): TelegramTestServer {
  const t = { webhookSecret: 'telegram-test-webhook-secret' } as TelegramTestServer;
  beforeAll(async () => {
    t.fake = await startFakeTelegram({ token: telegramTestToken });
    t.server = await buildTestServer(telegramEnv(t, env), { now: clock.now });
  });
  afterAll(async () => {
    await t.server?.close();
    await t.fake?.close();
  });
  beforeEach(() => {
    clock.reset();
    t.fake.reset();
  });
  return t;
}
