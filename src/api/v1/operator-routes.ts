import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BusinessOperations } from '../../businesses/operations.js';
import { businessIdSchema, businessInput, businessPatch } from '../../businesses/settings.js';
import { problems } from './schemas.js';
import { settingsJson, settingsSchema } from './settings-routes.js';

const idParams = z.strictObject({ id: businessIdSchema });
const operatorPatch = businessPatch.extend({ disabled: z.boolean().describe('true: kept but not served (404 on its routes); false: served again') }).partial();

/**
 * The deployment's businesses, for an operator key (scope operator; made with `npm run api-key --
 * create --operator`): create, list, read, change, disable and delete them while the server runs.
 * A business's own keys never reach these routes, and an operator key reaches nothing else.
 */
export function operatorRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const operations = BusinessOperations.of(app);
  const config = { scope: 'operator' as const };
  const tags = ['businesses'];

  api.post('/businesses', {
    config,
    schema: {
      summary: 'Create a business',
      description:
        'Served at once on this instance, on the others within BUSINESS_REFRESH: its webhooks and web chat under `/b/<id>/`, a Telegram bot told its webhook. The answer carries the owner\'s one-time claim code (send `/claim <code>` to the bot). Provider endpoints (`apiBaseUrl`, `apiRoot`) are refused. Scope: operator.',
      tags,
      body: businessInput,
      response: { 201: z.object({ business: settingsSchema, claimCode: z.string() }), ...problems(409, 415) },
    },
    handler: async (request, reply) => {
      const { business, claimCode } = await operations.create(request.body);
      request.log.info({ business: business.id, channels: business.channelNames ?? [] }, 'business created');
      return reply.code(201).send({ business: settingsJson(business), claimCode });
    },
  });

  api.get('/businesses', {
    config,
    schema: { summary: 'List the businesses', description: 'Disabled ones included; never a secret. Scope: operator.', tags, response: { 200: z.object({ items: z.array(settingsSchema) }), ...problems() } },
    handler: async () => ({ items: (await operations.list()).map(settingsJson) }),
  });

  api.get('/businesses/:id', {
    config,
    schema: { summary: 'One business', description: 'Never a secret. Scope: operator.', tags, params: idParams, response: { 200: settingsSchema, ...problems(404) } },
    handler: async (request) => settingsJson(await operations.get(request.params.id)),
  });

  api.patch('/businesses/:id', {
    config,
    schema: {
      summary: 'Change, disable or enable a business',
      description: 'Only the fields given; `channels` replaces its identities. Applies at once on this instance, on the others within BUSINESS_REFRESH. Scope: operator.',
      tags,
      params: idParams,
      body: operatorPatch,
      response: { 200: settingsSchema, ...problems(404, 415) },
    },
    handler: async (request) => {
      const { disabled, ...patch } = request.body;
      let business = Object.keys(patch).length ? await operations.change(request.params.id, patch) : await operations.get(request.params.id);
      if (disabled !== undefined) business = await operations.setDisabled(request.params.id, disabled);
      request.log.info({ business: business.id, fields: Object.keys(request.body) }, 'business changed');
      return settingsJson(business);
    },
  });

  api.delete('/businesses/:id', {
    config,
    schema: {
      summary: 'Delete a disabled business',
      description: 'Only a disabled business (409 otherwise). Its settings, channel identities and API keys are deleted; its surveys, customers and counters stay. Scope: operator.',
      tags,
      params: idParams,
      response: { 204: z.null().describe('Deleted'), ...problems(404, 409) },
    },
    handler: async (request, reply) => {
      await operations.remove(request.params.id);
      request.log.info({ business: request.params.id }, 'business deleted');
      return reply.code(204).send(null);
    },
  });
}
