import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { environmentBusinessId } from '../businesses/environment-business.js';
import type { Config } from '../config.js';
import { periodStats, statsJson } from '../digest/stats.js';
import { surveyKinds } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import { customerIdParams } from '../privacy/customer-privacy.js';
import { invitationInput } from '../surveys/deep-links.js';
import { apiKeyAuth } from './auth.js';
import { addStaff, businessLink, createInvitation, staffBody } from './business-handlers.js';
import { apiServicesOf, type BusinessApiServices } from './business-api-services.js';
import type { ServedBusiness } from '../businesses/services.js';
import { NotFoundError } from '../errors.js';
import { exportContentTypes, exportFilters, exportFormats, surveyExport } from './export.js';
import { startSurveys, surveyWithDelivery } from './survey-handlers.js';

// Query strings are strict: a parameter the route does not know (`period[$ne]`, a typo) is a 400, not ignored.
const statsQuery = z.strictObject({ period: z.enum(['7d', '30d', '90d']).default('30d') });

const linkQuery = z.strictObject({ kind: z.enum(surveyKinds).default('nps') });

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'body');
const parseQuery = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'query');

/** The first REST API, under /api (deprecated for /api/v1, kept for existing integrations): API-key auth, zod-validated input, errors through the app's error handler. */
export async function apiRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  // preParsing (still before any body is read), so the per-address rate limit counts refused keys first.
  const auth = apiKeyAuth(config.apiKey);
  app.addHook('preParsing', async (request, reply) => {
    await auth(request, reply);
  });
  // API_KEY's business, the environment's: this API predates several businesses (v1 scopes by key).
  const served = async () => {
    const found = await app.businesses.get(environmentBusinessId);
    if (!found) throw new NotFoundError(`business ${environmentBusinessId} is not served (disabled or deleted)`);
    return found;
  };
  const servicesOf = apiServicesOf(app);
  // Per request, from the directory: the business as stored now.
  const current = async (): Promise<{ business: ServedBusiness; own: BusinessApiServices }> => {
    const business = await served();
    return { business, own: await servicesOf(business.settings) };
  };

  app.post('/surveys', async (request, reply) => {
    const { status, body } = await startSurveys((await current()).business.surveys, request.body);
    return reply.code(status).send(body);
  });

  app.get('/surveys/:id', async (request) => surveyWithDelivery(app, (request.params as { id: string }).id, (await current()).business.settings.id));

  app.get('/stats', async (request) => {
    const { period } = parseQuery(statsQuery, request.query);
    return statsJson(await periodStats(app.store, (await current()).business.settings, app.now(), Number(period.slice(0, -1))));
  });

  // Streamed: the export is read from a cursor as the client takes it, never held whole in memory.
  for (const format of exportFormats) {
    app.get(`/export.${format}`, async (request, reply) => {
      const filters = parseQuery(exportFilters, request.query);
      return reply
        .type(exportContentTypes[format])
        .header('content-disposition', `attachment; filename="surveys.${format}"`)
        .send(surveyExport(app.store, (await current()).business.settings.id, format, filters));
    });
  }

  // GDPR: everything stored about one customer (and their linked addresses), and its erasure.
  app.get('/customers/:id/export', async (request, reply) => {
    const { id } = parseInput(customerIdParams, request.params, 'params');
    const data = await app.privacy.exportCustomer((await current()).business.settings.id, id);
    return reply.header('content-disposition', `attachment; filename="customer-${id}.json"`).send(data);
  });

  app.delete('/customers/:id', async (request) => {
    const { id } = parseInput(customerIdParams, request.params, 'params');
    const report = await app.privacy.eraseCustomer((await current()).business.settings.id, id);
    request.log.info({ erasure: report }, 'customer erased');
    return report;
  });

  app.post('/invitations', async (request, reply) => {
    const input = parse(invitationInput, request.body ?? {});
    return reply.code(201).send(await createInvitation(app, (await current()).own, input));
  });

  app.get('/links/telegram', async (request) => businessLink(app, (await current()).own, parseQuery(linkQuery, request.query).kind));

  app.post('/staff', async (request, reply) => {
    const result = await addStaff((await current()).own, parse(staffBody, request.body), 'API_KEY');
    return reply.code(result.added ? 201 : 200).send(result);
  });
}
