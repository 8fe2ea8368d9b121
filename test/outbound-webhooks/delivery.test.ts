import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nameOfLoopback } from './receiver.js';
import { describe, expect, it } from 'vitest';
import { attemptErrors, nextAttemptAt, postWebhook, retryWindowMs } from '../../src/outbound-webhooks/delivery.js';
import { isPublicAddress, refusedHost, WebhookDestinations } from '../../src/outbound-webhooks/destination.js';
import { newSigningSecret, signatureHeaders } from '../../src/outbound-webhooks/signature.js';
import { Webhook } from 'standardwebhooks';
import { urlProblem } from '../../src/outbound-webhooks/subscription-input.js';

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
  const open = { destinations: new WebhookDestinations() };
  const prod = { production: true, ...open };
  const dev = { production: false, ...open };
  const devLoopback = { production: false, destinations: new WebhookDestinations(['127.0.0.1', 'LocalHost.']) };

  it('takes https to public hosts anywhere, and http only to an allowed host outside production', () => {
    expect(urlProblem('https://hooks.example.com/in?x=1', prod)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/in', devLoopback)).toBeUndefined();
    expect(urlProblem('http://localhost/in', devLoopback)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:8080/in', dev)).toBe(refusedHost);
    expect(urlProblem('http://127.0.0.1:8080/in', { ...devLoopback, production: true })).toBe('must be an https URL');
    expect(urlProblem('http://hooks.example.com/in', prod)).toBe('must be an https URL');
    expect(urlProblem('http://hooks.example.com/in', dev)).toMatch(/https/);
    expect(urlProblem('ftp://example.com/in', dev)).toMatch(/https/);
    expect(urlProblem('https://a:b@example.com/in', dev)).toBe('must not carry a user name or password');
    expect(urlProblem('not a url', dev)).toBe('not a URL');
  });

  it('refuses internal addresses in every encoding, in every environment, unless the operator allows the host', () => {
    const internal = ['localhost', 'localhost.', 'LOCALHOST', 'hooks.localhost', '127.0.0.1', '127.1.2.3', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.100.100.200', '0.0.0.0', '[::1]', '[::]', '[fd00::1]', '[fd00:ec2::254]', '[fe80::1]', '[::ffff:127.0.0.1]', '[::ffff:169.254.169.254]', '[::ffff:10.0.0.1]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b::7f00:1]', '[64:ff9b:1::808:808]', '[::127.0.0.1]', '[2002:7f00:1::1]', '[::ffff:0:7f00:1]', '0x7f.1', '2130706433'];
    for (const host of internal) {
      expect(urlProblem(`https://${host}:8443/in`, prod), host).toBe(refusedHost);
      expect(urlProblem(`https://${host}:8443/in`, dev), host).toBe(refusedHost);
    }
    for (const host of ['172.32.0.1', '11.0.0.1', '100.128.0.1', 'hooks.example.com', '[2606:4700::1111]', '[64:ff9b::808:808]', '[::ffff:8.8.8.8]']) {
      expect(urlProblem(`https://${host}/in`, prod), host).toBeUndefined();
    }
    expect(urlProblem('https://127.0.0.1:8443/in', devLoopback)).toBeUndefined();
  });

  it('classifies addresses with the embedded IPv4 address deciding', () => {
    const table: Array<[string, boolean]> = [
      ['8.8.8.8', true], ['127.0.0.1', false], ['100.64.0.1', false], ['169.254.169.254', false], ['192.0.2.1', false], ['224.0.0.1', false],
      ['2606:4700::1111', true], ['::1', false], ['::ffff:7f00:1', false], ['::ffff:808:808', true], ['64:ff9b::a9fe:a9fe', false], ['64:ff9b::808:808', true],
      ['2002:a9fe:a9fe::1', false], ['2002:808:808::1', true], ['::7f00:1', false], ['fe80::1', false], ['2001:db8::1', false], ['not an address', false],
    ];
    for (const [address, expected] of table) expect(isPublicAddress(address), address).toBe(expected);
  });
});

describe('webhook signature', () => {
  it('is Standard Webhooks: v1 and the base64 HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed with the secret\'s bytes', () => {
    // The specification's own example (standard-webhooks, libraries' test vectors).
    const headers = signatureHeaders('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    expect(headers).toEqual({ 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });

  it('agrees with the reference library for new secrets, and signs with the same bytes for base64url secrets made before', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = '{"id":"survey.scored:1","data":{"score":9}}';
    const at = new Date('2026-03-10T15:00:00Z');
    const ours = signatureHeaders(secret, 'survey.scored:1', at.getTime() / 1000, body);
    expect(ours['webhook-signature']).toBe(new Webhook(secret).sign('survey.scored:1', at, body));
    const bytes = Buffer.from(secret.slice(6), 'base64');
    const old = `whsec_${bytes.toString('base64url')}`;
    expect(signatureHeaders(old, 'survey.scored:1', at.getTime() / 1000, body)).toEqual(ours);
  });
});

describe('one webhook attempt', () => {
  const allowLoopback = new WebhookDestinations(['127.0.0.1']);

  /** A loopback listener that counts the connections made to it and answers 204. */
  async function listener() {
    let connections = 0;
    const server = createServer((_req, res) => res.writeHead(204).end());
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('connects to an internal address only when the operator allowed it', async () => {
    const l = await listener();
    try {
      const names = [`127.0.0.1:${l.port}`, `[::ffff:127.0.0.1]:${l.port}`, `localhost:${l.port}`, `localhost.:${l.port}`];
      for (const host of names) expect(await postWebhook(`http://${host}/`, {}, '{}', new WebhookDestinations()), host).toMatchObject({ error: attemptErrors.refused });
      expect(l.connections()).toBe(0);
      expect(await postWebhook(`http://127.0.0.1:${l.port}/`, {}, '{}', allowLoopback)).toEqual({ status: 204 });
      expect(l.connections()).toBe(1);
    } finally {
      await l.close();
    }
  });

  it('checks every address a name resolves to, when it connects', async () => {
    const l = await listener();
    try {
      // A name that is not refused by its spelling but resolves (hosts file) to loopback.
      const name = await nameOfLoopback();
      expect(new WebhookDestinations().hostProblem(name)).toBeUndefined();
      expect(await postWebhook(`http://${name}:${l.port}/`, {}, '{}', new WebhookDestinations())).toMatchObject({ error: attemptErrors.refused, cause: 'EDESTINATION' });
      expect(l.connections()).toBe(0);
      expect(await postWebhook(`http://${name}:${l.port}/`, {}, '{}', new WebhookDestinations([name]))).toEqual({ status: 204 });
      expect(l.connections()).toBe(1);
    } finally {
      await l.close();
    }
  });

  it('gives up on a receiver that does not answer in time, and says so', async () => {
    const server = createServer(() => {}); // reads the request, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const started = Date.now();
      expect(await postWebhook(`http://127.0.0.1:${port}/`, { 'Content-Type': 'application/json' }, '{}', allowLoopback, 300)).toMatchObject({ error: 'no answer within 0.3 s' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a refused connection without the low-level error', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    expect(await postWebhook(`http://127.0.0.1:${port}/`, {}, '{}', allowLoopback)).toEqual({ error: attemptErrors.unreachable, cause: 'ECONNREFUSED' });
  });
});
