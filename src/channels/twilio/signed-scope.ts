import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { ChannelOf, Receivers } from '../channel.js';

/**
 * The scope every Twilio webhook (SMS, WhatsApp) is answered in: forms only (a JSON body signed over
 * the same fields is not Twilio's: 415), the business the path names found before the body is read
 * (404 when it has no such channel), then `X-Twilio-Signature` checked with its auth token over
 * `publicUrl` + the path as called (`/b/<id>/…` or its un-prefixed alias): 403 when it is missing or
 * wrong. Returns the request's receiver, for the scope's routes.
 */
export async function twilioSignedScope<R extends { authToken: string }>(
  scope: FastifyInstance,
  options: { publicUrl: string; receivers: Receivers<R>; channelOf: ChannelOf; name: 'twilio' | 'whatsapp' },
): Promise<(request: FastifyRequest) => R> {
  const base = options.publicUrl.replace(/\/+$/, '');
  scope.removeAllContentTypeParsers();
  await scope.register(formbody);
  const received = new WeakMap<FastifyRequest, R>();
  const receiverOf = (request: FastifyRequest) => received.get(request)!;
  scope.addHook('onRequest', async (request) => {
    received.set(request, await options.receivers.of(options.channelOf, request));
  });
  scope.addHook('preHandler', async (request, reply) => {
    const signature = request.headers['x-twilio-signature'];
    const params = (request.body ?? {}) as Record<string, unknown>;
    if (typeof signature !== 'string' || !twilio.validateRequest(receiverOf(request).authToken, signature, base + request.originalUrl, params)) {
      request.log.warn({ url: request.url }, `${options.name} webhook refused: missing or wrong X-Twilio-Signature`);
      return reply.code(403).send({ error: 'forbidden', message: 'Missing or invalid X-Twilio-Signature.' });
    }
  });
  return receiverOf;
}
