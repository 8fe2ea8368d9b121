import type { Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestServer, type TestServer } from '../../helpers/build.js';
import { TestClock } from '../../helpers/clock.js';
import { named, namedOutsideDirectory, recordCommands } from '../../helpers/commands.js';
import { newSid, startFakeTwilio, type FakeTwilio } from '../../helpers/fake-twilio.js';
import { accountSid, authToken, publicUrl, smsEnv } from '../../channels/sms/harness.js';

const key = 'k_upload_round_trips_0123456789';

/**
 * An upload's rows are written a group at a time: the database commands of a 50-row upload do not
 * grow with its rows (one row at a time, each made about five), and every row's result is what it
 * was one at a time: queued, opted out, asked too recently, already open, or its error.
 */
describe('POST /api/v1/surveys: an upload in a few writes', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  let fake: FakeTwilio;
  let server: TestServer;
  let commands: string[] = [];
  let upserts: Document[][] = [];

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken, publicUrl });
    // The send window is closed at 15:00: invitations wait in the outbox, so only the upload's writes are counted.
    const env = smsEnv(fake, { SWEEP_INTERVAL: '0', SEND_WINDOW: '09:00-10:00', BUSINESS_TIME_ZONE: 'UTC', THROTTLE_DAYS: '30', API_KEY: key });
    server = await buildTestServer(env, { now: clock.now, monitorCommands: true });
    commands = recordCommands(server.app, namedOutsideDirectory);
    upserts = recordCommands(server.app, (e) => (named(e) === 'update customers' ? (e.command.updates as Document[]).filter((u) => u.upsert) : undefined));
  });
  afterAll(async () => {
    await server?.close();
    await fake?.close();
  });

  const phone = (i: number) => `+1416555${String(i).padStart(4, '0')}`;
  const upload = (rows: unknown[]) => server.app.inject({ method: 'POST', url: '/api/v1/surveys', headers: { 'x-api-key': key }, payload: rows });

  it('writes 50 rows in a handful of commands, each row with its own result', async () => {
    const asked = phone(1);
    const stopped = phone(2);
    expect((await upload([{ kind: 'nps', channel: 'sms', address: asked }])).json().results[0]).toMatchObject({ ok: true, status: 'queued' });
    await fake.receive(server.app, { from: stopped, body: 'STOP', messageSid: newSid('SM') });

    const fresh = Array.from({ length: 46 }, (_, i) => ({ kind: (['nps', 'csat', 'ces'] as const)[i % 3], channel: 'sms', address: phone(100 + i), tags: ['spring'] }));
    const rows = [
      { kind: 'nps', channel: 'sms', address: asked },
      { kind: 'nps', channel: 'sms', address: stopped },
      { kind: 'nps', channel: 'sms', address: '555' },
      ...fresh,
      // The same customer twice in one upload: one survey; the other row is told it is open, or (its
      // customer marked asked already) that it was asked too recently.
      { kind: 'csat', channel: 'sms', address: phone(100) },
    ];
    commands.length = 0;
    upserts.length = 0;
    const res = await upload(rows);
    const spent = [...commands];

    expect(res.statusCode).toBe(200);
    const body = res.json() as { accepted: number; rejected: number; results: Array<{ row: number; ok: boolean; status?: string; error?: string; surveyId?: string }> };
    expect(body.results.map((r) => r.row)).toEqual(rows.map((_, i) => i + 1));
    expect(body.results[0]).toMatchObject({ ok: true, status: 'throttled' });
    expect(body.results[1]).toMatchObject({ ok: true, status: 'opted_out' });
    expect(body.results[2]).toMatchObject({ ok: false, error: expect.stringMatching(/not a valid phone number/) });
    expect(body.results.slice(3, 49).map((r) => r.status)).toEqual(fresh.map(() => 'queued'));
    expect(['already_open', 'throttled']).toContain(body.results[49]!.status);
    expect(await server.app.store.surveys.model.countDocuments({ address: phone(100) })).toBe(1);
    expect(body).toMatchObject({ accepted: 49, rejected: 1 });

    // Stored as one row at a time stored them: 46 surveys with their tags, one invitation each, the customers marked asked.
    const stored = await server.app.store.surveys.model.find({ address: { $in: fresh.map((r) => r.address) } }).lean();
    expect(stored).toHaveLength(46);
    expect(stored.every((s) => (s.tags as string[]).includes('spring') && s.state === 'invited')).toBe(true);
    expect(await server.app.store.outbox.model.countDocuments({ purpose: 'invitation', address: { $in: fresh.map((r) => r.address) } })).toBe(46);
    const customers = await server.app.store.customers.model.find({ address: { $in: fresh.map((r) => r.address) } }).lean();
    expect(customers.map((c) => c.lastSurveyedAt?.toISOString())).toEqual(fresh.map(() => clock.now().toISOString()));
    expect(await server.app.store.surveys.model.countDocuments({ address: { $in: [asked, stopped] } })).toBe(1);

    // One row at a time this was about 5 commands a row (over 230); now a few per group of rows.
    console.log(`a 50-row upload: ${spent.length} commands (${spent.join(', ')})`);
    // The counters' increments go together as the database's write guard allows (one at a time on
    // FerretDB, whose concurrent updates can be lost; see test/store/batched-writes.test.ts).
    const counters = spent.filter((c) => c === 'update week_counts').length;
    expect(spent.length - counters).toBeLessThanOrEqual(8);
    expect(counters).toBeLessThanOrEqual(fresh.length);

    // Each customer upsert names the whole unique key by value, so every server serves it by that
    // index (an $in on the address made the test server scan the customers once per row).
    const filters = upserts.flat().map((u) => u.q as Document);
    expect(filters.length).toBeGreaterThanOrEqual(fresh.length);
    for (const q of filters) {
      expect(Object.keys(q).sort()).toEqual(['address', 'businessId', 'channel']);
      expect(Object.values(q).every((v) => typeof v === 'string')).toBe(true);
    }
  });
});
