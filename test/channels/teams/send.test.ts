import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installActivity, postActivity, startFakeBotConnector, teamsUser, type FakeBotConnector, type TeamsUser } from '../../helpers/fake-bot-connector.js';
import { buildTeamsTestApp, type TeamsTestApp } from './teams-test-app.js';

describe('Teams proactive sends (auth disabled)', () => {
  let connector: FakeBotConnector;
  let bot: TeamsTestApp;
  let user: TeamsUser;
  let conversationId: string;

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    bot = await buildTeamsTestApp();
  });
  afterAll(async () => {
    await bot?.close();
    await connector?.close();
  });
  beforeEach(async () => {
    user = teamsUser();
    const install = installActivity({ user, serviceUrl: connector.serviceUrl });
    conversationId = install.conversation.id;
    connector.reset();
    expect((await postActivity(bot.app, install)).statusCode).toBe(200);
  });

  it('sends a new message to the stored conversation through continueConversationAsync', async () => {
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'Your weekly digest is ready.' });
    expect(delivery).toEqual({ status: 'sent', providerMessageId: connector.activities[0]?.id });
    expect(connector.activities).toEqual([
      expect.objectContaining({ kind: 'send', conversationId, activity: expect.objectContaining({ type: 'message', text: 'Your weekly digest is ready.' }) }),
    ]);
    expect(connector.activities[0]?.activity).toMatchObject({ recipient: { id: user.id }, from: { id: '28:test-bot' } });
    expect(connector.activities[0]?.activity.replyToId).toBeUndefined();
  });

  it('sends an invitation as a question card', async () => {
    const choices = [1, 2, 3, 4, 5].map((n) => ({ label: '★'.repeat(n), value: String(n) }));
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'How satisfied are you?', choices, surveyId: 's-9' });
    expect(delivery.status).toBe('sent');
    const [sent] = connector.cards();
    expect(sent).toMatchObject({ kind: 'send' });
    expect(sent?.card.actions.map((a) => a.data)).toEqual(
      choices.map((c) => expect.objectContaining({ score: c.value, surveyId: 's-9', label: c.label })),
    );
  });

  it('sends a chart as a PNG attachment with the text', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    await bot.channel.send(user.aadObjectId, { text: 'NPS this week: 42', image: { png, alt: 'NPS by week' } });
    expect(connector.activities[0]?.activity).toMatchObject({
      text: 'NPS this week: 42',
      attachments: [{ contentType: 'image/png', contentUrl: `data:image/png;base64,${png.toString('base64')}`, name: 'NPS by week' }],
    });
  });

  it('fails without throwing for an address with no conversation reference', async () => {
    expect(await bot.channel.send('unknown-user', { text: 'hi' })).toEqual({ status: 'failed', error: 'no conversation reference' });
    expect(connector.activities).toEqual([]);
  });

  it('reports a user who blocked the bot (403) as opted out', async () => {
    connector.failNext({ status: 403, code: 'ConversationBlockedByUser' });
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'hi' });
    expect(delivery).toEqual({ status: 'failed', error: '403 ConversationBlockedByUser', optedOut: true });
  });

  // The SDK's HTTP pipeline itself retries 429 and 5xx three times, waiting Retry-After between tries.
  it('reports throttling (429) as retryable with the wait Teams asked for', async () => {
    connector.failNext({ status: 429, retryAfter: '1', times: 10 });
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'hi' });
    expect(delivery).toEqual({ status: 'failed', error: '429 Failed', retryable: true, retryAfterSeconds: 1 });
    expect(connector.refused).toBe(4);
    expect(delivery.optedOut).toBeUndefined();
  }, 60_000);

  it('reports a server error (503) as retryable', async () => {
    connector.failNext({ status: 503, code: 'ServiceUnavailable', retryAfter: '0', times: 10 });
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'hi' });
    expect(delivery).toEqual({ status: 'failed', error: '503 ServiceUnavailable', retryable: true, retryAfterSeconds: 0 });
  }, 60_000);

  it('delivers once the SDK retry gets through a single 429', async () => {
    connector.failNext({ status: 429, retryAfter: '0' });
    const delivery = await bot.channel.send(user.aadObjectId, { text: 'hi' });
    expect(delivery.status).toBe('sent');
    expect(connector.activities).toHaveLength(1);
  });

  it('reports an unreachable service as retryable', async () => {
    const gone = await startFakeBotConnector();
    await gone.close();
    const other = teamsUser();
    await postActivity(bot.app, installActivity({ user: other, serviceUrl: gone.serviceUrl }));
    const delivery = await bot.channel.send(other.aadObjectId, { text: 'hi' });
    expect(delivery).toMatchObject({ status: 'failed', retryable: true });
  }, 60_000);
});
