import type { Config } from '../../config.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Channel, ChannelDeps, Delivery, Outbound } from '../channel.js';
import type { SlotClaims } from '../shared-send-queue.js';
import { SendPacer, type PacerClock } from './pacer.js';
import { normalizePhone } from '../../domain/phone.js';
import { withButtonsOn } from '../../domain/channels.js';
import { deliveryFromError } from './send-errors.js';
import { createTwilioClient } from './twilio-client.js';
import { smsReceivers, statusPath } from './webhooks.js';

export { countSegments, type SegmentCount } from './segments.js';
export { inboundPath, statusPath, isTwilioAnsweredKeyword, smsRoutes } from './webhooks.js';

export type SmsChannelConfig = NonNullable<Config['twilio']> & {
  /** The deployment's stand-in for the Twilio API (TWILIO_API_BASE_URL, tests only); default Twilio's. */
  apiBaseUrl?: string;
  publicUrl: string;
  /** The path the business's routes sit under (`/b/<id>`): part of the status callback URL. */
  basePath?: string;
  /** Country for numbers written without a country code (ISO 3166 alpha-2). */
  defaultCountry: string;
};

export interface SmsChannelOptions {
  /** The pacing clock; tests pass a fake one. */
  clock?: PacerClock;
  /** Send slots shared by the deployment's instances (the database); without, pacing is per process. */
  slots?: SlotClaims;
}

/**
 * SMS through Twilio: TwiML replies to signed webhooks, paced `messages.create` for everything else.
 * With `product`, the SMS routes (`smsRoutes`) answer for this channel's business.
 */
export function createSmsChannel(config: SmsChannelConfig, deps: { log: FastifyBaseLogger; product?: ChannelDeps }, options: SmsChannelOptions = {}): Channel {
  const publicUrl = config.publicUrl.replace(/\/+$/, '');
  const client = createTwilioClient({
    accountSid: config.accountSid,
    authToken: config.authToken,
    apiBaseUrl: config.apiBaseUrl,
  });
  const pacer = new SendPacer(config.ratePerSecond || 1, options.clock, options.slots);
  // A messaging service (MG…) picks the sender from its pool; Twilio paces it, we pace it as one sender.
  const sender = config.from.startsWith('MG') ? { messagingServiceSid: config.from } : { from: config.from };

  const channel: Channel = {
    name: 'sms',

    async send(to: string, message: Outbound): Promise<Delivery> {
      // Stored addresses were checked when they were stored; here only the format matters.
      const address = normalizePhone(to, config.defaultCountry, { reached: true });
      if (!address) return { status: 'failed', error: 'invalid_number' };
      try {
        await pacer.take(config.from);
      } catch {
        // The shared send slots could not be reached: nothing was sent, the outbox tries again.
        deps.log.warn('no send slot for twilio (database unreachable)');
        return { status: 'failed', error: 'pacing_unavailable', retryable: true };
      }
      try {
        const sent = await client.messages.create({
          to: address,
          ...sender,
          body: withButtonsOn('sms', message).text,
          statusCallback: publicUrl + (config.basePath ?? '') + statusPath,
        });
        return { status: 'sent', providerMessageId: sent.sid };
      } catch (err) {
        const delivery = deliveryFromError(err);
        deps.log.warn({ error: delivery.error, retryable: delivery.retryable === true }, 'twilio refused a message');
        return delivery;
      }
    },
  };
  if (deps.product) smsReceivers.add(channel, { authToken: config.authToken, defaultCountry: config.defaultCountry, deps: deps.product });
  return channel;
}
