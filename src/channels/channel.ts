import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors.js';
import type { ChannelName, ChannelSender, DeliveryUpdate, Inbound, InboundResult } from '../domain/channels.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

export type { ChannelName, ChannelSender, Choice, CommentBox, Delivery, DeliveryUpdate, Inbound, InboundResult, Outbound, TemplateUse } from '../domain/channels.js';
export { channelNames } from '../domain/channels.js';

/** What the product gives each business's channel when it is made. Adapters hold no survey logic: they call these. */
export interface ChannelDeps {
  /** Handle one verified inbound message (classify, dialog, store: the inbound pipeline). */
  handleInbound(inbound: Inbound): Promise<InboundResult>;
  /** Record a provider delivery report. */
  recordDelivery(update: DeliveryUpdate): Promise<void>;
  /** The person refused messages on this channel (blocked the bot, carrier opt-out). */
  recordOptOut(channel: ChannelName, address: string, reason: string): Promise<void>;
  /** The provider says this person accepts messages again. */
  recordOptIn(channel: ChannelName, address: string): Promise<void>;
  /** A web visitor asks for a survey (the web chat page). */
  startWebSurvey(input: { address: string; kind: SurveyKind; locale?: Locale; name?: string }): Promise<{ status: string }>;
  log: FastifyBaseLogger;
  /** The server clock. */
  now: () => Date;
}

/** A business's channel: the sending side the features use (`ChannelSender`); its webhook routes are its kind's `ChannelRoutes`. */
export type Channel = ChannelSender;

/** The channel of this kind of the business a request's path names; a NotFoundError (404) when it has none. */
export type ChannelOf = (request: FastifyRequest) => Promise<Channel>;

/**
 * A channel kind's webhook routes (with their signature checks), added to the server once, under
 * `/b/:business`: each request is answered by the channel of the business its path names, found
 * with `channelOf` as it arrives, so a business created or changed while the server runs is served.
 */
export interface ChannelRoutes {
  readonly name: ChannelName;
  register(app: FastifyInstance, channelOf: ChannelOf): void | Promise<void>;
}

/**
 * What a kind's routes need of each channel made of that kind (its secret, its SDK's handler),
 * kept beside the channel rather than on it, so the sending side of `Channel` stays the same for all.
 */
export function receivers<R>() {
  const byChannel = new WeakMap<Channel, R>();
  return {
    add<C extends Channel>(channel: C, receiver: R): C {
      byChannel.set(channel, receiver);
      return channel;
    },
    async of(channelOf: ChannelOf, request: FastifyRequest): Promise<R> {
      const receiver = byChannel.get(await channelOf(request));
      if (!receiver) throw new NotFoundError('Not Found');
      return receiver;
    },
  };
}
