import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFeature, featuresOf } from '../../src/insights/event-features.js';
import { importEventsCsv, recordEvents } from '../../src/insights/events.js';
import { ValidationError } from '../../src/errors.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';

const now = new Date('2026-03-10T12:00:00Z');
const options = { country: 'US', now };

describe('events from other systems', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ SWEEP_INTERVAL: '0' });
  });
  afterAll(() => server.close());

  const batch = [
    { type: 'purchase', at: '2026-03-01T10:00:00Z', source: 'shop', sourceEventId: 'o-1', customer: { phone: '(415) 555-2671' }, attributes: { product: 'Kettle', amount: 40 } },
    { type: 'delivery', at: '2026-03-03T10:00:00Z', source: 'shop', sourceEventId: 'd-1', customer: { phone: '+1 415 555 2671', email: 'Ann@Example.com' }, attributes: { onTime: false, daysLate: 2 } },
    { type: 'support_ticket', at: '2026-03-04T10:00:00Z', source: 'desk', sourceEventId: 't-1', customer: { externalId: 'crm-7' }, attributes: { status: 'resolved', minutesToResolution: 90 } },
    { type: 'refund', at: '2026-03-05T10:00:00Z', source: 'shop', sourceEventId: 'r-1', customer: { email: 'bo@example.com' }, attributes: { amount: -5 } },
    { type: 'web_visit', at: 'yesterday', source: 'web', sourceEventId: 'w-1', customer: { email: 'bo@example.com' }, attributes: { page: '/pricing' } },
    { type: 'custom', at: '2026-03-06T10:00:00Z', source: 'pos', sourceEventId: 'c-1', customer: {}, attributes: { name: 'visit' } },
    { type: 'social_mention', at: '2026-03-06T10:00:00Z', source: 'x', sourceEventId: 's-1', customer: { phone: '12' }, attributes: { text: 'hm' } },
  ];

  it('stores valid events once, matches or creates their customers, and rejects the others with the reason', async () => {
    const first = await recordEvents(server.app.store, 'default', batch, options);
    expect(first.map((r) => r.status)).toEqual(['created', 'created', 'created', 'rejected', 'rejected', 'rejected', 'rejected']);
    const reasons = first.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(reasons[0]).toMatch(/^attributes\.amount: /);
    expect(reasons[1]).toMatch(/^at: /);
    expect(reasons[2]).toMatch(/^customer: give externalId, phone or email/);
    expect(reasons[3]).toBe('customer.phone: not a valid phone number');
    // Both phone spellings are one SMS customer (E.164); the e-mail was stored on creation.
    const [purchase, delivery, ticket] = first as Array<{ customerId: string }>;
    expect(delivery!.customerId).toBe(purchase!.customerId);
    const customer = await server.app.store.customers.byId(purchase!.customerId, 'default');
    expect(customer).toMatchObject({ channel: 'sms', address: '+14155552671', email: 'ann@example.com' });
    expect(await server.app.store.customers.byId(ticket!.customerId, 'default')).toMatchObject({ channel: 'external', address: 'id:crm-7', externalId: 'crm-7' });

    const again = await recordEvents(server.app.store, 'default', batch.slice(0, 3), options);
    expect(again.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(await server.app.store.events.model.countDocuments({ businessId: 'default' })).toBe(3);
    // Found by e-mail now: the same customer, no new one.
    const byEmail = await recordEvents(server.app.store, 'default', [{ ...batch[0], sourceEventId: 'o-2', customer: { email: 'ann@example.com' } }], options);
    expect(byEmail).toEqual([{ index: 0, status: 'created', customerId: purchase!.customerId }]);
  });

  it('keeps a detail its type does not name (a refund\'s days) as a feature, and refuses more than 20 attributes', async () => {
    const refund = { type: 'refund', at: '2026-03-05T10:00:00Z', source: 'shop', sourceEventId: 'r-days', customer: { externalId: 'crm-days' }, attributes: { amount: 30, days: 14 } };
    const [stored] = await recordEvents(server.app.store, 'extra', [refund], options);
    expect(stored?.status).toBe('created');
    const [event] = await server.app.store.events.ofCustomers('extra', [(stored as { customerId: string }).customerId]);
    expect(event?.attributes).toEqual({ amount: 30, days: 14 });
    expect(featuresOf(event!).map(describeFeature)).toEqual(['a refund', 'a refund for an amount of 20-99', 'a refund with days 10-99']);
    const crowded = { ...refund, sourceEventId: 'r-many', attributes: Object.fromEntries([['amount', 1], ...Array.from({ length: 20 }, (_, i) => [`a${i}`, i])]) };
    expect(await recordEvents(server.app.store, 'extra', [crowded, { ...refund, sourceEventId: 'r-object', attributes: { amount: 1, days: { $gt: 0 } } }], options)).toMatchObject([
      { status: 'rejected', reason: 'attributes: at most 20 attributes' },
      { status: 'rejected', reason: expect.stringMatching(/^attributes\.days: /) },
    ]);
  });

  it('keeps businesses apart: the same source event id is another business’s own event', async () => {
    const other = await recordEvents(server.app.store, 'other', batch.slice(0, 1), options);
    expect(other[0]?.status).toBe('created');
    const theirs = (other[0] as { customerId: string }).customerId;
    expect(await server.app.store.customers.byId(theirs, 'default')).toBeUndefined();
  });

  it('stores a batch sent twice at once exactly once', async () => {
    const twice = Array.from({ length: 50 }, (_, i) => ({ ...batch[2], sourceEventId: `par-${i}`, customer: { externalId: `p-${i % 5}` } }));
    const [a, b] = await Promise.all([recordEvents(server.app.store, 'par', twice, options), recordEvents(server.app.store, 'par', twice, options)]);
    const created = [...a!, ...b!].filter((r) => r.status === 'created').length;
    expect(created).toBe(50);
    expect(await server.app.store.events.model.countDocuments({ businessId: 'par' })).toBe(50);
  });

  it('takes a time only as ISO 8601 (a bare number or null would be 1970)', async () => {
    const times = [null, 1_772_000_000_000, '2026-03-01', '2026-03-01T10:00:00+05:00', '2026-03-01T10:00:00'];
    const results = await recordEvents(server.app.store, 'times', times.map((t, i) => ({ ...batch[0], at: t, sourceEventId: `t-${i}` })), options);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'created', 'created', 'rejected']);
    const stored = await server.app.store.events.ofCustomers('times', [(results[2] as { customerId: string }).customerId]);
    expect(stored.map((e) => e.at.toISOString())).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-01T05:00:00.000Z']);
  });

  it('refuses a batch over 1,000 or an empty one as a whole', async () => {
    await expect(recordEvents(server.app.store, 'default', [], options)).rejects.toThrow(ValidationError);
    await expect(recordEvents(server.app.store, 'default', Array.from({ length: 1001 }, () => batch[0]), options)).rejects.toThrow(/at most 1000/);
  });

  it('imports the same from CSV, with a result per row', async () => {
    const csv = [
      'type,at,source,sourceEventId,externalId,phone,email,product,amount,onTime,daysLate,status,minutesToResolution',
      'purchase,2026-03-02T09:00:00Z,shop,csv-1,crm-9,,,Mug,12.5,,,,',
      'delivery,2026-03-04T09:00:00Z,shop,csv-2,crm-9,,,,,no,3,,',
      'delivery,2026-03-04T09:00:00Z,shop,csv-3,crm-9,,,,,maybe,,,',
      'purchase,2026-03-02T09:00:00Z,shop,csv-1,crm-9,,,Mug,12.5,,,,',
    ].join('\n');
    const rows = await importEventsCsv(server.app.store, 'csv', csv, options);
    expect(rows.map((r) => [r.row, r.status])).toEqual([[1, 'created'], [2, 'created'], [3, 'rejected'], [4, 'duplicate']]);
    const stored = await server.app.store.events.ofCustomers('csv', [(rows[0] as { customerId: string }).customerId]);
    expect(stored.map((e) => [e.type, e.attributes])).toEqual([
      ['purchase', { product: 'Mug', amount: 12.5 }],
      ['delivery', { onTime: false, daysLate: 3 }],
    ]);
  });
});
