import { describe, expect, it } from 'vitest';
import { TestClock } from '../../helpers/clock.js';
import {
  cardSubmitActivity,
  installActivity,
  messageActivity,
  postActivity,
  teamsUser,
} from '../../helpers/fake-bot-connector.js';
import { useTeamsServer } from './teams-server.js';

/** Teams: a survey is one person's; a card answered twice, or with a value that is no score, changes nothing. */
describe('teams group chats and stale cards', () => {
  const clock = new TestClock('2026-03-10T15:00:00Z');
  const t = useTeamsServer(clock);
  const post = async (activity: object) => expect((await postActivity(t.server.app, activity)).statusCode).toBe(200);

  it('a team channel: an ordinary member\'s "9" and "STOP" get no answer and store nothing', async () => {
    const member = teamsUser('Mo Member');
    await post(messageActivity('9', { user: member, serviceUrl: t.connector.serviceUrl, scope: 'channel' }));
    await post(messageActivity('STOP', { user: member, serviceUrl: t.connector.serviceUrl, scope: 'channel' }));
    expect(t.connector.activities).toEqual([]);
    expect(await t.server.app.store.customers.model.countDocuments({ channel: 'teams' })).toBe(0);
  });

  it('a score card submitted twice, then with a value that is no score: a notice each time, no redraw', async () => {
    const user = teamsUser();
    const options = { user, serviceUrl: t.connector.serviceUrl };
    await post(installActivity(options));
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'nps', channel: 'teams', address: user.aadObjectId, trigger: 'api' });
    if (started.status !== 'sent') throw new Error(started.status);
    const card = t.connector.activities.at(-1)!;
    const submit = (score: string) => cardSubmitActivity({ score, surveyId: started.surveyId, question: 'How likely…' }, card.id, options);

    await post(submit('9'));
    const afterFirst = t.connector.activities.length;
    expect(t.connector.activities.filter((a) => a.kind === 'update')).toHaveLength(1);

    await post(submit('4'));
    await post(submit('abc'));
    const later = t.connector.activities.slice(afterFirst);
    expect(later.map((a) => a.kind)).toEqual(['reply', 'reply']); // no 'update': the card is not redrawn
    expect(later.map((a) => a.activity.text)).toEqual(['You already answered this question.', 'You already answered this question.']);
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ state: 'awaiting_comment', score: 9, rev: 1 });
  });

  it('a card value that is no score, before any answer: "not one of the choices", the question card again, nothing stored', async () => {
    const user = teamsUser();
    const options = { user, serviceUrl: t.connector.serviceUrl };
    await post(installActivity(options));
    const started = await (await t.server.app.businesses.get('default'))!.surveys.start({ kind: 'csat', channel: 'teams', address: user.aadObjectId, trigger: 'api' });
    if (started.status !== 'sent') throw new Error(started.status);
    const card = t.connector.activities.at(-1)!;
    const before = t.connector.activities.length;
    await post(cardSubmitActivity({ score: 'abc', surveyId: started.surveyId }, card.id, options));
    const later = t.connector.activities.slice(before);
    expect(later.map((a) => [a.kind, a.activity.text])).toEqual([
      ['reply', 'That is not one of the choices.'],
      ['reply', undefined],
    ]);
    // The question again, as the card it came in, with its buttons carrying the survey.
    const [again] = t.connector.cards().slice(-1);
    expect(JSON.stringify(again?.card.body)).toMatch(/satisfied/i);
    expect(JSON.stringify(again?.card.actions)).toContain(started.surveyId);
    expect(again?.card.actions).toHaveLength(5);
    expect(await t.server.app.store.surveys.model.findById(started.surveyId).lean()).toMatchObject({ state: 'invited', rev: 0 });
  });
});
