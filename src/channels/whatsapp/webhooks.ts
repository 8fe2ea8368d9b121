import type { FastifyInstance, FastifyReply } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { describeIssues } from '../../errors.js';
import { normalizePhone } from '../../domain/phone.js';
import { receivers, type ChannelDeps, type ChannelRoutes, type Delivery, type Outbound } from '../channel.js';
import { required, statusBody, statusMap } from '../twilio/forms.js';
import { twilioSignedScope } from '../twilio/signed-scope.js';
import { tapOf } from './render.js';

export const whatsappInboundPath = '/webhooks/twilio/whatsapp';
export const whatsappStatusPath = '/webhooks/twilio/whatsapp/status';

/** What the WhatsApp routes need of one business's WhatsApp channel. */
export interface WhatsappReceiver {
  authToken: string;
  defaultCountry: string;
  windows: { wrote(address: string, at: Date): Promise<void> };
  deps: ChannelDeps;
  send(to: string, message: Outbound): Promise<Delivery>;
  /** Of replies first handed over at or after `since`, those the provider shows no message for; `unsure` when it cannot tell now. */
  unsent(to: string, replies: Outbound[], since: Date): Promise<{ owed: Outbound[]; unsure: boolean }>;
}

export const whatsappReceivers = receivers<WhatsappReceiver>();

/** The form Twilio posts for a WhatsApp message: a tap carries ButtonPayload (quick reply) or ListId (list picker). */
const inboundBody = z.object({
  MessageSid: required('MessageSid'),
  From: required('From').regex(/^whatsapp:/, 'From: not a WhatsApp address (whatsapp:+…)'),
  Body: z.string().default(''),
  ButtonPayload: z.string().max(256).optional(),
  ListId: z.string().max(256).optional(),
  ProfileName: z.string().max(256).optional(),
});

const badRequest = (reply: FastifyReply, message: string) => reply.code(400).send({ error: 'bad_request', message });
const emptyTwiml = new twilio.twiml.MessagingResponse().toString();

/**
 * The WhatsApp webhooks (messages and status callbacks), signed as Twilio signs its SMS webhooks.
 * Replies go through the Messages API, not TwiML: interactive messages need a content SID, which
 * TwiML cannot carry. So a reply is sent before the webhook is answered, as on Telegram.
 */
export function whatsappRoutes({ publicUrl }: { publicUrl: string }): ChannelRoutes {
  return {
    name: 'whatsapp',
    async register(app, channelOf) {
      await app.register(async function whatsappWebhooks(scope: FastifyInstance): Promise<void> {
        const receiverOf = await twilioSignedScope(scope, { publicUrl, receivers: whatsappReceivers, channelOf, name: 'whatsapp' });

        scope.post(whatsappInboundPath, async (request, reply) => {
          const { deps, defaultCountry, windows, send, unsent } = receiverOf(request);
          const parsed = inboundBody.safeParse(request.body);
          if (!parsed.success) return badRequest(reply, describeIssues(parsed.error).join('; '));
          const { MessageSid, From, Body, ButtonPayload, ListId, ProfileName } = parsed.data;
          const address = normalizePhone(From.slice('whatsapp:'.length), defaultCountry, { reached: true });
          if (!address) return badRequest(reply, 'From: not a phone number');
          const receivedAt = deps.now();
          // The window opens with every message the person sends, whatever becomes of it.
          await windows.wrote(address, receivedAt);
          const payload = ButtonPayload ?? ListId;
          // A tap that is none of ours (an old template's button) counts as its words.
          const tap = payload ? tapOf(payload) : undefined;
          const what = tap ?? (Body ? { text: Body } : {});
          const result = await deps.handleInbound({
            channel: 'whatsapp',
            address,
            providerMessageId: MessageSid,
            ...what,
            receivedAt,
            ...(ProfileName ? { displayName: ProfileName } : {}),
            replyReceipts: true,
          });
          // Replies never confirmed: sent again, but for those Twilio already has (the server died after sending them).
          const since = result.duplicate && result.replies.length ? result.repliedSince : undefined;
          const { owed, unsure } = since ? await unsent(address, result.replies, since) : { owed: result.replies, unsure: false };
          if (result.duplicate) request.log.info({ resent: owed.length, alreadySent: result.replies.length - owed.length, unsure }, 'whatsapp redelivery recognised; nothing done again');
          // A tap that did not count says why (WhatsApp has no toast), then whatever the dialog says.
          const replies = result.tap?.notice ? [{ text: result.tap.notice }, ...owed] : owed;
          if (unsure && since) {
            // Twilio's list cannot tell now whether one of them went: the outbox asks it again before they go.
            await deps.queueReplies('whatsapp', address, replies, MessageSid, since);
            if (result.delivered) await result.delivered();
            return reply.code(200).type('text/xml').send(emptyTwiml);
          }
          let allSent = true;
          for (const [i, message] of replies.entries()) {
            const attemptedAt = deps.now();
            const delivery = await send(address, message);
            if (delivery.status === 'sent') continue;
            request.log.warn({ error: delivery.error, retryable: delivery.retryable === true }, 'whatsapp reply not sent');
            if (delivery.retryable) {
              // Twilio delivers no message again once it was answered: what could not go out yet waits
              // in the outbox, in order, and the receipt is recorded (the outbox owes them now). When
              // the one tried may have reached Twilio with its answer lost, the outbox asks Twilio first.
              await deps.queueReplies('whatsapp', address, replies.slice(i), MessageSid, delivery.unanswered ? attemptedAt : undefined);
              break;
            }
            allSent = false;
          }
          if (allSent && result.delivered) await result.delivered();
          return reply.code(200).type('text/xml').send(emptyTwiml);
        });

        scope.post(whatsappStatusPath, async (request, reply) => {
          const { deps } = receiverOf(request);
          const parsed = statusBody.safeParse(request.body);
          if (!parsed.success) return badRequest(reply, describeIssues(parsed.error).join('; '));
          const { MessageSid, MessageStatus, ErrorCode } = parsed.data;
          const status = statusMap[MessageStatus.toLowerCase()];
          if (!status) return reply.code(204).send();
          await deps.recordDelivery({ channel: 'whatsapp', providerMessageId: MessageSid, status, ...(ErrorCode ? { errorCode: ErrorCode } : {}) });
          return reply.code(204).send();
        });
      });
    },
  };
}
