/**
 * An admin key must not turn outbound webhooks into a way into this machine or its network: every
 * encoding of an internal address, and a name that resolves to loopback, is refused when subscribed or
 * when delivered, and a real listener on loopback sees no connection.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { attemptErrors, postWebhook } from '../../src/outbound-webhooks/delivery.js';
import { WebhookDestinations } from '../../src/outbound-webhooks/destination.js';
import { say, visitor } from '../staff/web-chat.js';
import { nameOfLoopback } from '../outbound-webhooks/receiver.js';
import { expectAllRefused, figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

let rig: Rig;
const listeners: Server[] = [];
let connections = 0;
let port = 0;

/** Listen on 127.0.0.1 (and ::1 on the same port where it is free), counting every connection. */
async function listen(host: string, at: number): Promise<number> {
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at, host, () => resolve());
  });
  listeners.push(server);
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  rig = await startRig();
  port = await listen('127.0.0.1', 0);
  await listen('::1', port).catch(() => {});
});
afterAll(async () => {
  await rig?.close();
  await Promise.all(listeners.map((s) => new Promise((resolve) => s.close(resolve))));
});

it('webhook URLs that point inside: refused, no connection made', async () => {
  const hosts = ['[::ffff:127.0.0.1]', '[::ffff:169.254.169.254]', '[64:ff9b::a9fe:a9fe]', '[64:ff9b::7f00:1]', '100.100.100.200', '100.64.0.1', 'localhost.', 'hooks.localhost', '127.0.0.1', '[::1]', '[::127.0.0.1]', '169.254.169.254', '10.0.0.1', await nameOfLoopback()];
  const urls = hosts.flatMap((host) => [`https://${host}:${port}/hooks`, `http://${host}:${port}/hooks`]);

  // Through the API: refused when subscribed, or every delivery attempt refused.
  const accepted = new Map<string, string>();
  let refused = 0;
  const examples: string[] = [];
  for (const url of urls) {
    const res = await rig.api('POST', '/api/v1/webhooks', { url, events: ['survey.scored'] });
    if (res.statusCode === 400 && /private network|https/.test(res.body)) refused++;
    else if (res.statusCode === 201) accepted.set(url, (res.json() as { id: string }).id);
    else examples.push(`${url}: ${res.statusCode} ${res.body.slice(0, 100)}`);
  }
  const customer = visitor();
  expect((await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel: 'web', address: customer })).statusCode).toBe(201);
  await say(rig.app, customer, '9');
  await rig.app.outboundWebhooks.drain();
  await rig.app.sweeper.sweep();
  for (const [url, id] of accepted) {
    const items = (await rig.api('GET', `/api/v1/webhooks/${id}/deliveries`)).json().items as Array<{ status: string; lastAttempts: Array<{ error: string | null; status: number | null }> }>;
    const attempts = items.flatMap((d) => d.lastAttempts);
    if (attempts.length && attempts.every((a) => a.error === attemptErrors.refused && a.status === null)) refused++;
    else examples.push(`${url}: accepted, attempts ${JSON.stringify(attempts)}`);
  }

  // At delivery, whatever the subscription check let through: the address connected to is checked.
  let refusedAtConnect = 0;
  for (const url of urls) {
    const result = await postWebhook(url, { 'Content-Type': 'application/json' }, '{}', new WebhookDestinations(), 2_000);
    if (result.error === attemptErrors.refused && result.status === undefined) refusedAtConnect++;
    else examples.push(`${url} at delivery: ${JSON.stringify(result)}`);
  }

  expectAllRefused('webhook URLs to internal addresses (subscribe and deliver)', urls.length, refused, examples);
  expectAllRefused('webhook URLs to internal addresses (at connect time)', urls.length, refusedAtConnect, examples);
  figure(`webhook connections made to a loopback listener: ${connections}`);
  expect(connections).toBe(0);
});
