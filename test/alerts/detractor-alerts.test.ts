import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { detractorAlert } from '../../src/alerts/detractor-alerts.js';
import { TestClock } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { say, transcript, visitor } from '../staff/web-chat.js';

describe('detractor alerts', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const [owner, secondOwner] = [visitor(), visitor()];
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', OWNER_ADDRESSES: `web:${owner},web:${secondOwner}` }, { now: clock.now });
  });
  afterAll(() => server?.close());

  it('tells every owner at once about a detractor score, then sends the comment', async () => {
    const { app } = server;
    const customer = visitor();
    const started = await (await app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'web', address: customer, name: 'Ana' });
    const id = started.status === 'sent' ? started.surveyId : '';
    await say(app, customer, '2');
    const alert = `Detractor alert: NPS 2 from Ana. Reply with: /reply ${id} <your message>`;
    expect(await transcript(app, owner)).toEqual([alert]);
    expect(await transcript(app, secondOwner)).toEqual([alert]);

    await say(app, customer, 'cold food, slow service');
    expect((await transcript(app, owner)).at(-1)).toBe(`Comment from Ana (NPS 2): "cold food, slow service" Reply with: /reply ${id} <your message>`);
    const alerts = await app.store.outbox.model.find({ purpose: 'alert' }).lean();
    expect(alerts.map((a) => a.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(alerts[0]?.message).toMatchObject({ choices: [{ label: 'Reply', value: `/reply ${id}` }] });
  });

  it('stays quiet for passives and promoters, and for a CSAT 3', async () => {
    const { app } = server;
    for (const [kind, answer] of [['nps', '8'], ['nps', '10'], ['csat', '3'], ['ces', '4']] as const) {
      const customer = visitor();
      await (await app.businesses.get('default'))!.surveys.start({ kind, channel: 'web', address: customer });
      await say(app, customer, answer);
      await say(app, customer, 'fine');
    }
    expect(await app.store.outbox.model.countDocuments({ purpose: 'alert' })).toBe(4);
  });

  it('alerts on the detractor edge of each scale', async () => {
    const { app } = server;
    for (const [kind, answer] of [['nps', '6'], ['csat', '2'], ['ces', '3']] as const) {
      const customer = visitor();
      await (await app.businesses.get('default'))!.surveys.start({ kind, channel: 'web', address: customer });
      await say(app, customer, answer);
    }
    const texts = (await transcript(app, owner)).slice(-3);
    expect(texts.map((t) => t.split(' from ')[0])).toEqual(['Detractor alert: NPS 6', 'Detractor alert: CSAT 2', 'Detractor alert: CES 3']);
  });

  it('the Reply button value alone answers with how to write the reply', async () => {
    const id = new Types.ObjectId().toString();
    expect(await say(server.app, owner, `/reply ${id}`)).toEqual(['the reply text is missing: write it after the survey id\nUsage: /reply <survey id> <text>']);
  });

  it('words the alert without a name when there is none', () => {
    const _id = new Types.ObjectId();
    expect(detractorAlert({ id: _id.toString(), kind: 'csat', score: 1, vars: { business: 'b' } }, undefined, true).text).toBe(`Detractor alert: CSAT 1 from a customer. Reply with: /reply ${_id.toString()} <your message>`);
  });
});
