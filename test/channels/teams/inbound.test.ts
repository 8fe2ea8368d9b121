import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cardSubmitActivity,
  installActivity,
  mentionActivity,
  messageActivity,
  postActivity,
  startFakeBotConnector,
  teamsUser,
  uninstallActivity,
  type FakeBotConnector,
} from '../../helpers/fake-bot-connector.js';
import { buildTeamsTestApp, type TeamsTestApp } from './teams-test-app.js';

const scoreQuestion = {
  text: 'How likely are you to recommend Our shop to a friend?',
  choices: Array.from({ length: 11 }, (_, i) => ({ label: String(i), value: String(i) })),
  surveyId: 'survey-1',
};

describe('Teams inbound (auth disabled)', () => {
  let connector: FakeBotConnector;
  let bot: TeamsTestApp;

  beforeAll(async () => {
    connector = await startFakeBotConnector();
  });
  afterAll(async () => {
    await connector.close();
  });
  beforeEach(async () => {
    connector.reset();
    bot = await buildTeamsTestApp();
  });
  afterEach(async () => {
    await bot.close();
  });

  it('refuses with 400 an activity whose fields are not what Teams sends (an operator object for a user id)', async () => {
    const user = teamsUser();
    const typed = messageActivity('9', { user, serviceUrl: connector.serviceUrl });
    const forged = { ...typed, from: { ...typed.from, aadObjectId: { $gt: '' } } };
    const res = await postActivity(bot.app, forged);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'not a Bot Framework activity: from.aadObjectId: Invalid input: expected string, received object' });
    const card = cardSubmitActivity({ score: { $ne: null } }, 'card-1', { user, serviceUrl: connector.serviceUrl });
    expect((await postActivity(bot.app, card)).statusCode).toBe(400);
    expect(bot.received).toEqual([]);
  });

  it('answers 200 and records the opt-out when Teams refuses a reply for good (403), so no retry comes', async () => {
    const user = teamsUser();
    bot.reply = () => [{ text: 'Thanks!' }, { text: 'One more question' }];
    connector.failNext({ status: 403, code: 'ConversationBlockedByUser' });
    const res = await postActivity(bot.app, messageActivity('9', { user, serviceUrl: connector.serviceUrl }));
    expect(res.statusCode).toBe(200);
    expect(bot.optOuts).toEqual([{ channel: 'teams', address: user.aadObjectId, reason: 'refused messages' }]);
    expect(connector.activities).toEqual([]);
  });

  it('stores the conversation reference when the app is installed, without calling the service', async () => {
    const user = teamsUser();
    const install = installActivity({ user, serviceUrl: connector.serviceUrl });
    const res = await postActivity(bot.app, install);
    expect(res.statusCode).toBe(200);
    expect(bot.received).toEqual([]);
    const reference = await bot.conversations.find(user.aadObjectId);
    expect(reference).toMatchObject({
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      conversation: { id: install.conversation.id },
      user: { id: user.id, aadObjectId: user.aadObjectId },
      bot: { id: '28:test-bot' },
    });
    expect(reference).not.toHaveProperty('activityId');
  });

  it('passes a typed answer to the service and replies in the conversation', async () => {
    const user = teamsUser('Grace');
    bot.reply = (inbound) => [{ text: `You said ${inbound.text}` }];
    const message = messageActivity('9', { user, serviceUrl: connector.serviceUrl });
    const res = await postActivity(bot.app, message);
    expect(res.statusCode).toBe(200);
    expect(bot.received).toEqual([
      expect.objectContaining({ channel: 'teams', address: user.aadObjectId, providerMessageId: message.id, text: '9', displayName: 'Grace' }),
    ]);
    expect(bot.received[0]?.receivedAt).toBeInstanceOf(Date);
    expect(connector.activities).toHaveLength(1);
    expect(connector.activities[0]).toMatchObject({
      kind: 'reply',
      conversationId: message.conversation.id,
      activityId: message.id,
      activity: { type: 'message', text: 'You said 9' },
    });
    // The first message also stores where to reach the user later.
    expect(await bot.conversations.find(user.aadObjectId)).toMatchObject({ conversation: { id: message.conversation.id } });
  });

  it('renders choices as an Adaptive Card of Action.Submit buttons', async () => {
    bot.reply = () => [scoreQuestion];
    await postActivity(bot.app, messageActivity('hi', { user: teamsUser(), serviceUrl: connector.serviceUrl }));
    const [sent] = connector.cards();
    expect(sent?.card.version).toBe('1.5');
    expect(sent?.card.body).toEqual([expect.objectContaining({ type: 'TextBlock', text: scoreQuestion.text })]);
    expect(sent?.card.actions.map((a) => a.type)).toEqual(Array(11).fill('Action.Submit'));
    expect(sent?.card.actions[9]).toMatchObject({ title: '9', data: { score: '9', surveyId: 'survey-1' } });
  });

  it('passes a card submit as a choice, redraws the card without buttons, then replies', async () => {
    const user = teamsUser();
    bot.reply = (inbound) => (inbound.choice ? [{ text: 'Thanks! What is the main reason for your score?' }] : [scoreQuestion]);
    await postActivity(bot.app, messageActivity('start', { user, serviceUrl: connector.serviceUrl }));
    const question = connector.cards()[0]!;
    const submit = cardSubmitActivity(question.card.actions[9]!.data, question.id, { user, serviceUrl: connector.serviceUrl });
    const res = await postActivity(bot.app, submit);
    expect(res.statusCode).toBe(200);

    expect(bot.received[1]).toMatchObject({ address: user.aadObjectId, providerMessageId: submit.id, choice: '9' });
    expect(bot.received[1]).not.toHaveProperty('text');
    const [, update, reply] = connector.activities;
    expect(update).toMatchObject({ kind: 'update', activityId: question.id });
    const redrawn = connector.cards().find((c) => c.kind === 'update')!.card;
    expect(redrawn.actions).toEqual([]);
    expect(redrawn.body.map((b) => b.text)).toEqual([scoreQuestion.text, '✓ 9']);
    expect(reply).toMatchObject({ kind: 'reply', activity: { text: 'Thanks! What is the main reason for your score?' } });
  });

  const commentQuestion = {
    text: 'Sorry to hear that. What should we have done better? Reply SKIP to skip.',
    comment: { placeholder: 'Type your answer', send: 'Send', skip: 'Skip' },
  };

  it('renders a comment question as a card with a required text box as long as the comment the product keeps, Send and Skip', async () => {
    bot.reply = () => [commentQuestion];
    await postActivity(bot.app, messageActivity('3', { user: teamsUser(), serviceUrl: connector.serviceUrl }));
    const [sent] = connector.cards();
    expect(sent?.card.body).toEqual([
      expect.objectContaining({ type: 'TextBlock', text: commentQuestion.text }),
      expect.objectContaining({ type: 'Input.Text', id: 'comment', isMultiline: true, isRequired: true, placeholder: 'Type your answer', maxLength: 5_000 }),
    ]);
    expect(sent?.card.actions).toEqual([
      expect.objectContaining({ type: 'Action.Submit', title: 'Send', associatedInputs: 'auto' }),
      expect.objectContaining({ type: 'Action.Submit', title: 'Skip', associatedInputs: 'none', data: expect.objectContaining({ skip: true }) }),
    ]);
  });

  it('passes the box text on Send and the skip keyword on Skip, redrawing the card answered', async () => {
    const user = teamsUser();
    bot.reply = (inbound) => (inbound.text === '3' ? [commentQuestion] : [{ text: 'Thank you for telling us.' }]);
    await postActivity(bot.app, messageActivity('3', { user, serviceUrl: connector.serviceUrl }));
    const card = connector.cards()[0]!;
    const [send, skip] = card.card.actions;
    await postActivity(bot.app, cardSubmitActivity({ ...send!.data, comment: '  The parcel came late.  ' }, card.id, { user, serviceUrl: connector.serviceUrl }));
    await postActivity(bot.app, cardSubmitActivity(skip!.data, card.id, { user, serviceUrl: connector.serviceUrl }));

    expect(bot.received.slice(1).map((i) => i.text)).toEqual(['The parcel came late.', 'skip']);
    const redrawn = connector.cards().filter((c) => c.kind === 'update');
    expect(redrawn.map((c) => c.card.body.map((b) => b.text))).toEqual([
      [commentQuestion.text, '✓ The parcel came late.'],
      [commentQuestion.text, '✓ Skip'],
    ]);
    expect(redrawn.every((c) => c.activityId === card.id && c.card.actions.length === 0)).toBe(true);
  });

  it('ignores a Send with an empty box', async () => {
    const submit = cardSubmitActivity({ comment: '   ', question: 'Why?' }, 'card-1', { user: teamsUser(), serviceUrl: connector.serviceUrl });
    expect((await postActivity(bot.app, submit)).statusCode).toBe(200);
    expect(bot.received).toEqual([]);
    expect(connector.activities).toEqual([]);
  });

  it('passes a comment box submit as text', async () => {
    const user = teamsUser();
    const submit = cardSubmitActivity({ comment: 'Fast delivery' }, 'card-1', { user, serviceUrl: connector.serviceUrl });
    await postActivity(bot.app, submit);
    expect(bot.received).toEqual([expect.objectContaining({ text: 'Fast delivery' })]);
    expect(bot.received[0]).not.toHaveProperty('choice');
    expect(connector.activities.filter((a) => a.kind === 'update')).toEqual([]);
  });

  it('sends nothing new when the same activity arrives twice', async () => {
    const user = teamsUser();
    bot.reply = () => [{ text: 'Thanks!' }];
    const submit = cardSubmitActivity({ score: '7', surveyId: 'survey-1' }, 'card-1', { user, serviceUrl: connector.serviceUrl });
    expect((await postActivity(bot.app, submit)).statusCode).toBe(200);
    const afterFirst = connector.activities.length;
    expect(afterFirst).toBe(2);
    expect((await postActivity(bot.app, submit)).statusCode).toBe(200);
    expect(connector.activities).toHaveLength(afterFirst);
    expect(bot.received).toHaveLength(1);
  });

  it('strips the bot @mention in a team channel and keeps the channel out of the proactive references', async () => {
    const user = teamsUser();
    bot.reply = () => [{ text: 'ok' }];
    const message = mentionActivity('stats', { user, serviceUrl: connector.serviceUrl });
    expect(message.text).toBe('<at>Survey Bot</at> stats');
    await postActivity(bot.app, message);
    expect(bot.received).toEqual([expect.objectContaining({ text: 'stats' })]);
    expect(connector.activities[0]).toMatchObject({ kind: 'reply', conversationId: message.conversation.id });
    expect(await bot.conversations.find(user.aadObjectId)).toBeUndefined();
  });

  it('records an opt-out when the app is uninstalled', async () => {
    const user = teamsUser();
    await postActivity(bot.app, uninstallActivity({ user, serviceUrl: connector.serviceUrl }));
    expect(bot.optOuts).toEqual([{ channel: 'teams', address: user.aadObjectId, reason: 'uninstalled the Teams app' }]);
  });

  it('answers 400 to a body that is not an activity', async () => {
    const res = await postActivity(bot.app, { hello: 'world' });
    expect(res.statusCode).toBe(400);
    expect(bot.received).toEqual([]);
  });
});
