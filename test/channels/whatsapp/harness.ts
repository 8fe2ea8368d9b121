import type { FastifyInstance } from 'fastify';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { newSid } from '../../helpers/fake-twilio.js';
import { startFakeWhatsapp, type FakeWhatsapp } from '../../helpers/fake-whatsapp.js';

export const publicUrl = 'https://bot.example.test';
export const apiKey = 'k_test_whatsapp_0123456789abcdef';
const accountSid = newSid('AC');
const authToken = 'whatsapp-auth-token-0123456789abcdef';

export interface WhatsappHarness {
  server: TestServer;
  app: FastifyInstance;
  fake: FakeWhatsapp;
  clock: TestClock;
  /** The business's approved templates' content SIDs. */
  templates: { invitation: string; reminder: string; owner: string };
  start(payload: Record<string, unknown>): Promise<{ surveyId: string; status: string }>;
  survey(id: string): Promise<Record<string, unknown>>;
  /** Another server of the same deployment (its database, Twilio account, templates and clock): a second instance, or the one restarted. */
  another(): Promise<TestServer>;
  close(): Promise<void>;
}

/**
 * The product with a WhatsApp sender against the fake Twilio, approved templates (Urdu and English)
 * for invitations, reminders and owners' notices, driven through its webhooks and API.
 */
export async function startWhatsappHarness(env: Record<string, string> = {}): Promise<WhatsappHarness> {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const fake = await startFakeWhatsapp({ accountSid, authToken, publicUrl, now: clock.now });
  const templates = {
    invitation: fake.addTemplate('{{1}}، {{2}} آپ کی رائے جاننا چاہتا ہے۔ جواب میں ایک نمبر لکھیں۔'),
    reminder: fake.addTemplate('یاد دہانی: {{1}} کو آپ کے جواب کا انتظار ہے۔'),
    owner: fake.addTemplate('{{1}}'),
  };
  const configured = [
    ...(['ur', 'en'] as const).flatMap((locale) => [
      { purpose: 'invitation', locale, contentSid: templates.invitation, variables: ['firstName', 'business'] },
      { purpose: 'reminder', locale, contentSid: templates.reminder, variables: ['business'] },
      { purpose: 'owner', locale, contentSid: templates.owner, variables: ['text'] },
    ]),
    // Spanish has an invitation and no reminder: a reminder in Spanish outside the window cannot go.
    { purpose: 'invitation', locale: 'es', contentSid: templates.invitation, variables: ['firstName', 'business'] },
  ];
  const serverEnv = {
    TWILIO_ACCOUNT_SID: accountSid,
    TWILIO_AUTH_TOKEN: authToken,
    TWILIO_WHATSAPP_FROM: 'whatsapp:+15005550006',
    WHATSAPP_TEMPLATES: JSON.stringify(configured),
    TWILIO_API_BASE_URL: fake.baseUrl,
    PUBLIC_URL: publicUrl,
    API_KEY: apiKey,
    SWEEP_INTERVAL: '0',
    THROTTLE_DAYS: '0',
    BUSINESS_NAME: 'Karachi Chai',
    ...env,
  };
  const server = await buildTestServer(serverEnv, { now: clock.now });
  const { app } = server;
  return {
    server,
    app,
    fake,
    clock,
    templates,
    async start(payload) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': apiKey }, payload: { channel: 'whatsapp', ...payload } });
      if (res.statusCode !== 201) throw new Error(`survey start: ${res.statusCode} ${res.body}`);
      return res.json() as { surveyId: string; status: string };
    },
    async survey(id) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/surveys/${id}`, headers: { 'x-api-key': apiKey } });
      return res.json() as Record<string, unknown>;
    },
    another: () => buildTestServer(serverEnv, { now: clock.now, dbName: server.dbName }),
    async close() {
      await server.close();
      await fake.close();
    },
  };
}
