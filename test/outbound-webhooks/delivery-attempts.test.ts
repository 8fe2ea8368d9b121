import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attemptErrors } from '../../src/outbound-webhooks/delivery.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { hours, TestClock } from '../helpers/clock.js';
import { startReceiver } from './receiver.js';

/** How one delivery is tried: backoff, giving up, a 410, an unreachable receiver, a redirect, bad URLs. */
describe('outbound webhook delivery attempts', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let server: TestServer;

  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }, { now: clock.now });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('retries a failing receiver with backoff and stops at the first 2xx', async () => {
    const { app } = server;
    const flaky = await startReceiver();
    try {
      const { subscription } = await app.outboundWebhooks.subscribe('retry-shop', { url: flaky.url, events: ['survey.scored'] });
      flaky.answer(500, 500, 503);
      const event = { id: 'survey.scored:retry-1', type: 'survey.scored' as const, createdAt: clock.now(), data: { score: 9 } };
      await app.outboundWebhooks.deliver(await app.outboundWebhooks.emit('retry-shop', event));
      expect(flaky.received).toHaveLength(1);
      // Not due yet: nothing is sent again.
      expect(await app.outboundWebhooks.flushDue()).toBe(0);
      const [pending] = await app.outboundWebhooks.deliveries('retry-shop', subscription.id);
      expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastAttempts: [{ status: 500 }] });
      const wait = (pending?.nextAttemptAt?.getTime() ?? 0) - clock.now().getTime();
      expect(wait).toBeGreaterThanOrEqual(30_000);
      expect(wait).toBeLessThanOrEqual(36_000);
      for (let i = 0; i < 6; i++) {
        clock.advance(5 * 60_000);
        await app.outboundWebhooks.flushDue();
      }
      // Emitting the same event again queues nothing new.
      expect(await app.outboundWebhooks.emit('retry-shop', event)).toHaveLength(1);
      await app.outboundWebhooks.flushDue();
      expect(flaky.received.map((r) => r.headers['webhook-id'])).toEqual(Array(4).fill('survey.scored:retry-1'));
      const [done] = await app.outboundWebhooks.deliveries('retry-shop', subscription.id);
      expect(done).toMatchObject({ status: 'delivered', attempts: 4 });
      expect(done?.lastAttempts.map((a) => a.status)).toEqual([500, 500, 503, 200]);
      expect(done?.nextAttemptAt).toBeUndefined();
    } finally {
      await flaky.close();
    }
  });

  it('gives up after 24 hours, and a 410 disables the subscription', async () => {
    const { app } = server;
    const down = await startReceiver();
    try {
      const { subscription } = await app.outboundWebhooks.subscribe('down-shop', { url: down.url, events: ['survey.expired'] });
      down.answer(...Array<number>(100).fill(500));
      const queuedAt = clock.now().getTime();
      await app.outboundWebhooks.emit('down-shop', { id: 'survey.expired:down-1', type: 'survey.expired', createdAt: clock.now(), data: {} });
      for (let i = 0; i < 30; i++) {
        await app.outboundWebhooks.flushDue();
        clock.advance(hours(1));
      }
      const [failed] = await app.outboundWebhooks.deliveries('down-shop', subscription.id);
      expect(failed?.status).toBe('failed');
      const last = failed?.lastAttempts.at(-1)?.at.getTime() ?? 0;
      expect(last - queuedAt).toBeLessThanOrEqual(hours(25));
      expect(last - queuedAt).toBeGreaterThanOrEqual(hours(24));
      expect(down.received.length).toBe(failed?.attempts);

      down.answer(410);
      down.received.length = 0;
      await app.outboundWebhooks.deliver(await app.outboundWebhooks.emit('down-shop', { id: 'survey.expired:down-2', type: 'survey.expired', createdAt: clock.now(), data: {} }));
      expect(down.received).toHaveLength(1);
      expect((await app.outboundWebhooks.list('down-shop'))[0]).toMatchObject({ active: false });
      expect(await app.outboundWebhooks.emit('down-shop', { id: 'survey.expired:down-3', type: 'survey.expired', createdAt: clock.now(), data: {} })).toEqual([]);
    } finally {
      await down.close();
    }
  });

  it('shows an attempt that got no answer without its low-level error, as recorded now or by an earlier version', async () => {
    const { app } = server;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { subscription } = await app.outboundWebhooks.subscribe('port-shop', { url: `http://127.0.0.1:${port}/hooks`, events: ['survey.scored'] });
    const event = (id: string) => ({ id: `survey.scored:${id}`, type: 'survey.scored' as const, createdAt: clock.now(), data: {} });
    await app.outboundWebhooks.deliver(await app.outboundWebhooks.emit('port-shop', event('p1')));
    // An attempt an earlier version recorded with the connection's own error code.
    const [legacyId] = await app.outboundWebhooks.emit('port-shop', event('p2'));
    const taken = await app.store.webhookDeliveries.take((await app.store.webhookDeliveries.nextDue(clock.now(), [legacyId!]))!, new Date(clock.now().getTime() + 60_000));
    await app.store.webhookDeliveries.settle(taken!, { at: clock.now(), error: 'ECONNRESET' }, { state: 'pending', retryAt: new Date(clock.now().getTime() + 30_000) });
    const shown = (await app.outboundWebhooks.deliveries('port-shop', subscription.id)).flatMap((d) => d.lastAttempts.map((a) => a.error));
    expect(shown).toEqual([attemptErrors.unreachable, attemptErrors.unreachable]);
  });

  it('never follows a redirect: a 3xx is a failed attempt', async () => {
    const { app } = server;
    const moved = await startReceiver();
    try {
      const { subscription } = await app.outboundWebhooks.subscribe('moved-shop', { url: moved.url, events: ['survey.scored'] });
      moved.answer(302);
      await app.outboundWebhooks.deliver(await app.outboundWebhooks.emit('moved-shop', { id: 'survey.scored:moved-1', type: 'survey.scored', createdAt: clock.now(), data: {} }));
      expect(moved.received).toHaveLength(1);
      const [delivery] = await app.outboundWebhooks.deliveries('moved-shop', subscription.id);
      expect(delivery).toMatchObject({ status: 'pending', lastAttempts: [{ status: 302, error: 'redirect not followed' }] });
    } finally {
      await moved.close();
    }
  });

  it('refuses URLs that are not https (http only to an allowed host in development) and unknown events', async () => {
    const subscribe = (input: unknown) => server.app.outboundWebhooks.subscribe('url-shop', input);
    await expect(subscribe({ url: 'http://example.com/hooks', events: ['survey.scored'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(subscribe({ url: 'https://user:pw@example.com/hooks', events: ['survey.scored'] })).rejects.toThrow(/user name or password/);
    await expect(subscribe({ url: 'https://example.com/hooks', events: ['survey.started'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(subscribe({ url: 'https://example.com/hooks', events: [] })).rejects.toMatchObject({ statusCode: 400 });
    const ok = await subscribe({ url: 'https://example.com/hooks', events: ['survey.scored', 'survey.scored'] });
    expect(ok.subscription.events).toEqual(['survey.scored']);
    expect(ok.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await server.app.outboundWebhooks.remove('url-shop', ok.subscription.id);
    expect(await server.app.outboundWebhooks.list('url-shop')).toEqual([]);
  });
});
