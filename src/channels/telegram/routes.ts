import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { receivers, type ChannelRoutes } from '../channel.js';

const secretHeader = 'x-telegram-bot-api-secret-token';
/**
 * The secret path segment: derived from the webhook secret (never the bot token, which would leak
 * through access logs), so a scan of /webhooks/telegram/* finds nothing.
 */
export function telegramWebhookPath(webhookSecret: string): string {
  const segment = createHash('sha256').update(`telegram-webhook:${webhookSecret}`).digest('hex').slice(0, 32);
  return `/webhooks/telegram/${segment}`;
}

/** Constant-time string comparison that does not leak the length either. */
function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** What the Telegram route needs of one business's bot: its secret path and token, and the bot that handles an update. */
export interface TelegramReceiver {
  path: string;
  webhookSecret: string;
  receive(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

export const telegramReceivers = receivers<TelegramReceiver>();

/**
 * The Telegram webhook, `/webhooks/telegram/<segment>`, added once; the segment and the secret token
 * are checked against the bot of the business the path names (404 for a wrong segment, 403 for a wrong token).
 */
export const telegramRoutes: ChannelRoutes = {
  name: 'telegram',
  register(app, channelOf) {
    const verified = new WeakMap<FastifyRequest, TelegramReceiver>();
    // Before the body is read: a wrong business or segment is a 404, a wrong secret token a 403.
    const verify = async (request: FastifyRequest<{ Params: { secret: string } }>) => {
      const bot = await telegramReceivers.of(channelOf, request);
      if (!sameSecret(`/webhooks/telegram/${request.params.secret}`, bot.path)) throw new NotFoundError('Not Found');
      if (!sameSecret(request.headers[secretHeader], bot.webhookSecret)) {
        request.log.warn('telegram webhook with a wrong or missing secret token');
        throw new ForbiddenError('wrong or missing secret token');
      }
      verified.set(request, bot);
    };
    app.post<{ Params: { secret: string } }>('/webhooks/telegram/:secret', { onRequest: verify }, async (request, reply) => verified.get(request)!.receive(request, reply));
  },
};

