import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { TestClock } from '../helpers/clock.js';
import { recordCommands } from '../helpers/commands.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../channels/sms/harness.js';
import { coldSendsAt } from '../../src/channels/shared-send-queue.js';

/**
 * Database round trips of one reply, counted with the driver's command monitoring, on the MongoDB
 * path (the test database is atomic per document, so no FerretDB compensation runs).
 */
describe('database round trips per message', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let fake: FakeTwilio;
  let server: TestServer;
  let commands: string[] = [];

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    server = await buildTestServer(smsEnv(fake, { WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0' }), { now: clock.now, monitorCommands: true });
    commands = recordCommands(server.app, (e) => e.commandName);
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  /** The commands one action sends, in order. */
  const counted = async (action: () => Promise<unknown>): Promise<string[]> => {
    await server.app.alerts.drain();
    commands.length = 0;
    await action();
    return [...commands];
  };

  it('runs on a server with MongoDB semantics (no compensation)', () => {
    expect(server.app.store.server).toBe('mongodb');
  });

  // Starting may read the business's wording (at most once per 10 s per process): one more than before it could be worded.
  // Opening a chat stores its session only; the first answer starts the survey (claim, the day's
  // limit, the start itself) and is answered in the same request.
  it('web chat: at most 2 to open, 14 for the first answer (it starts the survey), 4 for a comment reply', async () => {
    const post = (url: string, payload: object) => server.app.inject({ method: 'POST', url, payload });
    let visitorId = '';
    const open = await counted(async () => (visitorId = (await post('/chat/api/visitors', { kind: 'nps' })).json().visitorId));
    const score = await counted(() => post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'a', text: '9' }));
    const comment = await counted(() => post(`/chat/api/visitors/${visitorId}/messages`, { messageId: 'b', text: 'quick and friendly' }));
    console.log(`round trips, web chat: open ${open.length} (${open.join(', ')}); first answer ${score.length} (${score.join(', ')}); comment ${comment.length} (${comment.join(', ')})`);
    expect(open.length).toBeLessThanOrEqual(2);
    expect(score.length).toBeLessThanOrEqual(14);
    expect(comment.length).toBeLessThanOrEqual(4);
    expect((await server.app.store.surveys.model.findOne({ address: visitorId }).lean())?.state).toBe('completed');
  });

  // A start that sends (SMS) claims the send's slot, which every instance shares: one insert more than web chat.
  // An instance's first sends (cold, see shared-send-queue.ts) also claim their lanes' next turns: one more.
  it('SMS: at most 7 to start (8 for the instance’s first sends), 4 for a score reply, 4 for a comment reply', async () => {
    const surveys = (await server.app.businesses.get('default'))!.surveys;
    // The instance's first sends at the harness's 50 a second: 8.
    for (let i = 0; i < coldSendsAt(50); i++) {
      const cold = await counted(() => surveys.start({ kind: 'nps', channel: 'sms', address: `+1415555020${i}`, trigger: 'api' }));
      expect(cold.length).toBeLessThanOrEqual(8);
    }
    const customer = '+14155550101';
    const start = await counted(() => surveys.start({ kind: 'nps', channel: 'sms', address: customer, trigger: 'api' }));
    const score = await counted(() => fake.receive(server.app, { from: customer, body: '10', messageSid: newSid('SM') }));
    const comment = await counted(() => fake.receive(server.app, { from: customer, body: 'great coffee', messageSid: newSid('SM') }));
    console.log(`round trips, SMS: start ${start.length} (${start.join(', ')}); score ${score.length} (${score.join(', ')}); comment ${comment.length} (${comment.join(', ')})`);
    expect(start.length).toBeLessThanOrEqual(7);
    expect(score.length).toBeLessThanOrEqual(4);
    expect(comment.length).toBeLessThanOrEqual(4);
    expect((await server.app.store.surveys.model.findOne({ address: customer }).lean())?.state).toBe('completed');
  });
});
