/**
 * Ballot stuffing through the web chat: answers per device and per network address, per entry
 * point, per business, per local day. The burst prints its figure:
 *   web answers from one address: tried 60, accepted 25, refused 35
 * Refused answers are said kindly, counted (GET /api/v1/metrics/refused-answers) and never stored.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from './figures.js';
import { startRig, type Rig } from './rig.js';

const perNetwork = 25;
const perDevice = 3;
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ logLevel: 'silent', env: { WEB_ANSWERS_PER_NETWORK: String(perNetwork), WEB_ANSWERS_PER_DEVICE: String(perDevice) } });
});
afterAll(async () => rig?.close());

const device = () => `d_${randomBytes(16).toString('hex')}`;
/** Open a chat and answer its question from `address` (on `on`, the rig by default): the answer's status code. */
async function answer(address: string, options: { device?: string; entry?: 'web' | 'widget' } = {}, on: Rig = rig): Promise<{ status: number; message?: string }> {
  const opened = await on.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: { kind: 'nps', ...options }, remoteAddress: address });
  expect(opened.statusCode, opened.body).toBe(201);
  const { visitorId } = opened.json() as { visitorId: string };
  const res = await on.app.inject({ method: 'POST', url: `/chat/api/visitors/${visitorId}/messages`, payload: { messageId: 'score', choice: '0' }, remoteAddress: address });
  return { status: res.statusCode, ...(res.statusCode === 429 ? { message: (res.json() as { message: string }).message } : {}) };
}
const surveys = () => rig.app.db.db!.collection('surveys').countDocuments({ channel: 'web' });
const refusedToday = async () => {
  const day = rig.clock.now().toISOString().slice(0, 10);
  const res = await rig.api('GET', `/api/v1/metrics/refused-answers?from=${day}&to=${day}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { limits: { perDevice: number; perNetwork: number }; days: Array<{ day: string; entry: string; refused: number }> };
};

describe('web answers past the daily limits', () => {
  it('a burst from one address with a new device each time: the network limit holds, the rest refused and counted', { timeout: 120_000 }, async () => {
    const tried = 60;
    const results: Array<{ status: number; message?: string }> = [];
    for (let i = 0; i < tried; i += 10) results.push(...(await Promise.all(Array.from({ length: 10 }, () => answer('203.0.113.50', { device: device() })))));
    const accepted = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 429).length;
    figure(`web answers from one address: tried ${tried}, accepted ${accepted}, refused ${refused}`);
    expect(accepted).toBe(perNetwork);
    expect(refused).toBe(tried - perNetwork);
    expect(results.find((r) => r.message)?.message).toMatch(/^Thank you! .*not counted/);
    // Only accepted answers are surveys; the refused ones are a count.
    expect(await surveys()).toBe(perNetwork);
    const counted = await refusedToday();
    expect(counted.limits).toEqual({ perDevice, perNetwork });
    expect(counted.days).toEqual([{ day: rig.clock.now().toISOString().slice(0, 10), entry: 'web', refused: tried - perNetwork }]);

    // Another entry point has its own count; another address is not held up.
    expect((await answer('203.0.113.50', { entry: 'widget' })).status).toBe(200);
    expect((await answer('198.51.100.20')).status).toBe(200);
  });

  it('one device from many addresses: its own limit holds; the next day it may answer again', async () => {
    const phone = device();
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await answer(`192.0.2.${100 + i}`, { device: phone })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    const before = await surveys();
    rig.clock.advance(86_400_000);
    expect((await answer('192.0.2.120', { device: phone })).status).toBe(200);
    expect(await surveys()).toBe(before + 1);
  });

  it('hold across two server instances on one database', { timeout: 60_000 }, async () => {
    const other = await startRig({ logLevel: 'silent', dbName: rig.dbName, beside: rig, env: { WEB_ANSWERS_PER_NETWORK: String(perNetwork), WEB_ANSWERS_PER_DEVICE: String(perDevice) } });
    try {
      // Ten at a time, half on each instance: each count is one conditioned write in the shared store.
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 10) statuses.push(...(await Promise.all(Array.from({ length: 10 }, (_, j) => answer('203.0.113.77', { device: device() }, j % 2 ? other : rig)))).map((r) => r.status));
      expect(statuses.filter((s) => s === 200)).toHaveLength(perNetwork);
      expect(statuses.filter((s) => s === 429)).toHaveLength(30 - perNetwork);
    } finally {
      await other.close();
    }
  });

  it('are kept two days, then removed by the sweeper with the chats never answered', async () => {
    const db = rig.app.db.db!;
    expect((await rig.app.inject({ method: 'POST', url: '/chat/api/visitors', payload: {} })).statusCode).toBe(201);
    expect(await db.collection('answer_limits').countDocuments({})).toBeGreaterThan(0);
    expect(await db.collection('web_sessions').countDocuments({ startedAt: { $exists: false } })).toBeGreaterThan(0);
    rig.clock.advance(3 * 86_400_000);
    await rig.app.sweeper.sweep();
    expect(await db.collection('answer_limits').countDocuments({})).toBe(0);
    expect(await db.collection('web_sessions').countDocuments({})).toBe(0);
  });
});
