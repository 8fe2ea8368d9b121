import { ActivityTypes, TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Channel, ChannelDeps, Delivery, Outbound } from '../channel.js';
import { botAppId, createAdapter, responseOver, type TeamsConfig, type TokenValidation } from './adapter.js';
import { answeredCard, renderOutbound } from './cards.js';
import { failedDelivery } from './delivery.js';
import { activityProblem, addressOf, isPersonalChat, toInbound } from './inbound.js';
import { teamsReceivers } from './routes.js';

/**
 * Where the bot can reach each Teams user later: the conversation reference of their personal chat,
 * given on install and on every message (the store writes it only when it changed), read for
 * proactive sends (invitations, reminders, digests).
 */
export interface ConversationStore {
  save(address: string, reference: object, at: Date): Promise<void>;
  find(address: string): Promise<object | undefined>;
}

export interface TeamsChannelDeps {
  conversations: ConversationStore;
  log: FastifyBaseLogger;
  /** The clock; tests move it. */
  now: () => Date;
  /** What the product gives the channel; without it the channel only sends. */
  product?: ChannelDeps;
}


export interface TeamsChannelOptions {
  /** Check inbound tokens against this OpenID document and issuer; default: the configuration's, else the Bot Framework's. */
  tokenValidation?: TokenValidation;
}

/** Microsoft Teams through the Bot Framework: `POST /api/messages` in, Bot Connector REST calls out. */
export function createTeamsChannel(
  config: TeamsConfig,
  deps: TeamsChannelDeps,
  options: TeamsChannelOptions = {},
): Channel {
  const adapter = createAdapter(config, options.tokenValidation ?? config.tokenValidation);
  const { now } = deps;
  const log = deps.log.child({ channel: 'teams' });
  const { product } = deps;

  async function remember(activity: Activity, address: string): Promise<void> {
    if (!isPersonalChat(activity)) return;
    // Proactive sends start a new message; a stored activity id would turn them into replies.
    const { activityId: _activityId, ...stable } = TurnContext.getConversationReference(activity);
    await deps.conversations.save(address, stable, now());
  }

  async function onMessage(context: TurnContext, address: string): Promise<void> {
    const { activity } = context;
    const mapped = toInbound(activity, address, now());
    if (!mapped || !product) return;
    const result = await product.handleInbound({ ...mapped.inbound, replyReceipts: true });
    if (result.duplicate && result.replies.length === 0) return;
    // A tap that did not count (already answered, survey ended, not a choice): say why, redraw nothing,
    // and send what the product asks again (the question, after a value that is no choice).
    if (result.tap && result.tap.outcome !== 'accepted') {
      if (result.tap.notice) await context.sendActivity(renderOutbound({ text: result.tap.notice }));
      for (const reply of result.replies) await context.sendActivity(renderOutbound(reply));
      return;
    }
    if (!result.duplicate && mapped.answered && activity.replyToId) {
      // Redraw the question without buttons so the same card cannot be answered twice.
      await context.updateActivity({
        id: activity.replyToId,
        type: ActivityTypes.Message,
        attachments: [answeredCard(mapped.answered.question, mapped.answered.answer)],
      });
    }
    for (const reply of result.replies) {
      try {
        await context.sendActivity(renderOutbound(reply));
      } catch (err) {
        const delivery = failedDelivery(err);
        // 429, 5xx, network: the turn fails (500) and Teams delivers the activity again, replies included.
        if (delivery.retryable) throw err;
        // Refused for good (blocked, uninstalled: 403): a retry would be refused again, so none is asked for.
        log.warn({ error: delivery.error, optedOut: delivery.optedOut === true }, 'teams reply refused');
        if (delivery.optedOut) await product.recordOptOut('teams', address, 'refused messages');
        break;
      }
    }
    void result.delivered?.();
  }

  async function onTurn(context: TurnContext): Promise<void> {
    const { activity } = context;
    const address = addressOf(activity);
    if (!address) return;
    try {
      switch (activity.type) {
        case ActivityTypes.Message:
          await remember(activity, address);
          await onMessage(context, address);
          break;
        case ActivityTypes.ConversationUpdate:
          if (activity.membersAdded?.length) await remember(activity, address);
          break;
        case ActivityTypes.InstallationUpdate:
          if (activity.action === 'add') await remember(activity, address);
          if (activity.action === 'remove') await product?.recordOptOut('teams', address, 'uninstalled the Teams app');
          break;
        default:
          break;
      }
    } catch (err) {
      log.error({ err, activityType: activity.type }, 'teams activity failed');
      // A plain message reaches the SDK's 500 answer; the details stay in our redacted log.
      throw new Error('turn failed', { cause: err });
    }
  }

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const problem = activityProblem(request.body);
    if (problem) {
      request.log.info({ problem }, 'teams request refused');
      await reply.code(400).send({ error: 'bad_request', message: problem });
      return;
    }
    reply.hijack();
    const raw = reply.raw;
    try {
      await adapter.process(request as Parameters<typeof adapter.process>[0], responseOver(raw), onTurn);
    } catch (err) {
      // Only a body the SDK cannot read gets here (it answers everything else itself).
      request.log.info({ err: { message: (err as Error).message } }, 'teams request refused');
      if (!raw.headersSent) raw.statusCode = 400;
      if (!raw.writableEnded) raw.end();
    }
  }

  async function send(to: string, message: Outbound): Promise<Delivery> {
    const reference = (await deps.conversations.find(to)) as Partial<ConversationReference> | undefined;
    if (!reference) return { status: 'failed', error: 'no conversation reference' };
    try {
      let providerMessageId: string | undefined;
      await adapter.continueConversationAsync(botAppId(config), reference, async (context) => {
        // A new message, not a reply to the continuation event's generated id.
        context.activity.id = undefined as unknown as string;
        const response = await context.sendActivity(renderOutbound(message));
        providerMessageId = response?.id;
      });
      return { status: 'sent', ...(providerMessageId ? { providerMessageId } : {}) };
    } catch (err) {
      const delivery = failedDelivery(err);
      log.warn({ error: delivery.error, optedOut: delivery.optedOut }, 'teams send refused');
      return delivery;
    }
  }

  const channel: Channel = { name: 'teams', send };
  return product ? teamsReceivers.add(channel, handle) : channel;
}
