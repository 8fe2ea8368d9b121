import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { NotFoundError } from '../errors.js';
import type { ChannelName, ChannelSender, DeliveryUpdate, Inbound, InboundResult, Outbound } from '../domain/channels.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

export type { ChannelName, ChannelSender, Choice, CommentBox, Delivery, DeliveryUpdate, Inbound, InboundResult, Outbound, TemplateUse } from '../domain/channels.js';
export { channelNames } from '../domain/channels.js';

/** What a web chat is about: what the page that opened it knows (an order, the business's own customer number, a link's place). */
export interface WebContext {
  order?: string;
  customer?: string;
  product?: string;
  location?: string;
  staff?: string;
}

/** What the product gives each business's channel when it is made. Adapters hold no survey logic: they call these. */
export interface ChannelDeps {
  /** Handle one verified inbound message (classify, dialog, store: the inbound pipeline). */
  handleInbound(inbound: Inbound): Promise<InboundResult>;
  /** Record a provider delivery report. */
  recordDelivery(update: DeliveryUpdate): Promise<void>;
  /** The person refused messages on this channel (blocked the bot, carrier opt-out). */
  recordOptOut(channel: ChannelName, address: string, reason: string): Promise<void>;
  /**
   * Replies to the provider's message `messageId` that could not go out yet (a 5xx, a 429, the
   * network, no send slot), queued in order for the outbox, which tries again with backoff. Queueing
   * them again (a redelivery) adds nothing.
   */
  queueReplies(channel: ChannelName, address: string, replies: readonly Outbound[], messageId: string, unconfirmedSince?: Date): Promise<void>;
  /** The provider says this person accepts messages again. */
  recordOptIn(channel: ChannelName, address: string): Promise<void>;
  /**
   * A web visitor's first answer starts their survey (the web chat page, the widget, a survey link).
   * `entry`: where the visitor came in; for `link:<code>` the survey link's kind, language and context apply.
   */
  startWebSurvey(input: { address: string; kind: SurveyKind; locale?: Locale; name?: string; context?: WebContext; entry?: string }): Promise<{ status: string }>;
  /** A web visitor who answered leaves a phone number or e-mail (optional): their answer is identified. A ValidationError (400) or ConflictError (409) says why not. */
  identifyWebVisitor(input: { channel: ChannelName; address: string; contact: string }): Promise<{ status: 'identified' }>;
  /** What a web survey opens with, stored nowhere: the chat shows it before the first answer. */
  webQuestion(input: { kind: SurveyKind; locale?: Locale; context?: WebContext; entry?: string }): Promise<Outbound[]>;
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

/** Each channel's receiver of one kind: added with the channel, read by the kind's routes. */
export interface Receivers<R> {
  add<C extends Channel>(channel: C, receiver: R): C;
  /** The receiver of the channel of the business a request's path names; a NotFoundError (404) when it has none. */
  of(channelOf: ChannelOf, request: FastifyRequest): Promise<R>;
}

/**
 * What a kind's routes need of each channel made of that kind (its secret, its SDK's handler),
 * kept beside the channel rather than on it, so the sending side of `Channel` stays the same for all.
 */
export function receivers<R>(): Receivers<R> {
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

/** A picture's bytes as given, or as they come back from the outbox (a BSON Binary, not a Buffer). */
export function asBuffer(png: unknown): Buffer {
  if (Buffer.isBuffer(png)) return png;
  const bytes = (png as { buffer?: unknown } | null)?.buffer;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes);
  if (png instanceof Uint8Array) return Buffer.from(png);
  throw new TypeError('image.png is not binary data');
}
