import type { Config } from '../../config.js';
import type { FastifyBaseLogger } from 'fastify';
import type { Channel, ChannelDeps, Delivery, Outbound } from '../channel.js';
import type { SlotClaims } from '../shared-send-queue.js';
import { SendPacer, type PacerClock } from '../twilio/pacer.js';
import { withButtonsOn } from '../../domain/channels.js';
import { twilioSendStep } from '../twilio/send-step.js';
import { listedTexts } from '../twilio/sent-record.js';
import { connectionCheck, createTwilioClient } from '../twilio/twilio-client.js';
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
  const perSecond = config.ratePerSecond || 1;
  const client = createTwilioClient({
    accountSid: config.accountSid,
    authToken: config.authToken,
    apiBaseUrl: config.apiBaseUrl,
    perSecond,
  });
  const pacer = new SendPacer(perSecond, options.clock, options.slots, connectionCheck(client));
  // A messaging service (MG…) picks the sender from its pool; Twilio paces it, we pace it as one sender.
  const sender = config.from.startsWith('MG') ? { messagingServiceSid: config.from } : { from: config.from };
  const step = twilioSendStep({ channel: 'sms', from: config.from, defaultCountry: config.defaultCountry, pacer, log: deps.log });

  const channel: Channel = {
    name: 'sms',
    perSecond,

    send(to: string, message: Outbound): Promise<Delivery> {
      return step(to, async (address) => {
        const sent = await client.messages.create({
          to: address,
          ...sender,
          body: withButtonsOn('sms', message).text,
          statusCallback: publicUrl + (config.basePath ?? '') + statusPath,
        });
        return { status: 'sent', providerMessageId: sent.sid };
      });
    },

    // A TwiML reply Twilio took is listed as well as one sent through the API; an SMS goes as its text alone.
    sentSince: (to: string, messages: readonly Outbound[], since: Date) => listedTexts(client, sender, to, messages.map((m) => ({ forms: [withButtonsOn('sms', m).text] })), since),
  };
  if (deps.product) smsReceivers.add(channel, { authToken: config.authToken, defaultCountry: config.defaultCountry, deps: deps.product });
  return channel;
}
