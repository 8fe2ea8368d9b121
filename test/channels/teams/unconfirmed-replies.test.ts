import { describe, expect, it, vi } from 'vitest';
import { unconfirmedReplyMs } from '../../../src/surveys/sweeper.js';
import { TestClock } from '../../helpers/clock.js';
import { installActivity, messageActivity, postActivity, teamsUser } from '../../helpers/fake-bot-connector.js';
import { useTeamsServer } from './teams-server.js';

/**
 * A Teams reply the Bot Connector refused for a while: the webhook answers 500 and, when nothing
 * delivers the activity again, the sweeper sends the reply itself through the stored conversation,
 * two minutes on, once.
 */
describe('Teams replies that could not go out', () => {
  const clock = new TestClock();
  const t = useTeamsServer(clock);

  it('are sent by the sweeper when no redelivery came, and not again on a late one', { timeout: 30_000 }, async () => {
    const user = teamsUser();
    const options = { user, serviceUrl: t.connector.serviceUrl };
    expect((await postActivity(t.server.app, installActivity(options))).statusCode).toBe(200);
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'teams', address: user.aadObjectId, trigger: 'api' });
    if (started.status !== 'sent') throw new Error(`invitation ${started.status}`);

    // Every try at the reply is refused (503); the SDK reports the failed turn on the console.
    t.connector.failNext({ status: 503, code: 'ServiceUnavailable', retryAfter: '0', times: 20 });
    const answer = messageActivity('9', options);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await postActivity(t.server.app, answer).finally(() => quiet.mockRestore());
    expect(res.statusCode).toBe(500);
    expect(t.connector.refused).toBeGreaterThan(0);
    t.connector.reset(); // the Bot Connector answers again
    expect((await t.server.app.store.surveys.model.findById(started.surveyId).lean())?.score).toBe(9);

    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await t.server.app.sweeper.sweep()).repliesQueued).toBe(1);
    // The follow-up question, sent into the person's conversation (not as a reply to an activity).
    expect(t.connector.activities).toHaveLength(1);
    expect(t.connector.activities[0]).toMatchObject({ kind: 'send', conversationId: answer.conversation.id });
    expect(t.connector.cards()[0]?.card.body.map((b) => b.text).join(' ')).toMatch(/like most/i);

    // The activity delivered again after all gets nothing more, and neither does the next sweep.
    expect((await postActivity(t.server.app, answer)).statusCode).toBe(200);
    clock.advance(unconfirmedReplyMs + 1_000);
    expect((await t.server.app.sweeper.sweep()).repliesQueued).toBe(0);
    expect(t.connector.activities).toHaveLength(1);
  });
});
