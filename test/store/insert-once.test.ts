import mongoose, { Types, type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxRepository } from '../../src/store/outbox.js';
import { SurveyRepository } from '../../src/store/surveys.js';
import { WebhookDeliveryRepository } from '../../src/store/webhooks.js';
import { insertOnce } from '../../src/store/work-queue.js';
import type { AnyModel } from '../../src/store/model.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';

/**
 * `insertOnce` writes its documents without a mongoose document each (an upload inserts thousands):
 * what it stores must be what mongoose's own insert stores for the same input, defaults, casts and
 * timestamps included, on the suite's database and on FerretDB.
 */
const at = new Date('2026-11-30T09:00:00Z');
const survey = (extra: Record<string, unknown> = {}) => ({
  _id: new Types.ObjectId(),
  businessId: 'b1',
  customerId: new Types.ObjectId(),
  channel: 'sms',
  address: '+14165550100',
  kind: 'nps',
  state: 'invited',
  openKey: `b1|sms|+1416555${Math.floor(Math.random() * 1e7)}`,
  locale: 'en',
  trigger: 'api',
  invitedAt: at,
  week: '2026-11-30',
  ...extra,
});
const outboxItem = (extra: Record<string, unknown> = {}) => ({
  _id: new Types.ObjectId(),
  businessId: 'b1',
  channel: 'sms',
  address: '+14165550100',
  purpose: 'invitation',
  surveyId: new Types.ObjectId(),
  message: { text: 'How likely are you to recommend us? Reply 0-10.' },
  nextAttemptAt: at,
  ...extra,
});
const delivery = () => ({ _id: new Types.ObjectId(), businessId: 'b1', subscriptionId: new Types.ObjectId(), eventId: 'e1', eventType: 'survey.completed', body: '{"a":1}', createdAt: at, nextAttemptAt: at });

const cases: Array<[string, (conn: Connection) => AnyModel, Array<Record<string, unknown>>]> = [
  [
    'surveys',
    (conn) => SurveyRepository.model(conn),
    [
      survey(),
      survey({ tags: ['store-01'], vars: { business: 'Our shop', customerName: 'Ana' }, context: { product: 'p1', location: 'Leeds' }, precededBy: ['refund'] }),
      survey({ vars: {}, tags: [], unknownField: 'left out' }),
      survey({ trigger: 'import', state: 'completed', score: '9', band: 'promoter', answeredAt: at, imported: { source: 'csv', sourceId: 'r1', at } }),
    ],
  ],
  ['outbox', (conn) => OutboxRepository.model(conn), [outboxItem(), outboxItem({ state: 'sending', attempts: 1, lockedUntil: at }), outboxItem({ surveyId: undefined, purpose: 'alert' }), outboxItem({ createdAt: at })]],
  ['webhook deliveries', (conn) => WebhookDeliveryRepository.model(conn), [delivery(), delivery()]],
];

describe.each([
  ['suite database', () => databaseUri()],
  ['FerretDB', () => ferretDbUri()],
])('insertOnce stores what mongoose would (%s)', (_label, uri) => {
  const conns: Connection[] = [];
  afterAll(async () => {
    for (const conn of conns) {
      await conn.db?.dropDatabase().catch(() => {});
      await conn.close();
    }
  });

  it.each(cases)('%s: the same documents, defaults and timestamps as Model.insertMany', { timeout: 60_000 }, async (_name, modelOf, docs) => {
    const [viaMongoose, viaInsertOnce] = await Promise.all([0, 1].map(() => mongoose.createConnection(uri(), { dbName: uniqueDbName('insert_once') }).asPromise()));
    conns.push(viaMongoose!, viaInsertOnce!);
    // Indexes first: an insert racing the model's index build is refused by mongo-java-server.
    await Promise.all([modelOf(viaMongoose!).init(), modelOf(viaInsertOnce!).init()]);
    const before = Date.now();
    await modelOf(viaMongoose!).insertMany(docs, { ordered: false });
    expect(await insertOnce(modelOf(viaInsertOnce!), docs as Array<{ _id: Types.ObjectId }>)).toEqual(new Set());
    const stored = async (conn: Connection) => {
      const model = modelOf(conn);
      const found = await model.collection.find({}).sort({ _id: 1 }).toArray();
      // A time set at the insert reads as such (the two inserts are not at the same millisecond); a time given stays as given.
      const atInsert = (t: unknown) => (t instanceof Date && t.getTime() >= before - 1000 && t.getTime() <= Date.now() + 1000 ? 'set at the insert' : t);
      return found.map(({ createdAt, updatedAt, ...rest }) => {
        if (model.schema.get('timestamps') === true) {
          expect(createdAt).toBeInstanceOf(Date);
          expect(updatedAt).toBeInstanceOf(Date);
        }
        return { ...rest, createdAt: atInsert(createdAt), updatedAt: atInsert(updatedAt) };
      });
    };
    const [a, b] = [await stored(viaMongoose!), await stored(viaInsertOnce!)];
    expect(a).toHaveLength(docs.length);
    expect(b).toEqual(a);
  });

  it('leaves an item whose name is taken as it is, and says which', { timeout: 60_000 }, async () => {
    const conn = await mongoose.createConnection(uri(), { dbName: uniqueDbName('insert_once') }).asPromise();
    conns.push(conn);
    const model = OutboxRepository.model(conn);
    await model.init();
    const first = outboxItem();
    expect(await insertOnce(model, [first])).toEqual(new Set());
    const again = [outboxItem(), { ...first, message: { text: 'changed' } }, outboxItem()];
    expect(await insertOnce(model, again)).toEqual(new Set([1]));
    const kept = await model.collection.findOne({ _id: first._id });
    expect(kept?.message).toEqual(first.message);
    expect(await model.collection.countDocuments({})).toBe(3);
  });
});
