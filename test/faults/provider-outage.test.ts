/**
 * The providers answer 429 and 5xx for a while: invitations queued for the send window go out through
 * the outbox, which backs off and tries again, on SMS, Telegram and Teams (the web chat has no provider):
 *   provider 429/500 (sms): invitations 6, refused attempts 24, delivered 6, lost 0, sent twice 0, retried before their backoff 0
 * Sweeps run on the test clock; a second sweep at the same moment must try nothing (every failed item
 * waits for its backoff), and the clock then moves on by 30 s at a time, for at most 40 rounds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/domain/channels.js';
import { expectZero, figure } from '../attacks/figures.js';
import { startRig, type Rig } from '../attacks/rig.js';
import { hours, TestClock } from '../helpers/clock.js';
import { installActivity, teamsUser } from '../helpers/fake-bot-connector.js';

const perChannel = 6;
let rig: Rig;
beforeAll(async () => {
  // 07:00: before the send window, so the invitations wait in the outbox.
  rig = await startRig({ logLevel: 'silent', clock: new TestClock('2026-03-10T07:00:00Z'), env: { SEND_WINDOW: '09:00-20:00' } });
});
afterAll(async () => rig?.close());

interface Target {
  address: string;
  received: () => number;
}

async function targets(channel: ChannelName): Promise<Target[]> {
  const list: Target[] = [];
  for (let i = 0; i < perChannel; i++) {
    if (channel === 'sms') {
      const phone = `+1415555${String(5000 + i)}`;
      list.push({ address: phone, received: () => rig.twilio.messages.filter((m) => m.to === phone).length });
    } else if (channel === 'telegram') {
      const chatId = 870_100_000 + i;
      list.push({ address: String(chatId), received: () => rig.telegram.sent(chatId).length });
    } else {
      const user = teamsUser();
      const install = installActivity({ user, serviceUrl: rig.connector.serviceUrl });
      await rig.teamsPost(install);
      list.push({ address: user.aadObjectId, received: () => rig.connector.activities.filter((a) => a.conversationId === install.conversation.id && a.kind === 'send').length });
    }
  }
  return list;
}

/** Provider calls so far (accepted and refused). */
function attempts(channel: ChannelName): number {
  if (channel === 'sms') return rig.twilio.attempts;
  if (channel === 'telegram') return rig.telegram.calls.filter((c) => c.method === 'sendMessage').length;
  return rig.connector.activities.filter((a) => a.kind === 'send').length + rig.connector.refused;
}

/** The outage: how the fake refuses, and for how many calls. */
function outage(channel: ChannelName): void {
  if (channel === 'sms') {
    rig.twilio.failNext('rate-limit', 12);
    rig.twilio.failNext('server-error', 12);
  } else if (channel === 'telegram') {
    const tooMany = { status: 429, body: { ok: false as const, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } };
    for (let i = 0; i < 2; i++) rig.telegram.failNext(tooMany, 'sendMessage');
    for (let i = 0; i < 20; i++) rig.telegram.failNext('500', 'sendMessage');
  } else {
    // The SDK itself tries a 429 or 5xx three more times at once (Retry-After 0) before the outbox sees it fail.
    rig.connector.failNext({ status: 503, code: 'ServiceUnavailable', retryAfter: '0', times: 40 });
    rig.connector.failNext({ status: 429, retryAfter: '0', times: 24 });
  }
}

describe('a provider answering 429 and 5xx for a while', () => {
  it.each(['sms', 'telegram', 'teams'] as const)('%s: the outbox backs off; lost 0, sent twice 0', { timeout: 30_000 }, async (channel) => {
    rig.clock.reset();
    const list = await targets(channel);
    for (const t of list) {
      const res = await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel, address: t.address });
      expect((res.json() as { status: string }).status).toBe('queued');
    }
    const before = attempts(channel);
    const refusedBefore = channel === 'teams' ? rig.connector.refused : 0;
    outage(channel);
    rig.clock.advance(hours(2)); // 09:00

    let early = 0;
    let rounds = 0;
    const outbox = rig.app.db.db!.collection('outbox');
    const open = () => outbox.countDocuments({ channel, purpose: 'invitation', state: { $in: ['pending', 'sending'] } });
    for (; rounds < 40; rounds++) {
      await rig.app.sweeper.sweep();
      if ((await open()) === 0) break;
      // At the same moment again: whatever failed waits for its backoff, so nothing is tried.
      const tried = attempts(channel);
      await rig.app.sweeper.sweep();
      early += attempts(channel) - tried;
      rig.clock.advance(30_000);
    }

    const received = list.map((t) => t.received());
    const lost = received.filter((n) => n === 0).length;
    const twice = received.filter((n) => n > 1).length;
    const total = attempts(channel) - before;
    const refused = channel === 'teams' ? rig.connector.refused - refusedBefore : total - received.reduce((a, b) => a + b, 0);
    const failed = await outbox.countDocuments({ channel, purpose: 'invitation', state: 'failed' });
    figure(
      `provider 429/500 (${channel}): invitations ${list.length}, refused attempts ${refused}, delivered ${received.filter((n) => n === 1).length}, lost ${lost}, sent twice ${twice}, retried before their backoff ${early}` +
        ` (sweep rounds ${rounds + 1}, given up ${failed})`,
    );
    expect(refused).toBeGreaterThan(0);
    expectZero(`provider outage on ${channel}`, { lost, twice, early, failed });
  });
});
