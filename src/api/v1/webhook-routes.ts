import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { webhookEventTypes, type WebhookSubscription } from '../../store/index.js';
import { subscriptionInput, type UrlPolicy } from '../../outbound-webhooks/subscription-input.js';
import { objectIdParam, problems } from './schemas.js';

const subscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(webhookEventTypes)),
    active: z.boolean(),
    disabledReason: z.string().nullable().describe('Why deliveries stopped (410 Gone from the receiver)'),
    createdAt: z.date(),
  })
  .meta({ id: 'WebhookSubscription' });
const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().describe('The `Webhook-Id` header: the same for every attempt of one event'),
    eventType: z.enum(webhookEventTypes),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastAttempts: z.array(z.object({ at: z.date(), status: z.number().int().nullable(), error: z.string().nullable() })),
    nextAttemptAt: z.date().nullable(),
    createdAt: z.date(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
const deliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const subscriptionJson = (s: WebhookSubscription) => ({ id: s.id, url: s.url, events: s.events, active: s.active, disabledReason: s.disabledReason ?? null, createdAt: s.createdAt });

/** The business's outbound webhook subscriptions and their deliveries (scope admin). */
export function webhookRoutes(app: FastifyInstance, urls: UrlPolicy): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const service = app.outboundWebhooks;

  api.post('/webhooks', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Subscribe a URL to events',
      description: 'Deliveries are signed with the `secret` in this answer only (see the README for the header and a verification snippet). Scope: admin.',
      tags: ['webhooks'],
      body: subscriptionInput(urls),
      response: { 201: subscriptionSchema.extend({ secret: z.string() }), ...problems(415) },
    },
    handler: async (request, reply) => {
      const { subscription, secret } = await service.subscribe(request.businessId, request.body);
      request.log.info({ subscriptionId: subscription.id, events: subscription.events }, 'webhook subscription made');
      return reply.code(201).send({ ...subscriptionJson(subscription), secret });
    },
  });

  api.get('/webhooks', {
    config: { scope: 'admin' },
    schema: { summary: 'List webhook subscriptions', description: 'Never the signing secrets. Scope: admin.', tags: ['webhooks'], response: { 200: z.object({ items: z.array(subscriptionSchema) }), ...problems() } },
    handler: async (request) => ({ items: (await service.list(request.businessId)).map(subscriptionJson) }),
  });

  api.delete('/webhooks/:id', {
    config: { scope: 'admin' },
    schema: { summary: 'Remove a webhook subscription', description: 'Its queued deliveries go with it. Scope: admin.', tags: ['webhooks'], params: objectIdParam, response: { 204: z.null(), ...problems(404) } },
    handler: async (request, reply) => {
      await service.remove(request.businessId, request.params.id);
      return reply.code(204).send(null);
    },
  });

  api.get('/webhooks/:id/deliveries', {
    config: { scope: 'admin' },
    schema: {
      summary: "A subscription's latest deliveries",
      description: 'Newest first, with their last attempts (time, HTTP status or error) and status. Scope: admin.',
      tags: ['webhooks'],
      params: objectIdParam,
      querystring: deliveriesQuery,
      response: { 200: z.object({ items: z.array(deliverySchema) }), ...problems(404) },
    },
    handler: async (request) => ({
      items: (await service.deliveries(request.businessId, request.params.id, request.query.limit)).map((d) => ({
        ...d,
        lastAttempts: d.lastAttempts.map((a) => ({ at: a.at, status: a.status ?? null, error: a.error ?? null })),
        nextAttemptAt: d.nextAttemptAt ?? null,
        finishedAt: d.finishedAt ?? null,
      })),
    }),
  });
}
