import type { FastifyBaseLogger } from 'fastify';
import { normalizePhone } from '../../domain/phone.js';
import type { Delivery } from '../channel.js';
import { deliveryFromError } from './send-errors.js';
import { isNoSendSlot } from './twilio-client.js';

/** What each Twilio channel says in the log when a send has no slot, or Twilio refuses it. */
const logLines = {
  sms: { noSlot: 'no send slot for twilio (database unreachable)', refused: 'twilio refused a message' },
  whatsapp: { noSlot: 'no send slot for whatsapp (database unreachable)', refused: 'twilio refused a whatsapp message' },
};

/**
 * Every Twilio send (SMS, WhatsApp) goes through this step: the number in E.164 (stored addresses
 * were checked when stored; here only the format matters), then the channel's own send, whose API
 * error becomes a failed delivery with Twilio's code. Each message request waits for its slot of the
 * sender's pace in the client (`paceMessages`); with no slot (the shared send slots unreachable)
 * nothing is sent, and the outbox gets a retryable `pacing_unavailable`.
 */
export function twilioSendStep(options: { channel: keyof typeof logLines; defaultCountry: string; log: FastifyBaseLogger }) {
  const lines = logLines[options.channel];
  return async (to: string, send: (address: string) => Promise<Delivery>): Promise<Delivery> => {
    const address = normalizePhone(to, options.defaultCountry, { reached: true });
    if (!address) return { status: 'failed', error: 'invalid_number' };
    try {
      return await send(address);
    } catch (err) {
      if (isNoSendSlot(err)) {
        options.log.warn(lines.noSlot);
        return { status: 'failed', error: 'pacing_unavailable', retryable: true };
      }
      const delivery = deliveryFromError(err);
      options.log.warn({ error: delivery.error, retryable: delivery.retryable === true }, lines.refused);
      return delivery;
    }
  };
}
