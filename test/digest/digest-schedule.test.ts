import { afterEach, describe, expect, it } from 'vitest';
import type { Channel, ChannelName } from '../../src/channels/channel.js';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { uniqueDbName } from '../helpers/database.js';
import { transcript, visitor } from '../staff/web-chat.js';

const digests = (texts: string[]) => texts.filter((t) => t.startsWith('Weekly digest'));

describe('digest scheduling', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await servers[0]?.app.db.dropDatabase().catch(() => {});
    for (const s of servers.splice(0)) await s.close();
  });

  const start = async (env: Record<string, string>, clock: TestClock, dbName: string) => {
    const server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', ...env }, { now: clock.now, dbName });
    servers.push(server);
    return server.app;
  };

  it('sends one digest, not two, from two instances and a restart at the scheduled minute', async () => {
    const clock = new TestClock('2026-03-18T14:30:00Z'); // Wed 10:30 in New York (EDT)
    const owner = visitor();
    const env = { OWNER_ADDRESSES: `web:${owner}`, BUSINESS_TIME_ZONE: 'America/New_York', DIGEST_SCHEDULE: 'wed 10:30' };
    const dbName = uniqueDbName('digest_two');
    const [a, b] = [await start(env, clock, dbName), await start(env, clock, dbName)];
    const results = await Promise.all([a.sweeper.sweep(), b.sweeper.sweep(), a.sweeper.sweep(), b.sweeper.sweep()]);
    const restarted = await start(env, clock, dbName);
    clock.advance(30_000);
    results.push(await restarted.sweeper.sweep(), await a.sweeper.sweep());
    // Marked sent exactly once, by whichever pass saw the delivery finish.
    expect(results.reduce((n, r) => n + r.digests, 0)).toBe(1);
    expect(digests(await transcript(a, owner))).toHaveLength(1);
    expect(await a.store.digests.model.find({}, { _id: 0, periodStart: 1, state: 1 }).lean()).toEqual([{ periodStart: '2026-03-09', state: 'sent' }]);
    expect(await a.store.outbox.model.countDocuments({ purpose: 'digest' })).toBe(1);
  });

  it('keeps a digest pending when the send fails and delivers it on a later sweep', async () => {
    const clock = new TestClock('2026-03-16T09:00:00Z');
    const owner = visitor();
    const app = await start({ OWNER_ADDRESSES: `web:${owner}` }, clock, uniqueDbName('digest_retry'));
    const channels = (await app.businesses.get('default'))!.channels as Map<ChannelName, Channel>;
    const web = channels.get('web')!;
    let failures = 1;
    // Changed in place: the web chat's routes find this very channel for the business.
    const send = web.send.bind(web);
    web.send = async (to, message) => (failures-- > 0 ? Promise.reject(new Error('provider answered 500')) : send(to, message));

    expect((await app.sweeper.sweep()).digests).toBe(0);
    expect(digests(await transcript(app, owner))).toHaveLength(0);
    expect((await app.store.digests.model.findOne({}).lean())?.state).toBe('pending');

    clock.advance(60_000);
    expect((await app.sweeper.sweep()).digests).toBe(1);
    expect(digests(await transcript(app, owner))).toHaveLength(1);
    expect((await app.store.digests.model.findOne({}).lean())?.state).toBe('sent');
  });

  it('gives up on an owner identity after three failed sends and settles the digest for the rest', async () => {
    const clock = new TestClock('2026-03-16T09:00:00Z');
    const [reachable, refusing] = [visitor(), visitor()];
    const app = await start({ OWNER_ADDRESSES: `web:${reachable},web:${refusing}` }, clock, uniqueDbName('digest_give_up'));
    const channels = (await app.businesses.get('default'))!.channels as Map<ChannelName, Channel>;
    const web = channels.get('web')!;
    const tried: string[] = [];
    const send = web.send.bind(web);
    web.send = async (to, message) => (to === refusing ? (tried.push(to), { status: 'failed', error: 'recipient refuses messages' }) : send(to, message));

    for (let pass = 0; pass < 6; pass++) {
      await app.sweeper.sweep();
      clock.advance(60_000);
    }
    expect(tried).toHaveLength(3);
    expect(await app.store.outbox.model.countDocuments({ purpose: 'digest', address: refusing })).toBe(3);
    expect(digests(await transcript(app, reachable))).toHaveLength(1);
    const digest = await app.store.digests.model.findOne({}).lean();
    expect(digest?.state).toBe('sent');
    expect(digest?.items.map((i: { address: string; tries: number; gaveUp?: boolean }) => [i.address, i.tries, i.gaveUp ?? false])).toEqual([
      [reachable, 1, false],
      [refusing, 3, true],
    ]);
  });

  it('marks a digest failed, and stops trying, when no owner can be reached', async () => {
    const clock = new TestClock('2026-03-16T09:00:00Z');
    const owner = visitor();
    const app = await start({ OWNER_ADDRESSES: `web:${owner}` }, clock, uniqueDbName('digest_nobody'));
    const channels = (await app.businesses.get('default'))!.channels as Map<ChannelName, Channel>;
    channels.set('web', { ...channels.get('web')!, send: async () => ({ status: 'failed', error: 'recipient refuses messages' }) });
    for (let pass = 0; pass < 6; pass++) {
      expect((await app.sweeper.sweep()).digests).toBe(0);
      clock.advance(60_000);
    }
    expect(await app.store.outbox.model.countDocuments({ purpose: 'digest' })).toBe(3);
    expect((await app.store.digests.model.findOne({}).lean())?.state).toBe('failed');
  });

  it('sends nothing before the scheduled time or without an owner', async () => {
    const clock = new TestClock('2026-03-16T08:59:00Z');
    const app = await start({}, clock, uniqueDbName('digest_none'));
    expect((await app.sweeper.sweep()).digests).toBe(0);
    clock.advance(60_000);
    expect((await app.sweeper.sweep()).digests).toBe(0);
    expect(await app.store.digests.model.countDocuments({})).toBe(0);
  });
});
