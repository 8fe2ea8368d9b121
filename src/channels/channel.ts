import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { ChannelName, Delivery, DeliveryUpdate, Inbound, InboundResult, Outbound } from '../domain/channels.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

export type { ChannelName, Choice, CommentBox, Delivery, DeliveryUpdate, Inbound, InboundResult, Outbound } from '../domain/channels.js';
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

export interface Channel {
  readonly name: ChannelName;
  /**
   * Sending is a write to our own database (the web chat's transcript), which does not fail for a
   * while the way a provider does: it needs no outbox record before it goes.
   */
  readonly local?: boolean;
  /** Add the webhook routes (with signature checks) to the server. */
  register(app: FastifyInstance, deps: ChannelDeps): void | Promise<void>;
  /** Send one message to an address on this channel, rendering choices natively. */
  send(to: string, message: Outbound): Promise<Delivery>;
  /** The link that opens a chat with the bot carrying `token` (Telegram `https://t.me/<bot>?start=<token>`). */
  deepLink?(token: string): Promise<string>;
  /** Release what the adapter holds (timers, sockets). */
  close?(): Promise<void>;
}
