/**
 * Two server instances on one database, with the same providers and the same clock, sweeping at the
 * same moments (three passes each, side by side, at every step): the sweeper's work and the weekly
 * digest happen once.
 *   two instances (FerretDB): reminders 16 (off by 0), queued invitations 6 (off by 0), owed alerts 8 per owner (off by 0), …
 * Run on the suite's database and on FerretDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/domain/channels.js';
import { expectZero, figure } from '../attacks/figures.js';
import { startRig, type Rig } from '../attacks/rig.js';
import { hours } from '../helpers/clock.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';
import { installActivity, teamsUser } from '../helpers/fake-bot-connector.js';
import { countedAll } from '../helpers/counters.js';

const smsOwner = '+14155559200';
const telegramOwner = 999_000_333;
const channels: ChannelName[] = ['sms', 'telegram', 'teams', 'web'];

let a: Rig;
let b: Rig;

interface Customer {
  channel: ChannelName;
  address: string;
  received: () => Promise<number>;
}

let seq = 0;
async function customer(channel: ChannelName): Promise<Customer> {
  seq++;
  if (channel === 'sms') {
    const phone = `+1415555${String(5100 + seq)}`;
    return { channel, address: phone, received: async () => a.twilio.messages.filter((m) => m.to === phone).length };
  }
  if (channel === 'telegram') {
    const chatId = 870_200_000 + seq;
    return { channel, address: String(chatId), received: async () => a.telegram.sent(chatId).length };
  }
  if (channel === 'teams') {
    const user = teamsUser();
    const install = installActivity({ user, serviceUrl: a.connector.serviceUrl });
    await a.teamsPost(install);
    return { channel, address: user.aadObjectId, received: async () => a.connector.activities.filter((x) => x.conversationId === install.conversation.id && x.kind === 'send').length };
  }
  const visitor = `v_${String(seq).padStart(32, '0')}`;
  return { channel, address: visitor, received: async () => (await a.app.store.webTranscripts.list('default', visitor)).filter((l) => l.from === 'bot').length };
}

/** Both instances sweep at once, three passes each. */
async function sweepBoth(): Promise<void> {
  for (let pass = 0; pass < 3; pass++) await Promise.all([a.app.sweeper.sweep(), b.app.sweeper.sweep()]);
  await Promise.all([a.app.alerts.drain(), b.app.alerts.drain()]);
}

/** Everything the two owners were sent, text or photo caption. */
const ownerTexts = () => [
  ...a.twilio.messages.filter((m) => m.to === smsOwner).map((m) => ({ owner: 'sms', text: m.body })),
  ...a.telegram.calls
    .filter((c) => ['sendMessage', 'sendPhoto'].includes(c.method) && Number(c.payload.chat_id) === telegramOwner && c.result !== undefined)
    .map((c) => ({ owner: 'telegram', text: String(c.payload.text ?? c.payload.caption ?? '') })),
];

