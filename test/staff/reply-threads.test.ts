import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock, hours } from '../helpers/clock.js';
import { buildTestServer, type TestServer } from '../helpers/build.js';
import { customerTimeline } from '../../src/insights/timeline.js';
import { say, transcript, visitor } from './web-chat.js';

/** Closing the loop is a conversation: the customer's answer to a `/reply` reaches the owner who replied. */
describe('a conversation opened by /reply (web chat)', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const owner = visitor();
  let server: TestServer;
  beforeAll(async () => {
    server = await buildTestServer({ WEB_CHAT_ENABLED: 'true', SWEEP_INTERVAL: '0', OWNER_ADDRESSES: `web:${owner}` }, { now: clock.now });
  });
  afterAll(() => server?.close());
  beforeEach(() => clock.reset());

  /** A completed detractor survey of a new customer, and its id. */
  async function answered(customer: string): Promise<string> {
    const [sent] = await say(server.app, owner, `/survey nps web:${customer}`);
    const surveyId = /survey ([a-f0-9]{24})/.exec(sent ?? '')![1]!;
    await say(server.app, customer, '4');
    await say(server.app, customer, 'The order came late');
    clock.advance(hours(1));
    expect(await say(server.app, owner, `/reply ${surveyId} Sorry! What was missing?`)).toEqual(['Reply sent to the customer.']);
    clock.advance(hours(1));
    return surveyId;
  }
  const forwardedTo = async (address: string, surveyId: string) => {
    await (await server.app.businesses.get('default'))!.pipeline.drain();
    return (await transcript(server.app, address)).filter((t) => t.startsWith(`Answer from the customer (survey ${surveyId})`));
  };

  it("forwards the customer's answer to the owner, stores it on the survey and the timeline, once per message", async () => {
    const customer = visitor();
    const surveyId = await answered(customer);
    expect(await say(server.app, customer, 'The dessert, again', 'answer-1')).toEqual(['Thanks, we passed your message on to Our shop.']);
    expect(await forwardedTo(owner, surveyId)).toEqual([`Answer from the customer (survey ${surveyId}): "The dessert, again"\nReply with: /reply ${surveyId} <your message>. End the conversation with: /end ${surveyId}`]);

    // The same message delivered again: nothing more forwarded or stored.
    await say(server.app, customer, 'The dessert, again', 'answer-1');
    expect(await forwardedTo(owner, surveyId)).toHaveLength(1);
    const survey = await server.app.store.surveys.byId(surveyId);
    expect(survey?.replies.map((r) => [r.by === 'customer' ? 'customer' : 'business', r.text])).toEqual([
      ['business', 'Sorry! What was missing?'],
      ['customer', 'The dessert, again'],
    ]);
    const timeline = await customerTimeline(server.app.store, 'default', survey!.customerId);
    const entry = timeline?.entries.find((e) => e.item === 'survey' && e.surveyId === surveyId);
    expect(entry && 'replies' in entry ? entry.replies.map((r) => r.from) : []).toEqual(['business', 'customer']);
  });

  it('stops forwarding when the owner ends the conversation', async () => {
    const customer = visitor();
    const surveyId = await answered(customer);
    expect(await say(server.app, owner, `/end ${surveyId}`)).toEqual([`Conversation ended (survey ${surveyId}): the customer's further messages are no longer forwarded.`]);
    expect(await say(server.app, customer, 'Hello?')).toEqual([]);
    expect(await forwardedTo(owner, surveyId)).toEqual([]);
    expect(await say(server.app, owner, `/end ${surveyId}`)).toEqual([`No open conversation on survey ${surveyId}.`]);
  });

  it('stops forwarding a week after the last reply', async () => {
    const customer = visitor();
    const surveyId = await answered(customer);
    clock.advance(hours(24 * 7));
    expect(await say(server.app, customer, 'Anyone there?')).toEqual([]);
    expect(await forwardedTo(owner, surveyId)).toEqual([]);
  });
});
