import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { nextAttemptAt, postWebhook, retryWindowMs } from '../../src/webhooks/delivery.js';
import { signatureHeader } from '../../src/webhooks/signature.js';
import { urlProblem } from '../../src/webhooks/subscription-input.js';

describe('webhook retry schedule', () => {
  const queued = new Date('2026-03-10T15:00:00Z');
  const after = (ms: number) => new Date(queued.getTime() + ms);

  it('doubles from 30 s to at most 2 h, stretched by up to 20 %', () => {
    const delays = (random: number) => [1, 2, 3, 8, 9, 12].map((n) => (nextAttemptAt(n, queued, queued, () => random)?.getTime() ?? 0) - queued.getTime());
    expect(delays(0)).toEqual([30_000, 60_000, 120_000, 3_840_000, 7_200_000, 7_200_000]);
    expect(delays(1)).toEqual([36_000, 72_000, 144_000, 4_608_000, 8_640_000, 8_640_000]);
  });

  it('never schedules past 24 h after queueing, and gives up then', () => {
    expect(nextAttemptAt(12, queued, after(retryWindowMs - 60_000), () => 0)).toEqual(after(retryWindowMs));
    expect(nextAttemptAt(13, queued, after(retryWindowMs), () => 0)).toBeUndefined();
  });
});

describe('webhook URLs', () => {
  it('takes https anywhere and http to loopback outside production only', () => {
    expect(urlProblem('https://hooks.example.com/in?x=1', true)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/in', false)).toBeUndefined();
    expect(urlProblem('http://localhost/in', false)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/in', true)).toBe('must not point at this server or a private network');
    expect(urlProblem('http://hooks.example.com/in', true)).toBe('must be an https URL');
    expect(urlProblem('https://[::1]/in', false)).toBeUndefined();
    for (const host of ['localhost', '127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '[::1]', '[fd00::1]', '[fe80::1]']) {
      expect(urlProblem(`https://${host}/in`, true), host).toBe('must not point at this server or a private network');
    }
    for (const host of ['172.32.0.1', '11.0.0.1', 'hooks.example.com', '[2001:db8::1]']) expect(urlProblem(`https://${host}/in`, true), host).toBeUndefined();
    expect(urlProblem('http://10.0.0.5/in', false)).toMatch(/https/);
    expect(urlProblem('ftp://example.com/in', false)).toMatch(/https/);
    expect(urlProblem('https://a:b@example.com/in', false)).toBe('must not carry a user name or password');
    expect(urlProblem('not a url', false)).toBe('not a URL');
  });
});

describe('webhook signature', () => {
  it('is t and the hex HMAC-SHA256 of "<t>.<body>"', () => {
    // Reference value computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
    expect(signatureHeader('whsec_test', 1_700_000_000, '{"a":1}')).toBe('t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789');
  });
});

describe('one webhook attempt', () => {
  it('gives up on a receiver that does not answer in time, and says so', async () => {
    const server = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      expect(await postWebhook(`http://127.0.0.1:${port}/`, { 'Content-Type': 'application/json' }, '{}', 300)).toEqual({ error: 'no answer within 0.3 s' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a refused connection by its code', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    expect(await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}')).toEqual({ error: 'ECONNREFUSED' });
  });
});