// The suite's database (atomic per document, as MongoDB is) and FerretDB, which `npm start` embeds and
// where the write guard's claims stand in for conditional updates.
// FerretDB is 10-25 times slower: half the customers there.
describe.each([
  ['suite database', () => databaseUri(), 2],
  ['FerretDB', () => ferretDbUri(), 1],
])('two server instances on one database (%s)', (label, uri, scale) => {
  beforeAll(async () => {
    seq = 0;
    const dbName = uniqueDbName('two_instances');
    const env = { MONGODB_URI: uri(), OWNER_ADDRESSES: `sms:${smsOwner},telegram:${telegramOwner}`, SEND_WINDOW: '09:00-20:00' };
    a = await startRig({ logLevel: 'silent', dbName, env });
    b = await startRig({ logLevel: 'silent', dbName, env, beside: a });
  });
  afterAll(async () => {
    await a?.app.db.dropDatabase().catch(() => {});
    await b?.close();
    await a?.close();
  });

  it('send each reminder, queued invitation, owed alert and digest once, and expire each survey once', { timeout: 90_000 }, async () => {
    const start = (c: Customer, kind = 'nps') => a.api('POST', '/api/v1/surveys', { kind, channel: c.channel, address: c.address });
    const silent: Customer[] = [];
    const scoredOnly: Customer[] = [];
    const owing: Customer[] = [];
    // Tuesday 15:00. Per channel (times `scale`): 2 who never answer, 1 who gives a score only, 1 detractor whose
    // alerts were never queued (as after a crash between the answer and the queueing).
    for (const channel of channels) {
      for (let i = 0; i < 2 * scale; i++) silent.push(await customer(channel));
      for (let i = 0; i < scale; i++) scoredOnly.push(await customer(channel));
      for (let i = 0; i < scale; i++) owing.push(await customer(channel));
    }
    for (const c of [...silent, ...scoredOnly, ...owing]) expect((await start(c)).statusCode).toBe(201);
    for (const c of [...scoredOnly, ...owing]) {
      const open = await a.app.store.surveys.open('default', c.channel, c.address);
      // Straight to the conversation (no pipeline): the answer is stored and owes its alerts, nothing queues them.
      await a.app.conversations.advanceById(open!.id, { type: 'text', text: scoredOnly.includes(c) ? '8' : '2' });
    }

    const twice: Record<string, number> = {};
    const counts: Record<string, number> = {};

    // The owed alerts: one per owner for each of the 8 detractors (and last week's digest, due since Monday).
    await sweepBoth();
    const alerts = ownerTexts().filter((t) => t.text.startsWith('Detractor alert'));
    counts.alerts = owing.length;
    twice.alerts = Math.abs(alerts.filter((t) => t.owner === 'sms').length - owing.length) + Math.abs(alerts.filter((t) => t.owner === 'telegram').length - owing.length);

    // 21:00: a campaign queued for the morning.
    a.clock.advance(hours(6));
    const queued: Customer[] = [];
    for (const channel of channels.filter((c) => c !== 'web')) for (let i = 0; i < scale; i++) queued.push(await customer(channel));
    for (const c of queued) expect(((await start(c, 'csat')).json() as { status: string }).status).toBe('queued');
    const before = new Map<Customer, number>();
    for (const c of [...silent, ...queued]) before.set(c, await c.received());
    a.clock.advance(hours(12)); // Wednesday 09:00
    await sweepBoth();
    counts.queued = queued.length;
    twice.queued = 0;
    for (const c of queued) twice.queued += Math.abs((await c.received()) - before.get(c)! - 1);

    // Wednesday 16:00: the reminders of those who never answered.
    a.clock.advance(hours(7));
    await sweepBoth();
    counts.reminders = silent.length;
    twice.reminders = 0;
    for (const c of silent) twice.reminders += Math.abs((await c.received()) - before.get(c)! - 1);

    // Friday 16:00: everything expires; a score without a comment counts as completed, once.
    const db = a.app.db.db!;
    const completed = () => countedAll(db, 'completed');
    const completedBefore = await completed();
    a.clock.advance(hours(48));
    await sweepBoth();
    const surveys = a.app.db.db!.collection('surveys');
    counts.expiries = await surveys.countDocuments({ state: { $in: ['expired', 'completed'] }, abandonedAt: { $exists: true } });
    twice.expiries = Math.abs((await completed()) - completedBefore - scoredOnly.length - owing.length);

    // Monday 09:00: this week's digest. Each digest (last week's and this one) once to each owner.
    a.clock.advance(hours(65));
    await sweepBoth();
    const periods = (await a.app.db.db!.collection<{ periodStart: string }>('digests').find({}).toArray()).map((d) => d.periodStart);
    const digestsTo = (owner: string, period: string) => ownerTexts().filter((t) => t.owner === owner && new RegExp(`^(Week|Weekly digest, week of) ${period}`).test(t.text)).length;
    const digests = periods.length;
    twice.digests = Math.abs(digests - 2) + periods.reduce((n, p) => n + Math.abs(digestsTo('sms', p) - 1) + Math.abs(digestsTo('telegram', p) - 1), 0);
    const perDigest = periods.map((p) => `${p}: sms ${digestsTo('sms', p)}, telegram ${digestsTo('telegram', p)}`).join('; ');
    const stillOpen = await a.app.db.db!.collection('surveys').countDocuments({ state: { $in: ['invited', 'awaiting_comment'] } });
    // Every counter settled once by the sweepers of both: scores and completions as many as the surveys say.
    const all = await a.app.db.db!.collection('surveys').find({}).toArray();
    const sum = (metric: 'score' | 'completed') => countedAll(db, metric);
    twice.counters = Math.abs((await sum('score')) - all.filter((x) => typeof x.score === 'number').length) + Math.abs((await sum('completed')) - all.filter((x) => x.state === 'completed').length);

    figure(
      `two instances (${label}): reminders ${counts.reminders} (off by ${twice.reminders}), queued invitations ${counts.queued} (off by ${twice.queued}), owed alerts ${counts.alerts} per owner (off by ${twice.alerts}), ` +
        `expiries ${counts.expiries} (completions off by ${twice.expiries}), counters off by ${twice.counters}, digests ${digests} (${perDigest}); happened twice or not at all 0 expected, got ${Object.values(twice).reduce((x, y) => x + y, 0)}`,
    );
    expect(stillOpen).toBe(0);
    expectZero('two instances: each thing once', twice);
  });
});
