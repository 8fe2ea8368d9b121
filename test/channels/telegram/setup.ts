import Fastify, { type FastifyInstance } from 'fastify';
import { createTelegramChannel, telegramRoutes, type TelegramChannelOptions, type TelegramConfig } from '../../../src/channels/telegram/index.js';
import type { Channel } from '../../../src/channels/channel.js';
import { startFakeTelegram, type FakeTelegram } from '../../helpers/fake-telegram.js';
import { inMemoryDeps } from './in-memory-deps.js';

export const token = '123456789:AAH-test-token-for-the-fake-bot_x';
export const webhookSecret = 'webhook-secret-0123456789';

export interface AdapterHarness {
  app: FastifyInstance;
  channel: Channel;
  fake: FakeTelegram;
  memory: ReturnType<typeof inMemoryDeps>;
  config: TelegramConfig;
  close(): Promise<void>;
}

/**
 * The adapter alone on a bare Fastify, against the fake Bot API, with in-memory survey handling.
 * Pacing never waits unless a test passes its own clock.
 */
export async function adapterHarness(
  overrides: Partial<TelegramConfig> = {},
  options: TelegramChannelOptions = { pacing: { sleep: async () => {} } },
): Promise<AdapterHarness> {
  const fake = await startFakeTelegram({ token });
  const app = Fastify({ logger: false });
  const memory = inMemoryDeps(app.log);
  const config: TelegramConfig = {
    token,
    webhookSecret,
    apiRoot: fake.url,
    polling: false,
    publicUrl: 'https://bot.example.com',
    setWebhook: false,
    ...overrides,
  };
  const channel = createTelegramChannel(config, { log: memory.deps.log, product: memory.deps }, options);
  await telegramRoutes.register(app, async () => channel);
  app.addHook('onClose', () => channel.close?.());
  await app.ready();
  return {
    app,
    channel,
    fake,
    memory,
    config,
    close: async () => {
      await app.close();
      await fake.close();
    },
  };
}
