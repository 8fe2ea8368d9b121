import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsappChannel } from '../../../src/channels/whatsapp/index.js';
import { newSid } from '../../helpers/fake-twilio.js';
import { startFakeWhatsapp, type FakeWhatsapp } from '../../helpers/fake-whatsapp.js';
import { busiestWindow, lostAndDuplicated, ratePerSecond } from '../../helpers/send-rate.js';
import { figure } from '../../attacks/figures.js';

const accountSid = newSid('AC');
const authToken = 'whatsapp-pacing-token-0123456789';

/**
 * The pace of one WhatsApp sender: 160 replies inside their windows at the default 80 a second
 * (Meta's default throughput per business number) reach the fake at that pace, none lost or twice.
 */
describe('WhatsApp pacing per sender', () => {
  let fake: FakeWhatsapp;
  beforeAll(async () => {
    fake = await startFakeWhatsapp({ accountSid, authToken });
  });
  afterAll(() => fake?.close());

  it('160 messages at 80/s: 80 a second (arrival jitter aside), none lost or sent twice', async () => {
    const channel = createWhatsappChannel(
      { accountSid, authToken, from: 'whatsapp:+15005550006', ratePerSecond: 80, templates: [], apiBaseUrl: fake.baseUrl, publicUrl: 'https://bot.example.test', defaultCountry: 'PK' },
      { log: Fastify().log, now: () => new Date(), windows: { wrote: async () => {}, lastInbound: async () => new Date() } },
    );
    const to = Array.from({ length: 160 }, (_, i) => `+92300888${String(1000 + i)}`);
    // Their windows are open at the fake too: each wrote first.
    for (const address of to) await fake.receive(Fastify(), address, 'hi').catch(() => undefined);
    const started = Date.now();
    const results = await Promise.all(to.map((address) => channel.send(address, { text: 'Thanks!' })));
    const elapsed = Date.now() - started;
    const times = fake.messages.map((m) => m.dateCreated.getTime());
    const busiest = busiestWindow(times);
    const { lost, duplicated } = lostAndDuplicated(to, fake.messages.map((m) => m.to.slice('whatsapp:'.length)));
    figure(`whatsapp pacing: 160 sends at 80/s in ${elapsed} ms, busiest second ${busiest}, mean ${ratePerSecond(times).toFixed(1)}/s, lost ${lost}, duplicated ${duplicated}`);
    expect(results.every((r) => r.status === 'sent')).toBe(true);
    // Let go at 80 in any 1,025 ms (the send queue's own tests check that exactly, on a virtual clock);
    // arrivals at the fake may bunch by a tenth of the limit on a loaded machine, as in test/faults/shared-pacing.test.ts.
    expect(busiest).toBeLessThanOrEqual(80 + 8);
    expect([lost, duplicated]).toEqual([0, 0]);
  });
});
