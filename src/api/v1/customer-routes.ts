import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { freeText } from '../../domain/text.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { CustomerRecord } from '../../store/index.js';
import { customerSchema, objectIdParam, problems } from './schemas.js';

const tagsBody = z.strictObject({
  tags: z.array(freeText(50)).max(20).describe('Replaces the customer\'s tags; later surveys carry them'),
});

function customerJson(c: CustomerRecord) {
  return { id: c.id, channel: c.channel, address: c.address, name: c.name ?? null, locale: c.locale ?? null, tags: c.tags, optedOut: !!c.optedOutAt, lastSurveyedAt: c.lastSurveyedAt ?? null };
}

/** Customers of the caller's business: read one, set its tags. */
export function customerRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/customers/:id', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'One customer', description: 'Scope: surveys:read.', tags: ['customers'], params: objectIdParam, response: { 200: customerSchema, ...problems(404) } },
    handler: async (request) => {
      const c = await app.store.customers.byId(request.params.id, request.businessId);
      if (!c) throw new NotFoundError(`no customer ${request.params.id}`);
      return customerJson(c);
    },
  });

  api.patch('/customers/:id', {
    config: { scope: 'surveys:write' },
    schema: { summary: 'Set a customer\'s tags', description: 'Scope: surveys:write. 409 for an erased customer.', tags: ['customers'], params: objectIdParam, body: tagsBody, response: { 200: customerSchema, ...problems(404, 409, 415) } },
    handler: async (request) => {
      const c = await app.store.customers.setTags(request.params.id, request.businessId, request.body.tags);
      if (!c) throw new NotFoundError(`no customer ${request.params.id}`);
      // An erased customer's record is a tombstone: tagging it would start a profile of no one again.
      if (c === 'erased') throw new ConflictError(`customer ${request.params.id} was erased: it takes no tags`);
      return customerJson(c);
    },
  });
}
