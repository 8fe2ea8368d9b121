/**
 * A person named by several identifiers (a phone number in one event, an e-mail in another, an
 * external id), in one events batch or over several: the data export lists every event of theirs,
 * and an erasure leaves none of the identifiers in any collection:
 *   erasure across linked identifiers: people 2, identifiers 6, hits left 0 in 16 collections
 * Before, `{phone, email}` and `{email}` in one batch made two customers, and erasing one left the
 * other with its e-mail and event. An erased customer then refuses new tags (409), where it took them.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figure } from './figures.js';
import { secrets, startRig, type Rig } from './rig.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ logLevel: 'silent' });
});
afterAll(async () => rig?.close());

const at = '2026-03-01T10:00:00Z';
const purchase = (id: string, customer: object) => ({ type: 'purchase', at, source: 'shop', sourceEventId: id, customer, attributes: { product: 'Tea' } });
const ids = (res: LightMyRequestResponse) => (res.json() as { results: Array<{ customerId?: string; status: string }> }).results;

/** How many documents of each collection still hold one of these strings anywhere. */
async function hits(needles: readonly string[]): Promise<Record<string, number>> {
  const db = rig.app.db.db!;
  const counts: Record<string, number> = {};
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    const docs = await db.collection(name).find({}).toArray();
    counts[name] = docs.filter((d) => needles.some((n) => JSON.stringify(d).includes(n))).length;
  }
  return counts;
}

describe('erasure across linked identifiers', () => {
  it('one batch with {phone, email} and {email} is one person: exported whole, erased whole', async () => {
    const phone = '+14155557101';
    const email = 'mira.one@example.test';
    const batch = await rig.api('POST', '/api/v1/events', [purchase('b1-1', { phone, email }), purchase('b1-2', { email })]);
    expect(batch.statusCode, batch.body).toBe(200);
    const [first, second] = ids(batch);
    expect(second?.customerId).toBe(first?.customerId);

    const exported = await rig.api('GET', `/api/v1/customers/${first!.customerId}/export`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect((exported.json() as { events: unknown[] }).events).toHaveLength(2);
  });

  it('records made apart (a phone, then an e-mail, then an external id) are linked by an event naming them together', async () => {
    const phone = '+14155557102';
    const email = 'mira.two@example.test';
    const externalId = 'crm-mira-2';
    const a = ids(await rig.api('POST', '/api/v1/events', [purchase('b2-1', { phone })]))[0]!;
    const b = ids(await rig.api('POST', '/api/v1/events', [purchase('b2-2', { email })]))[0]!;
    const c = ids(await rig.api('POST', '/api/v1/events', [purchase('b2-3', { externalId })]))[0]!;
    expect(new Set([a.customerId, b.customerId, c.customerId]).size).toBe(3);
    // A survey to the number, answered with a comment: the person has an SMS conversation too.
    expect((await rig.api('POST', '/api/v1/surveys', { kind: 'nps', channel: 'sms', address: phone, name: 'Mira Two' })).statusCode).toBe(201);
    await rig.twilio.receive(rig.app, { from: phone, body: '3', messageSid: 'SM' + 'a'.repeat(32) });
    await rig.twilio.receive(rig.app, { from: phone, body: 'cold tea', messageSid: 'SM' + 'b'.repeat(32) });
    // One event names the phone and the e-mail, another the e-mail and the external id.
    await rig.api('POST', '/api/v1/events', [purchase('b2-4', { phone, email }), purchase('b2-5', { externalId, email })]);

    const exported = (await rig.api('GET', `/api/v1/customers/${b.customerId}/export`)).json() as { events: unknown[]; customers: unknown[]; surveys: unknown[] };
    expect(exported.customers).toHaveLength(3);
    expect(exported.events).toHaveLength(5);
    expect(exported.surveys).toHaveLength(1);
  });

  it('erasing either leaves no identifier of the person in any collection, and the tombstone refuses tags', async () => {
    const people = [
      { erase: 'mira.one@example.test', needles: ['+14155557101', '4155557101', 'mira.one@example.test'] },
      { erase: 'mira.two@example.test', needles: ['+14155557102', '4155557102', 'mira.two@example.test', 'crm-mira-2', 'Mira Two', 'cold tea'] },
    ];
    const customers = rig.app.db.db!.collection<{ _id: unknown; email?: string }>('customers');
    let left = 0;
    let collections = 0;
    for (const p of people) {
      const target = await customers.findOne({ email: p.erase });
      const erased = await rig.api('DELETE', `/api/v1/customers/${String(target!._id)}`);
      expect(erased.statusCode, erased.body).toBe(200);
      const found = await hits(p.needles);
      collections = Object.keys(found).length;
      left += Object.values(found).reduce((sum, n) => sum + n, 0);
      expect(found, p.erase).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, 0])));

      const tagged = await rig.app.inject({ method: 'PATCH', url: `/api/v1/customers/${String(target!._id)}`, headers: { 'x-api-key': secrets.apiKey, 'content-type': 'application/json' }, payload: JSON.stringify({ tags: ['vip'] }) });
      expect(tagged.statusCode, tagged.body).toBe(409);
      expect(tagged.json()).toMatchObject({ detail: expect.stringContaining('erased') });
    }
    figure(`erasure across linked identifiers: people ${people.length}, identifiers ${people.reduce((n, p) => n + p.needles.length, 0)}, hits left ${left} in ${collections} collections`);
  });
});
