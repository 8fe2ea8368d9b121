import type { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Channel, ChannelDeps, DeliveryUpdate, Inbound, InboundResult } from '../../../src/channels/channel.js';
import { createSmsChannel, smsRoutes } from '../../../src/channels/sms/index.js';
import type { Config } from '../../../src/config.js';
import { loggerOptions } from '../../../src/logger.js';
import database from '../../../src/plugins/database.js';
import { uniqueDbName } from '../../helpers/database.js';
import { testConfig } from '../../helpers/build.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../../helpers/fake-twilio.js';

export const publicUrl = 'https://bot.example.test';
export const botNumber = '+15005550006';
export const accountSid = newSid('AC');
export const authToken = 'test-auth-token-0123456789abcdef';

export function smsEnv(fake: FakeTwilio, env: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_FROM: botNumber,
    TWILIO_API_BASE_URL: fake.baseUrl,
    PUBLIC_URL: publicUrl,
    SMS_RATE_PER_SECOND: '50',
    ...env,
  };
}

/**
 * A small survey service stand-in over the real database: stores each inbound message under a
 * unique (channel, providerMessageId) index, records opt-outs and delivery reports, and answers
 * like the dialog does (a reply with choices, a confirmation to STOP).
 */
function databaseDeps(app: FastifyInstance): ChannelDeps {
  const inbound = () => app.db.collection('inbound');
  return {
    async handleInbound(message: Inbound): Promise<InboundResult> {
      await inbound().createIndex({ channel: 1, providerMessageId: 1 }, { unique: true });
      try {
        await inbound().insertOne({ ...message });
      } catch (err) {
        if ((err as { code?: number }).code === 11000) return { duplicate: true, replies: [] };
        throw err;
      }
      // The adapter passes Twilio's own keyword match on; the service records it once.
      if (message.providerKeyword === 'stop') await this.recordOptOut(message.channel, message.address, 'twilio opt-out keyword');
      if (message.providerKeyword === 'start') await this.recordOptIn(message.channel, message.address);
      if (/^\s*stop\s*$/i.test(message.text ?? '')) {
        await this.recordOptOut(message.channel, message.address, 'keyword STOP');
        return { duplicate: false, replies: [{ text: "You're unsubscribed. Reply START to resubscribe." }] };
      }
      return {
        duplicate: false,
        replies: [
          { text: `Got "${message.text ?? ''}". Thanks!` },
          { text: 'How likely are you to recommend us? Reply 0-10', choices: [{ label: '10', value: '10' }] },
        ],
      };
    },
    async recordDelivery(update: DeliveryUpdate) {
      await app.db.collection('deliveries').insertOne({ ...update, at: new Date() });
    },
    async recordOptOut(channel, address, reason) {
      await app.db.collection('optouts').updateOne({ channel, address }, { $set: { reason } }, { upsert: true });
    },
    async recordOptIn(channel, address) {
      await app.db.collection('optouts').deleteOne({ channel, address });
    },
    async queueReplies() {
      throw new Error('this harness has no outbox: only the WhatsApp webhook queues replies');
    },
    async startWebSurvey() {
      return { status: 'sent' };
    },
    async webQuestion() {
      return [];
    },
    async identifyWebVisitor() {
      return { status: 'identified' as const };
    },
    log: app.log,
    now: () => new Date(),
  };
}

export interface SmsHarness {
  app: FastifyInstance;
  fake: FakeTwilio;
  channel: Channel;
  config: Config;
  inbound(): Promise<Array<Record<string, unknown>>>;
  optOuts(): Promise<Array<Record<string, unknown>>>;
  deliveries(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** The SMS channel on a server with the real test database, talking to a fake Twilio. */
export async function startSmsHarness(env: Record<string, string> = {}, logTo?: Writable): Promise<SmsHarness> {
  const fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
  const config = testConfig(smsEnv(fake, env));
  const logger = pino(loggerOptions(logTo ? 'debug' : 'silent', [authToken]), logTo ?? process.stdout);
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(database, { uri: config.mongodbUri!, dbName: uniqueDbName('sms') });
  const channel = createSmsChannel({ ...config.twilio!, apiBaseUrl: config.providers.twilioApiBaseUrl, publicUrl: config.publicUrl, defaultCountry: config.business.country }, { log: app.log, product: databaseDeps(app) });
  await smsRoutes({ publicUrl: config.publicUrl }).register(app, async () => channel);
  await app.ready();
  const all = (name: string) => app.db.collection(name).find({}, { projection: { _id: 0 } }).toArray();
  return {
    app,
    fake,
    channel,
    config,
    inbound: () => all('inbound'),
    optOuts: () => all('optouts'),
    deliveries: () => all('deliveries'),
    close: async () => {
      await app.db.dropDatabase().catch(() => {});
      await app.close();
      await fake.close();
    },
  };
}
