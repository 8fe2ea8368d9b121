import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerTimeline } from '../../src/insights/timeline.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

const day = (d: number) => new Date(Date.UTC(2026, 2, 2, 12) + d * 86_400_000);

describe('a person’s timeline', () => {
  let server: TestServer;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
    const { customers, surveys, events } = server.app.store;
    const a = await customers.upsert({ businessId: 'default', channel: 'sms', address: '+14155552671' });
    const b = await customers.upsert({ businessId: 'default', channel: 'telegram', address: '777' }, { personId: a.id });
    await customers.setPerson(a.id, a.id);
    const c = await customers.upsert({ businessId: 'default', channel: 'sms', address: '+14155552672' });
    const survey = (customerId: string, channel: string, d: number, fields: Record<string, unknown>) => {
      const _id = new Types.ObjectId();
      return { _id, businessId: 'default', customerId: new Types.ObjectId(customerId), channel, address: 'x', kind: 'nps', state: 'completed', openKey: `closed:${_id.toString()}`, locale: 'en', vars: { business: 'Acme' }, trigger: 'api', invitedAt: day(d), week: '2026-03-02', tags: [], ...fields };
    };
    const docs = [
      survey(a.id, 'sms', 1, { score: 9, band: 'promoter', comment: 'great', answeredAt: new Date(day(1).getTime() + 60_000), context: { product: 'Kettle' } }),
      survey(b.id, 'telegram', 5, { kind: 'csat', score: 2, band: 'detractor', comment: 'cold tea', answeredAt: day(5), replies: [{ text: 'So sorry', at: day(6), by: 'owner' }] }),
      survey(a.id, 'sms', 8, { state: 'invited', openKey: 'default:sms:+14155552671' }),
      survey(c.id, 'sms', 2, { score: 0, band: 'detractor', answeredAt: day(2) }),
    ];
    await surveys.model.insertMany(docs);
    const event = (customerId: string, d: number, type: 'purchase' | 'delivery', attributes: Record<string, string | boolean>, businessId = 'default') =>
      ({ businessId, customerId, type, at: day(d), source: 'shop', sourceEventId: `${type}-${d}-${customerId}-${businessId}`, attributes });
    await events.record([event(a.id, 0, 'purchase', { product: 'Kettle' }), event(b.id, 4, 'delivery', { onTime: false }), event(c.id, 3, 'purchase', { product: 'Mug' }), event(a.id, 3, 'purchase', { product: 'Mug' }, 'other')], day(9));
    Object.assign(ids, { a: a.id, b: b.id, c: c.id, s1: docs[0]!._id.toString(), s2: docs[1]!._id.toString(), s3: docs[2]!._id.toString() });
  });
  afterAll(() => server.close());

  it('merges the surveys and events of every linked address in time order, with replies', async () => {
    const timeline = await customerTimeline(server.app.store, 'default', ids.b!);
    expect(timeline?.customerIds.sort()).toEqual([ids.a, ids.b].sort());
    expect(timeline?.entries.map((e) => (e.item === 'event' ? [e.at.toISOString(), e.type, e.attributes] : [e.at.toISOString(), e.surveyId, e.kind, e.score ?? null, e.comment ?? null]))).toEqual([
      [day(0).toISOString(), 'purchase', { product: 'Kettle' }],
      [new Date(day(1).getTime() + 60_000).toISOString(), ids.s1, 'nps', 9, 'great'],
      [day(4).toISOString(), 'delivery', { onTime: false }],
      [day(5).toISOString(), ids.s2, 'csat', 2, 'cold tea'],
      [day(8).toISOString(), ids.s3, 'nps', null, null], // not answered: at its invitation
    ]);
    const second = timeline?.entries[3];
    expect(second?.item === 'survey' && [second.band, second.channel, second.replies]).toEqual(['detractor', 'telegram', [{ text: 'So sorry', at: day(6), from: 'business' }]]);
    const first = timeline?.entries[1];
    expect(first?.item === 'survey' && first.context).toEqual({ product: 'Kettle' });
  });

  it('is the same from either address, and another person’s or business’s data stays out', async () => {
    const fromA = await customerTimeline(server.app.store, 'default', ids.a!);
    expect(fromA?.entries).toEqual((await customerTimeline(server.app.store, 'default', ids.b!))?.entries);
    const fromC = await customerTimeline(server.app.store, 'default', ids.c!);
    expect(fromC?.entries.map((e) => e.item)).toEqual(['survey', 'event']);
    expect(await customerTimeline(server.app.store, 'other', ids.a!)).toBeUndefined();
    expect(await customerTimeline(server.app.store, 'default', 'not-an-id')).toBeUndefined();
  });
});
