import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { freeText } from '../../domain/text.js';
import { NotFoundError } from '../../errors.js';
import { apiScopes, type ApiKeyRecord, type ApiScope } from '../../store/index.js';
import type { ApiKeyAuth } from './auth.js';
import { objectIdParam, problems } from './schemas.js';

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(apiScopes)),
    createdAt: z.date(),
    revokedAt: z.date().nullable(),
    lastUsedAt: z.date().nullable().describe('Updated at most once a minute'),
  })
  .meta({ id: 'ApiKey' });
const createBody = z.strictObject({
  name: freeText(100).describe('Who uses the key, e.g. CRM'),
  scopes: z.array(z.enum(apiScopes)).min(1).max(apiScopes.length),
});

const keyJson = (k: ApiKeyRecord) => ({ id: k.id, name: k.name, scopes: k.scopes.filter((s): s is ApiScope => (apiScopes as readonly string[]).includes(s)), createdAt: k.createdAt, revokedAt: k.revokedAt ?? null, lastUsedAt: k.lastUsedAt ?? null });

/** The business's API keys (scope admin). */
export function apiKeyRoutes(app: FastifyInstance, auth: ApiKeyAuth): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/api-keys', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Make an API key',
      description: 'The key (`sk_…`) is in this answer only: only its SHA-256 is stored. Scope: admin.',
      tags: ['api keys'],
      body: createBody,
      response: { 201: apiKeySchema.extend({ key: z.string() }), ...problems(415) },
    },
    handler: async (request, reply) => {
      const made = await app.store.apiKeys.create({ businessId: request.businessId, ...request.body });
      request.log.info({ apiKeyId: made.id, scopes: made.scopes }, 'API key made');
      return reply.code(201).send({ ...keyJson(made), key: made.key });
    },
  });

  api.get('/api-keys', {
    config: { scope: 'admin' },
    schema: { summary: 'List API keys', description: 'Newest first, revoked ones included; never the keys themselves. Scope: admin.', tags: ['api keys'], response: { 200: z.object({ items: z.array(apiKeySchema) }), ...problems() } },
    handler: async (request) => ({ items: (await app.store.apiKeys.list(request.businessId)).map(keyJson) }),
  });

  api.delete('/api-keys/:id', {
    config: { scope: 'admin' },
    schema: { summary: 'Revoke an API key', description: 'At once on this server, within seconds on others. Scope: admin.', tags: ['api keys'], params: objectIdParam, response: { 200: apiKeySchema, ...problems(404) } },
    handler: async (request) => {
      const revoked = await app.store.apiKeys.revoke(request.params.id, request.businessId, app.now());
      if (!revoked) throw new NotFoundError(`no API key ${request.params.id}`);
      auth.forget(revoked.id);
      request.log.info({ apiKeyId: revoked.id }, 'API key revoked');
      return keyJson(revoked);
    },
  });
}
