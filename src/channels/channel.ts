import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ChannelName, ChannelSender, DeliveryUpdate, Inbound, InboundResult } from '../domain/channels.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

export type { ChannelName, ChannelSender, Choice, CommentBox, Delivery, DeliveryUpdate, Inbound, InboundResult, Outbound } from '../domain/channels.js';
export { channelNames } from '../domain/channels.js';

/** What the product gives each adapter when it registers its routes. Adapters hold no survey logic: they call these. */
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

/** A channel adapter: the sending side the features use, and the webhook routes it adds to the server. */
export interface Channel extends ChannelSender {
  /** Add the webhook routes (with signature checks) to the server. */
  register(app: FastifyInstance, deps: ChannelDeps): void | Promise<void>;
}
