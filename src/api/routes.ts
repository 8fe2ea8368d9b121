import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import { periodStats, statsJson } from '../digest/stats.js';
import { surveyKinds } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import { invitationInput } from '../surveys/deep-links.js';
import { apiKeyAuth } from './auth.js';
import { addStaff, businessLink, createInvitation, staffBody } from './business-handlers.js';
import { businessServices } from './business-services.js';
import { csvLine } from './csv.js';
import { startSurveys, surveyWithDelivery } from './survey-handlers.js';

// Query strings are strict: a parameter the route does not know (`period[$ne]`, a typo) is a 400, not ignored.
const statsQuery = z.strictObject({ period: z.enum(['7d', '30d', '90d']).default('30d') });

const linkQuery = z.strictObject({ kind: z.enum(surveyKinds).default('nps') });

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'body');
const parseQuery = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'query');

const exportColumns = ['id', 'kind', 'channel', 'state', 'score', 'band', 'comment', 'customerName', 'context', 'trigger', 'tags', 'invitedAt', 'answeredAt', 'completedAt', 'firstReplyAt', 'timeToFirstReplyMs'] as const;

/** The first REST API, under /api (deprecated for /api/v1, kept for existing integrations): API-key auth, zod-validated input, errors through the app's error handler. */
export async function apiRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', apiKeyAuth(config.apiKey));
  const own = businessServices(app)(app.business);

  // The first business's services: this API predates several businesses (v1 scopes by key).
  app.post('/surveys', async (request, reply) => {
    const { status, body } = await startSurveys(app.surveys, request.body);
    return reply.code(status).send(body);
  });

  app.get('/surveys/:id', async (request) => surveyWithDelivery(app, (request.params as { id: string }).id, app.business.id));

  app.get('/stats', async (request) => {
    const { period } = parseQuery(statsQuery, request.query);
    return statsJson(await periodStats(app.store, app.business, app.now(), Number(period.slice(0, -1))));
  });

  app.get('/export.csv', async (_request, reply) => {
    let out = csvLine(exportColumns);
    for await (const s of app.store.surveys.all(app.business.id)) {
      out += csvLine([s.id, s.kind, s.channel, s.state, s.score, s.band, s.comment, s.vars.customerName, s.vars.context, s.trigger, s.tags.join(';'), s.invitedAt, s.answeredAt, s.completedAt, s.firstReplyAt, s.timeToFirstReplyMs]);
    }
    return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="surveys.csv"').send(out);
  });

  app.post('/invitations', async (request, reply) => {
    const input = parse(invitationInput, request.body ?? {});
    return reply.code(201).send(await createInvitation(app, own, input));
  });

  app.get('/links/telegram', async (request) => businessLink(app, own, parseQuery(linkQuery, request.query).kind));

  app.post('/staff', async (request, reply) => {
    const result = await addStaff(own, parse(staffBody, request.body));
    return reply.code(result.added ? 201 : 200).send(result);
  });
}
