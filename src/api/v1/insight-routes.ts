import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NotFoundError } from '../../errors.js';
import { surveyKinds } from '../../domain/surveys.js';
import { cohortDimensions, customerTimeline, dropsCursor, dropsReportFor, eventBatch, importEventsCsv, metricsByCohort, recordEvents, themesReportFor } from '../../insights/index.js';
import { importRowsOfCsv, importSurveys, maxImportRows } from '../../insights/survey-import.js';
import { segmentsReportFor } from '../../insights/segments-report.js';
import type { Analysed } from '../../insights/week-analysis.js';
import { objectIdParam, problems } from './schemas.js';

/** The analyses answer in the shapes `src/insights/` documents. */
const report = z.any();

/**
 * The queries as the document shows them and the route checks them: each field's type, values and
 * format. The insights code then reads them with its own schemas (dates, and the rules across fields:
 * `from` before `to`, the longest period), which answer 400 naming the field.
 */
const when = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).describe('A date (YYYY-MM-DD) or a time (ISO 8601 with an offset)');
const kind = z.enum(surveyKinds);
const cohortsQuery = z.strictObject({
  kind,
  by: z.enum(cohortDimensions),
  period: z.enum(['week', 'month']).default('week'),
  from: z.iso.date().describe('First day (YYYY-MM-DD); the period is at most two years'),
  to: z.iso.date().describe('Last day (YYYY-MM-DD), not before `from`'),
});
const dropsQuery = z.strictObject({
  from: when.describe('Start: its week is the first; the period is at most a year'),
  to: when.describe('End (exclusive), after `from`: the week before it is the last'),
  kind: kind.optional(),
  windowDays: z.coerce.number().int().min(1).max(365).default(30).describe('Days of the windows before and after each answer (time to solution, interaction change)'),
  limit: z.coerce.number().int().min(1).max(1000).default(200).describe('Answers in a page'),
  after: z.string().regex(dropsCursor).optional().describe('The `page.next` of the page before'),
});
const segmentsQuery = z.strictObject({
  from: when.describe('Start: its week is the first; the period is at most a year'),
  to: when.describe('End (exclusive), after `from`: the week before it is the last'),
  kind: kind.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const themesQuery = z.strictObject({
  from: when.describe('Start: its week is the first; the period is at most a year'),
  to: when.describe('End (exclusive), after `from`: the week before it is the last'),
  period: z.enum(['week', 'month']).default('week'),
  kind: kind.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

/**
 * A report over kept week analyses: when a large week's newest answers are still being analysed,
 * its last analysis was served, and `Analysed-At` says when that analysis began (ISO 8601).
 */
function analysedReply<T>(reply: FastifyReply, { report, asOf }: Analysed<T>): T {
  if (asOf) void reply.header('analysed-at', asOf.toISOString());
  return report;
}

/** Events from other systems, one person's timeline, and the analyses (scope surveys:write for events, surveys:read for the rest). */
export function insightRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.post('/events', {
    config: { scope: 'surveys:write' },
    schema: {
      summary: 'Record events from other systems',
      description:
        'A JSON array of up to 1,000 events (purchase, delivery, support_ticket, web_visit, social_mention, refund, custom), or the same as `text/csv`. Idempotent by `source` and `sourceEventId`; customers matched by externalId, phone or email and created when unknown. A result per event. Scope: surveys:write.',
      tags: ['insights'],
      body: z.union([eventBatch, z.string().min(1).describe('CSV (text/csv) with a header line')]),
      response: { 200: z.object({ results: z.array(report), created: z.number().int(), duplicates: z.number().int(), rejected: z.number().int() }), ...problems(413, 415) },
    },
    handler: async (request) => {
      const options = { country: request.business.country, now: app.now() };
      const results: Array<{ status: string }> =
        typeof request.body === 'string' ? await importEventsCsv(app.store, request.businessId, request.body, options) : await recordEvents(app.store, request.businessId, request.body, options);
      const count = (status: string) => results.filter((r) => r.status === status).length;
      return { results, created: count('created'), duplicates: count('duplicate'), rejected: count('rejected') };
    },
  });

  api.post('/surveys/import', {
    config: { scope: 'surveys:write' },
    schema: {
      summary: 'Import answered surveys',
      description: `Past answers with their dates, from another tool: a JSON array (sourceId, kind, score, comment, answeredAt, customer {externalId, phone, email}, channel, context {product, order, location, staff}, tags, locale) or text/csv with those columns or Delighted's response export columns; up to ${maxImportRows} rows. Each row is checked on its own (a result per row, rejected ones with the reason), stored once per \`source\` and sourceId (again: duplicate), marked as imported and counted in the week and cohorts of its answer. Scope: surveys:write.`,
      tags: ['surveys'],
      consumes: ['application/json', 'text/csv'],
      querystring: z.strictObject({ source: z.string().trim().min(1).max(50).regex(/^[\w.-]+$/, 'letters, digits, _ . -').default('import') }),
      body: z.union([z.array(z.unknown()).min(1, 'no rows'), z.string().min(1, 'no rows')]),
      response: { 200: z.object({ results: z.array(report), created: z.number().int(), duplicates: z.number().int(), rejected: z.number().int() }), ...problems(413, 415) },
    },
    handler: async (request) => {
      const rows = typeof request.body === 'string' ? importRowsOfCsv(request.body) : request.body;
      const results = await importSurveys(app.store, request.business, rows, { source: request.query.source, now: app.now() });
      const count = (status: string) => results.filter((r) => r.status === status).length;
      return { results, created: count('created'), duplicates: count('duplicate'), rejected: count('rejected') };
    },
  });

  api.get('/customers/:id/timeline', {
    config: { scope: 'surveys:read' },
    schema: { summary: "One person's timeline", description: 'Every survey, score, comment, owner reply and event of the person (all their linked addresses), in time order. Scope: surveys:read.', tags: ['insights'], params: objectIdParam, response: { 200: report, ...problems(404) } },
    handler: async (request) => {
      const timeline = await customerTimeline(app.store, request.businessId, request.params.id);
      if (!timeline) throw new NotFoundError(`no customer ${request.params.id}`);
      return timeline;
    },
  });

  api.get('/metrics/cohorts', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'Scores per group and period',
      description: '`by`: product, tag, location, staff or channel; per group and week or month the score, n and 95 % margin, groups beyond their margin from the rest flagged. From the counters only. Scope: surveys:read.',
      tags: ['insights'],
      querystring: cohortsQuery,
      response: { 200: report, ...problems() },
    },
    handler: async (request) => metricsByCohort(app.store, request.businessId, request.query as never),
  });

  api.get('/insights/drops', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'What came before score drops',
      description:
        'Over the business\'s weeks from the one holding `from` to the one before `to` (each survey in the week it was started): the pairs of consecutive answers of a person, the drops among them, and per event type and attribute how often it preceded a drop against stable or rising scores (lift, counts, one-sided Fisher p), from the kept week analyses. Then one page of the period\'s answers (`limit`, in week order; `page.next` asks for the next): the drops whose second answer is in the page with the events between, the CES answers\' ticket resolution times (`timeToSolution`) and the events in the `windowDays` before and after each answer (`interactionChange`), each summed per band over the page. A week of more than `ANALYSIS_LIVE_ANSWERS` answers that changed is counted from its last analysis, at most 15 minutes old, while the server computes it again; `Analysed-At` then says when that analysis began. Scope: surveys:read.',
      tags: ['insights'],
      querystring: dropsQuery,
      response: { 200: report, ...problems() },
    },
    handler: async (request, reply) => analysedReply(reply, await dropsReportFor(app.store, request.businessId, request.query, app.now())),
  });

  api.get('/insights/segments', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'Where scores fell most',
      description: 'Per survey kind, each cohort (tag, product, location, staff), each event detail before the survey, and each cohort × event detail against everyone else: counts on both sides, score, effect, its 95 % margin, p and Benjamini–Hochberg adjusted p over every segment tried; flagged (adjusted p < 0.0125, the share of the 5 % each of the four insight reports gets, as in the digest and the dashboard; ≥ 10 answers a side; below the rest) first. The period is the business\'s weeks from the one holding `from` to the one before `to`, each survey in the week it was started. A large week that changed is counted from its last analysis meanwhile (`Analysed-At`, as for drops). Scope: surveys:read.',
      tags: ['insights'],
      querystring: segmentsQuery,
      response: { 200: report, ...problems() },
    },
    handler: async (request, reply) => analysedReply(reply, await segmentsReportFor(app.store, request.businessId, request.query)),
  });

  api.get('/insights/themes', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'Comment themes', description: 'Per band and period, the words and two-word phrases detractors use more than promoters, each with its count and its first five comment ids. The period is the business\'s weeks from the one holding `from` to the one before `to`, each survey in the week it was started. A large week that changed is counted from its last analysis meanwhile (`Analysed-At`, as for drops). Scope: surveys:read.', tags: ['insights'], querystring: themesQuery, response: { 200: report, ...problems() } },
    handler: async (request, reply) => analysedReply(reply, await themesReportFor(app.store, request.businessId, request.query)),
  });
}
