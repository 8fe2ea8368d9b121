import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';

/** What each send of a campaign costs the database before its request to the provider. */
describe("a campaign's queued invitation", () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const commands: Array<{ name: string; collection: string }> = [];

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', SEND_WINDOW: '00:00-24:00' }), { monitorCommands: true });
    server.app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => commands.push({ name: e.commandName, collection: String(e.command[e.commandName]) }));
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  it('is taken for sending in one write, with no read of the outbox before it', { timeout: 30_000 }, async () => {
    commands.length = 0; // the upload (its inserts) and the line's send after it
    const res = await v1(server.app, envKey, 'POST', '/surveys', [{ kind: 'nps', channel: 'sms', address: '+14155554000' }]);
    expect(res.json().accepted).toBe(1);
    await expect.poll(() => fake.messages.length, { timeout: 20_000 }).toBe(1);
    const outbox = commands.filter((c) => c.collection === 'outbox');
    await expect.poll(async () => (await server.app.store.outbox.model.findOne({ purpose: 'invitation' }).lean())?.state, { timeout: 5_000 }).toBe('sent');
    expect(outbox.filter((c) => c.name === 'find')).toEqual([]);
    expect(outbox.filter((c) => c.name === 'findAndModify')).toHaveLength(1);
  });
});
