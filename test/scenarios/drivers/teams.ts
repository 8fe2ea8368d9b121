import type { ChannelDriver, SentMessage } from '../driver.js';
import { placeBusiness } from '../business-place.js';
import {
  cardSubmitActivity,
  installActivity,
  messageActivity,
  postActivity,
  startFakeBotConnector,
  teamsUser,
  type AdaptiveCard,
  type RecordedActivity,
  type TeamsUser,
} from '../../helpers/fake-bot-connector.js';

const adaptiveCardType = 'application/vnd.microsoft.card.adaptive';

/** The card in a sent activity, if it carries one. */
function cardOf(activity: RecordedActivity['activity']): AdaptiveCard | undefined {
  return activity.attachments?.find((a) => a.contentType === adaptiveCardType)?.content as AdaptiveCard | undefined;
}

/** Microsoft Teams: activities POSTed to /api/messages as Teams sends them; taps are Adaptive Card submits. */
export const teamsDriver: ChannelDriver = {
  name: 'teams',
  async setup(clock, place) {
    const connector = await startFakeBotConnector();
    // With the deployment's Teams auth off (tests only) the app's identity is not checked.
    const { server, businessId, basePath } = await placeBusiness(place, clock, { TEAMS_AUTH_DISABLED: 'true', SWEEP_INTERVAL: '0' }, {
      env: {},
      channels: { teams: { appId: 'scenario-teams-app', appPassword: 'scenario-teams-app-password', appType: 'MultiTenant' } },
    });
    const { app } = server;
    const users = new Map<string, { user: TeamsUser; conversationId: string }>();
    // Teams message ids are unique; the scenarios' ids are per customer, so map each to one Teams id.
    const activityIds = new Map<string, string>();
    let sequence = 0;

    const post = async (activity: object) => {
      const res = await postActivity(app, activity, undefined, basePath);
      if (res.statusCode !== 200) throw new Error(`/api/messages answered ${res.statusCode}: ${res.body}`);
    };
    const toCustomer = (conversationId: string) =>
      connector.activities.filter((a) => a.conversationId === conversationId && a.kind !== 'update');

    return {
      server,
      businessId,
      async newCustomer() {
        const user = teamsUser();
        const install = installActivity({ user, serviceUrl: connector.serviceUrl });
        users.set(user.aadObjectId, { user, conversationId: install.conversation.id });
        await post(install);
        return user.aadObjectId;
      },
      async deliver(address, { id, text, choice }) {
        const known = users.get(address);
        if (!known) throw new Error('unknown Teams customer');
        const key = `${address}:${id}`;
        const activityId = activityIds.get(key) ?? `17${String(++sequence).padStart(11, '0')}`;
        activityIds.set(key, activityId);
        const options = { user: known.user, serviceUrl: connector.serviceUrl, id: activityId };
        if (text !== undefined) {
          // Asked for a comment on a card with a text box: type it there and press Send.
          const newest = toCustomer(known.conversationId).at(-1);
          const card = newest && cardOf(newest.activity);
          const send = card?.body.some((b) => b.type === 'Input.Text' && b.id === 'comment') ? card.actions[0] : undefined;
          if (newest && send) return post(cardSubmitActivity({ ...send.data, comment: text }, newest.id, options));
          return post(messageActivity(text, options));
        }

        // A tap is a submit of the newest card that offers this value.
        const withCard = toCustomer(known.conversationId)
          .map((sent) => ({ sent, card: cardOf(sent.activity) }))
          .reverse()
          .find(({ card }) => card?.actions.some((a) => a.data.score === choice));
        const action = withCard?.card?.actions.find((a) => a.data.score === choice);
        if (!withCard || !action) throw new Error(`no card offers ${choice}`);
        return post(cardSubmitActivity(action.data, withCard.sent.id, options));
      },
      async sent(address): Promise<SentMessage[]> {
        await app.alerts.drain(); // owner alerts go out after the customer's reply, not inside it
        const known = users.get(address);
        if (!known) return [];
        return toCustomer(known.conversationId).map(({ activity }) => {
          const card = cardOf(activity);
          if (!card) return { text: activity.text ?? '' };
          const texts = card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text ?? '');
          const scores = card.actions.filter((a) => a.data.score !== undefined).map((a) => String(a.data.score));
          return { text: texts.join('\n'), ...(scores.length ? { choices: scores } : {}) };
        });
      },
      async close() {
        await server.close();
        await connector.close();
      },
    };
  },
};
