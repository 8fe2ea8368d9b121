import type { FastifyBaseLogger } from 'fastify';
import { normalizePhone } from '../../domain/phone.js';
import type { Delivery } from '../channel.js';
import type { SendPacer } from './pacer.js';
import { deliveryFromError } from './send-errors.js';

/** What each Twilio channel says in the log when a send has no slot, or Twilio refuses it. */
const logLines = {
  sms: { noSlot: 'no send slot for twilio (database unreachable)', refused: 'twilio refused a message' },
  whatsapp: { noSlot: 'no send slot for whatsapp (database unreachable)', refused: 'twilio refused a whatsapp message' },
};

/**
 * Every Twilio send (SMS, WhatsApp) goes through this step: the number in E.164 (stored addresses
 * were checked when stored; here only the format matters), a slot of the sender's pace (no slot, the
 * shared send slots unreachable: nothing sent, a retryable `pacing_unavailable` for the outbox), then
 * the channel's own send, whose API error becomes a failed delivery with Twilio's code. A send that
 * must go out as a second message (WhatsApp's template after a refusal) takes its slot with `nextSlot`.
 */
export function twilioSendStep(options: { channel: keyof typeof logLines; from: string; defaultCountry: string; pacer: SendPacer; log: FastifyBaseLogger }) {
  const lines = logLines[options.channel];
  /** A slot of the sender's pace taken (undefined), or the failed delivery when there is none. */
  const nextSlot = async (): Promise<Delivery | undefined> => {
    try {
      await options.pacer.take(options.from);
      return undefined;
    } catch {
      options.log.warn(lines.noSlot);
      return { status: 'failed', error: 'pacing_unavailable', retryable: true };
    }
  };
  return async (to: string, send: (address: string, nextSlot: () => Promise<Delivery | undefined>) => Promise<Delivery>): Promise<Delivery> => {
    const address = normalizePhone(to, options.defaultCountry, { reached: true });
    if (!address) return { status: 'failed', error: 'invalid_number' };
    const noSlot = await nextSlot();
    if (noSlot) return noSlot;
    try {
      return await send(address, nextSlot);
    } catch (err) {
      const delivery = deliveryFromError(err);
      options.log.warn({ error: delivery.error, retryable: delivery.retryable === true }, lines.refused);
      return delivery;
    }
  };
}
