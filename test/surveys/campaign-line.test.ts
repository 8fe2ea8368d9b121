import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envKey, v1 } from '../api/v1/v1-server.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';
import { sendsPerLine } from '../../src/surveys/outbox.js';

/**
 * An uploaded campaign's invitations go out at the sender's rate only if enough of them wait at the
 * pacer at once: each send spends most of its time on its own database round trips, not in its slot.
 */
describe('a campaign line keeps the pacer fed', () => {
  let fake: FakeTwilio;
  let server: TestServer;
  const rate = 20;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { SWEEP_INTERVAL: '0', API_KEY: envKey, THROTTLE_DAYS: '0', SEND_WINDOW: '00:00-24:00', SMS_RATE_PER_SECOND: String(rate) }));
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  // 100 SMS a second with 200 ms of each send's own work (a busy database) needs 20 under way at once.
  const needed = 20;

  it(`has at least ${needed} invitations under way at once (at most ${sendsPerLine}), and sends each once`, { timeout: 30_000 }, async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ kind: 'nps', channel: 'sms', address: `+1415555${String(3000 + i)}` }));
    const res = await v1(server.app, envKey, 'POST', '/surveys', rows);
    expect(res.statusCode).toBe(200);
    expect(res.json().accepted).toBe(40);
    const outbox = server.app.store.outbox.model;
    let most = 0;
    // Under way: taken from the outbox and not yet settled (most of them waiting for a slot at 20/s).
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      most = Math.max(most, await outbox.countDocuments({ purpose: 'invitation', state: 'sending' }));
      if (new Set(fake.messages.map((m) => m.to)).size === rows.length) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(most).toBeGreaterThanOrEqual(needed);
    expect(most).toBeLessThanOrEqual(sendsPerLine);
    expect(fake.messages.map((m) => m.to).sort()).toEqual(rows.map((r) => r.address).sort());
  });
});
