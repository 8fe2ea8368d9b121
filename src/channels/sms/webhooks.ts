import type { FastifyInstance, FastifyReply } from 'fastify';
import twilio from 'twilio';
import { z } from 'zod';
import { describeIssues } from '../../errors.js';
import { receivers, type ChannelDeps, type ChannelRoutes, type Outbound } from '../channel.js';
import { normalizePhone } from '../../domain/phone.js';
import { withButtonsOn } from '../../domain/channels.js';
import { unsubscribedRecipient } from '../twilio/send-errors.js';
import { required, statusBody, statusMap } from '../twilio/forms.js';
import { twilioSignedScope } from '../twilio/signed-scope.js';

export const inboundPath = '/webhooks/twilio/sms';
export const statusPath = '/webhooks/twilio/status';

/** What the SMS routes need of one business's SMS channel. */
export interface SmsReceiver {
  authToken: string;
  defaultCountry: string;
  deps: ChannelDeps;
}

/** Each SMS channel's receiver: read by the routes, added by `createSmsChannel`. */
export const smsReceivers = receivers<SmsReceiver>();

/**
 * Twilio's opt-out and opt-in keywords. Twilio blocks or unblocks the number and confirms it to the
 * customer itself, so a reply of ours would be blocked (21610) or a second confirmation. HELP and INFO
 * are not here: Twilio's generic help says nothing about the survey, and the service's answer
 * (what this is, plus the open question again) is worth the second message.
 */
const twilioAnsweredKeywords = new Set([
  'STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT',
  'START', 'UNSTOP', 'YES',
]);

/** Whole body, any case, surrounding spaces ignored, as Twilio matches them. */
export function isTwilioAnsweredKeyword(body: string): boolean {
  return twilioAnsweredKeywords.has(body.trim().toUpperCase());
}

const inboundBody = z.object({
  MessageSid: required('MessageSid'),
  From: required('From'),
  Body: z.string().default(''),
  /** Set by Advanced Opt-Out when the body matched one of the account's opt-out/in/help keywords. */
  OptOutType: z.enum(['STOP', 'START', 'HELP']).optional(),
});

function reason(error: z.ZodError): string {
  return describeIssues(error).join('; ');
}

/**
 * What XML 1.0 cannot carry (C0 controls but tab and line breaks, lone surrogates, U+FFFE, U+FFFF),
 * left out of a reply: the TwiML writer throws on them, and a throw here would lose every reply of an
 * answer already stored (Twilio does not retry a 500). Stored text is cleaned already; this holds
 * for any text, a business's own wording included.
 */
const notXml = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
export const xmlSafe = (text: string): string => text.replace(notXml, '');

function twiml(replies: Outbound[]): string {
  const response = new twilio.twiml.MessagingResponse();
  // SMS has no buttons (its row of the channel facts): a scale's text already says "Reply 0-10", word choices become a numbered list.
  for (const r of replies) response.message(xmlSafe(withButtonsOn('sms', r).text));
  return response.toString();
}

function sendTwiml(reply: FastifyReply, replies: Outbound[]) {
  return reply.code(200).type('text/xml').send(twiml(replies));
}

function badRequest(reply: FastifyReply, message: string) {
  return reply.code(400).send({ error: 'bad_request', message });
}

/**
 * The Twilio webhooks, added once as one encapsulated plugin (so the form parser applies to them
 * alone); each request is checked against the auth token of the business its path names.
 * `publicUrl` is the URL Twilio calls, without a trailing slash: signatures are over publicUrl + the
 * path as called (`/b/<id>/…` or its un-prefixed alias).
 */
export function smsRoutes({ publicUrl }: { publicUrl: string }): ChannelRoutes {
  return {
    name: 'sms',
    async register(app, channelOf) {
      await app.register(async function twilioWebhooks(scope: FastifyInstance): Promise<void> {
        const receiverOf = await twilioSignedScope(scope, { publicUrl, receivers: smsReceivers, channelOf, name: 'twilio' });

        scope.post(inboundPath, async (request, reply) => {
          const { deps, defaultCountry } = receiverOf(request);
          const parsed = inboundBody.safeParse(request.body);
          if (!parsed.success) return badRequest(reply, reason(parsed.error));
          const { MessageSid, From, Body, OptOutType } = parsed.data;
          const address = normalizePhone(From, defaultCountry, { reached: true });
          if (!address) return badRequest(reply, 'From: not a phone number');

          const result = await deps.handleInbound({
            channel: 'sms',
            address,
            providerMessageId: MessageSid,
            ...(Body ? { text: Body } : {}),
            // Twilio stopped (or resumed) sending to this number, whatever the (custom) keyword was.
            ...(OptOutType === 'STOP' ? { providerKeyword: 'stop' as const } : OptOutType === 'START' ? { providerKeyword: 'start' as const } : {}),
            receivedAt: deps.now(),
            replyReceipts: true,
          });
          if (result.duplicate) request.log.info({ resent: result.replies.length }, 'sms redelivery recognised; nothing done again');
          // The replies ride in this response: once it is written out, they are delivered.
          const { delivered } = result;
          if (delivered) reply.raw.once('finish', () => void delivered());
          // Advanced Opt-Out answers its own (possibly custom) STOP/START keywords; its HELP answer is generic.
          const silent = OptOutType === 'STOP' || OptOutType === 'START' || isTwilioAnsweredKeyword(Body);
          return sendTwiml(reply, silent ? [] : result.replies);
        });

        scope.post(statusPath, async (request, reply) => {
          const { deps, defaultCountry } = receiverOf(request);
          const parsed = statusBody.safeParse(request.body);
          if (!parsed.success) return badRequest(reply, reason(parsed.error));
          const { MessageSid, MessageStatus, ErrorCode, To } = parsed.data;
          const status = statusMap[MessageStatus.toLowerCase()];
          if (!status) {
            request.log.info({ messageSid: MessageSid, messageStatus: MessageStatus }, 'sms status not tracked');
            return reply.code(204).send();
          }
          await deps.recordDelivery({
            channel: 'sms',
            providerMessageId: MessageSid,
            status,
            ...(ErrorCode ? { errorCode: ErrorCode } : {}),
          });
          const address = To ? normalizePhone(To, defaultCountry, { reached: true }) : null;
          if (ErrorCode === String(unsubscribedRecipient) && address) {
            await deps.recordOptOut('sms', address, 'carrier opt-out 21610');
          }
          return reply.code(204).send();
        });
      });
    },
  };
}
