import type { ChannelName } from '../../src/channels/channel.js';
import type { TestClock } from '../helpers/clock.js';
import type { TestServer } from '../helpers/build.js';
import type { BusinessPlace } from './business-place.js';

/** What the bot sent to one address, as the customer saw it. */
export interface SentMessage {
  text: string;
  /** Values of the buttons offered with it, if the channel shows buttons. */
  choices?: string[];
}

/** Runs scenarios on one channel through that channel's real webhooks and a fake provider. */
export interface ChannelDriver {
  readonly name: ChannelName;
  /** A server and a business on it, from the environment (the default) or created through the operator API. */
  setup(clock: TestClock, place?: BusinessPlace): Promise<DriverSession>;
}

export interface DriverSession {
  server: TestServer;
  /** The business the scenarios run on. */
  businessId: string;
  /** A fresh customer on this channel, made reachable the way the channel needs (e.g. installed the app). */
  newCustomer(): Promise<string>;
  /** Deliver one customer message exactly as the provider would. `id` is the provider message id seed. */
  deliver(address: string, message: { id: string; text?: string; choice?: string }): Promise<void>;
  /** Everything the bot has sent to this address so far, in order. */
  sent(address: string): Promise<SentMessage[]>;
  close(): Promise<void>;
}
