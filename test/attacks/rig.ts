/**
 * The whole product with every channel on, against loopback fakes of Twilio, the Telegram Bot API and
 * the Bot Connector (whose OpenID document and keys the Teams adapter checks tokens against), its log
 * lines kept in memory so a test can scan them. Shared by the attack and fault suites.
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import twilio from 'twilio';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { buildServer } from '../../src/server.js';
import { testConfig } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { uniqueDbName } from '../helpers/database.js';
import { postActivity, startFakeBotConnector, type FakeBotConnector } from '../helpers/fake-bot-connector.js';
import { startFakeTelegram, type FakeTelegram } from '../helpers/fake-telegram.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';

/** Every secret the rig's server holds: none of them may reach a log. */
export const secrets = {
  twilioAuthToken: 'rig-twilio-auth-token-5f1c9a7e2b',
  telegramToken: '5550007777:AAH-rig-telegram-token-3c8e1d0b9f',
  telegramWebhookSecret: 'rig-telegram-webhook-secret-7a2d',
  teamsAppPassword: 'rig-teams-app-password-9e4b1c',
  apiKey: 'rig-api-key-0f6a3e8c1d7b2a95',
} as const;
export const teamsAppId = '00000000-0000-4000-8000-0000000a77ac';
export const publicUrl = 'https://bot.example.test';
const accountSid = newSid('AC');

/** Log lines as the server wrote them (JSON, one per line). */
export class LogCapture {
  readonly lines: string[] = [];
  private partial = '';
  readonly stream = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
      done();
    },
  });

  text(): string {
    return this.lines.join('\n') + this.partial;
  }
}

export interface RigOptions {
  /**
   * Teams tokens checked against the fake's key set (true), or Teams auth off (false, the default):
   * with auth on, the SDK would ask Azure AD for a token before every send, which no test may reach,
   * so a rig with Teams auth on must only be sent activities that need no answer (or are refused).
   */
  teamsAuth?: boolean;
  env?: Record<string, string>;
  clock?: TestClock;
  /** Share a database with another rig (two instances); default: a fresh one, dropped on close. */
  dbName?: string;
  /** A second server instance: the other rig's providers (fakes) and clock, which it leaves open on close. */
  beside?: Rig;
  /** Log level of the captured log; default debug, so the scan sees more than production writes. */
  logLevel?: string;
}

export interface Rig {
  app: FastifyInstance;
  dbName: string;
  clock: TestClock;
  twilio: FakeTwilio;
  telegram: FakeTelegram;
  connector: FakeBotConnector;
  logs: LogCapture;
  /** POST a form to a Twilio webhook path, signed over `params` (or with the given signature). */
  twilioPost(path: string, params: Record<string, string>, signature?: string | null): Promise<LightMyRequestResponse>;
  /** POST a JSON body to the Telegram webhook with the secret header (or the given headers). */
  telegramPost(update: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  /** POST an activity to /api/messages with a valid token (auth on) or the given one (null: none). */
  teamsPost(activity: object, token?: string | null): Promise<LightMyRequestResponse>;
  /** A request to the REST API with the rig's key. */
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** The rig's environment: all four channels, sends at any hour, no throttle, the sweeper driven by hand. */
export function rigEnv(fakes: { twilio: FakeTwilio; telegram: FakeTelegram; connector: FakeBotConnector }, teamsAuth: boolean): Record<string, string> {
  return {
    PUBLIC_URL: publicUrl,
    API_KEY: secrets.apiKey,
    SEND_WINDOW: '00:00-24:00',
    THROTTLE_DAYS: '0',
    SWEEP_INTERVAL: '0',
    WEB_CHAT_ENABLED: 'true',
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: secrets.twilioAuthToken,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_BASE_URL: fakes.twilio.baseUrl,
    SMS_RATE_PER_SECOND: '100',
    // WhatsApp on the same account: its webhooks are signed with the same auth token.
    TWILIO_WHATSAPP_FROM: 'whatsapp:+15005550006',
    TELEGRAM_BOT_TOKEN: secrets.telegramToken,
    TELEGRAM_WEBHOOK_SECRET: secrets.telegramWebhookSecret,
    TELEGRAM_API_ROOT: fakes.telegram.url,
    TEAMS_APP_ID: teamsAppId,
    TEAMS_APP_PASSWORD: secrets.teamsAppPassword,
    TEAMS_TENANT_ID: 'tenant-1',
    ...(teamsAuth
      ? { TEAMS_OPENID_METADATA_URL: fakes.connector.openIdMetadataUrl, TEAMS_TOKEN_ISSUER: fakes.connector.issuer }
      : { TEAMS_AUTH_DISABLED: 'true' }),
  };
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const teamsAuth = options.teamsAuth ?? false;
  const { beside } = options;
  const fakeTwilio = beside?.twilio ?? (await startFakeTwilio({ accountSid, authToken: secrets.twilioAuthToken, publicUrl }));
  const telegram = beside?.telegram ?? (await startFakeTelegram({ token: secrets.telegramToken }));
  const connector = beside?.connector ?? (await startFakeBotConnector());
  const clock = options.clock ?? beside?.clock ?? new TestClock();
  const logs = new LogCapture();
  const dbName = options.dbName ?? uniqueDbName('rig');
  const config = testConfig({ ...rigEnv({ twilio: fakeTwilio, telegram, connector }, teamsAuth), ...options.env });
  const app = await buildServer(config, { logLevel: options.logLevel ?? 'debug', logStream: logs.stream, dbName, now: clock.now });

  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  return {
    app,
    dbName,
    clock,
    twilio: fakeTwilio,
    telegram,
    connector,
    logs,
    twilioPost(path, params, signature) {
      const sig = signature === undefined ? twilio.getExpectedTwilioSignature(secrets.twilioAuthToken, publicUrl + path, params) : signature;
      return app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig === null ? {} : { 'x-twilio-signature': sig }) },
        payload: form(params),
      });
    },
    telegramPost(update, headers = { 'x-telegram-bot-api-secret-token': secrets.telegramWebhookSecret }) {
      return app.inject({
        method: 'POST',
        url: telegramWebhookPath(secrets.telegramWebhookSecret),
        headers: { 'content-type': 'application/json', ...headers },
        payload: typeof update === 'string' ? update : JSON.stringify(update),
      });
    },
    teamsPost(activity, token) {
      const bearer = token === null ? undefined : (token ?? (teamsAuth ? connector.token(teamsAppId) : undefined));
      return postActivity(app, activity, bearer);
    },
    api(method, url, payload, headers = {}) {
      return app.inject({
        method,
        url,
        headers: { 'x-api-key': secrets.apiKey, ...(payload !== undefined && typeof payload !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(payload !== undefined ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
      });
    },
    async close() {
      if (!options.dbName) await app.db.dropDatabase().catch(() => {});
      await app.close();
      if (!beside) await Promise.allSettled([fakeTwilio.close(), telegram.close(), connector.close()]);
    },
  };
}

/** How many documents each collection holds: equal before and after a refused request means nothing was written. */
export async function documentCounts(app: FastifyInstance): Promise<Record<string, number>> {
  const db = app.db.db!;
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort();
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = await db.collection(name).countDocuments();
  return counts;
}

/** The sum of every survey's revision: any survey write moves it. */
export async function surveyRevisions(app: FastifyInstance): Promise<number> {
  const rows = await app.db.db!.collection<{ rev?: number }>('surveys').find({}, { projection: { rev: 1 } }).toArray();
  return rows.reduce((sum, r) => sum + (r.rev ?? 0), 0);
}
