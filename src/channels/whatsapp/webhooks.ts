import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { describeIssues } from '../../errors.js';
import { normalizePhone } from '../../domain/phone.js';
import { receivers, type ChannelDeps, type ChannelRoutes, type Delivery, type DeliveryUpdate, type Outbound } from '../channel.js';
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
  /** Of replies first handed over at or after `since`, those the provider shows no message for. */
  unsent(to: string, replies: Outbound[], since: Date): Promise<Outbound[]>;
}

export const whatsappReceivers = receivers<WhatsappReceiver>();

const required = (name: string) => z.string({ error: `${name} is required` }).min(1, `${name} is required`);

/** The form Twilio posts for a WhatsApp message: a tap carries ButtonPayload (quick reply) or ListId (list picker). */
const inboundBody = z.object({
  MessageSid: required('MessageSid'),
  From: required('From').regex(/^whatsapp:/, 'From: not a WhatsApp address (whatsapp:+…)'),
  Body: z.string().default(''),
  ButtonPayload: z.string().max(256).optional(),
  ListId: z.string().max(256).optional(),
  ProfileName: z.string().max(256).optional(),
});

const statusBody = z.object({
  MessageSid: required('MessageSid'),
  MessageStatus: required('MessageStatus'),
  ErrorCode: z.string().optional(),
});

/** Twilio's WhatsApp message statuses folded into ours (read receipts included). */
const statusMap: Record<string, DeliveryUpdate['status']> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sent',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

const badRequest = (reply: FastifyReply, message: string) => reply.code(400).send({ error: 'bad_request', message });
const emptyTwiml = new twilio.twiml.MessagingResponse().toString();

/**
 * The WhatsApp webhooks (messages and status callbacks), signed as Twilio signs its SMS webhooks.
 * Replies go through the Messages API, not TwiML: interactive messages need a content SID, which
 * TwiML cannot carry. So a reply is sent before the webhook is answered, as on Telegram.
 */
export function whatsappRoutes({ publicUrl }: { publicUrl: string }): ChannelRoutes {
  const base = publicUrl.replace(/\/+$/, '');
  return {
    name: 'whatsapp',
    async register(app, channelOf) {
      await app.register(async function whatsappWebhooks(scope: FastifyInstance): Promise<void> {
        scope.removeAllContentTypeParsers();
        await scope.register(formbody);
        const received = new WeakMap<FastifyRequest, WhatsappReceiver>();
        const receiverOf = (request: FastifyRequest) => received.get(request)!;
        scope.addHook('onRequest', async (request) => {
          received.set(request, await whatsappReceivers.of(channelOf, request));
        });
        scope.addHook('preHandler', async (request, reply) => {
          const signature = request.headers['x-twilio-signature'];
          const params = (request.body ?? {}) as Record<string, unknown>;
          if (typeof signature !== 'string' || !twilio.validateRequest(receiverOf(request).authToken, signature, base + request.originalUrl, params)) {
            request.log.warn({ url: request.url }, 'whatsapp webhook refused: missing or wrong X-Twilio-Signature');
            return reply.code(403).send({ error: 'forbidden', message: 'Missing or invalid X-Twilio-Signature.' });
          }
        });

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
          const owed = result.duplicate && result.repliedSince && result.replies.length ? await unsent(address, result.replies, result.repliedSince) : result.replies;
          if (result.duplicate) request.log.info({ resent: owed.length, alreadySent: result.replies.length - owed.length }, 'whatsapp redelivery recognised; nothing done again');
          // A tap that did not count says why (WhatsApp has no toast), then whatever the dialog says.
          const replies = result.tap?.notice ? [{ text: result.tap.notice }, ...owed] : owed;
          let allSent = true;
          for (const message of replies) {
            const delivery = await send(address, message);
            if (delivery.status !== 'sent') {
              allSent = false;
              request.log.warn({ error: delivery.error }, 'whatsapp reply not sent');
            }
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
