import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { periodStats, rangeStats, statsJson } from '../../digest/stats.js';
import { surveyKinds } from '../../domain/surveys.js';
import { ValidationError } from '../../errors.js';
import { problems, statsSchema } from './schemas.js';

const metricsQuery = z.strictObject({
  kind: z.enum(surveyKinds).optional().describe('Only this kind; all kinds with surveys when absent'),
  from: z.iso.datetime({ offset: true }).optional().describe('Start (ISO 8601); default 30 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('End (ISO 8601); default now'),
});
const statsQuery = z.strictObject({ period: z.enum(['7d', '30d', '90d']).default('30d') });
const maxDays = 731;
const day = z.iso.date().describe('A local day, YYYY-MM-DD');
const refusedQuery = z.strictObject({ from: day, to: day });

/** The digest's numbers: from the rollup counters, through the same code as /stats and the digest. */
export function reportRoutes(app: FastifyInstance, web: { answersPerDevice: number; answersPerNetwork: number }): void {
  const api = app.withTypeProvider<ZodTypeProvider>();

  api.get('/metrics', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'Scores and rates for a period',
      description: 'NPS, CSAT and CES with n and margin of error, sent, response, completion and abandonment rates over the whole weeks (business time zone) touching from..to. Scope: surveys:read.',
      tags: ['metrics'],
      querystring: metricsQuery,
      response: { 200: statsSchema.extend({ from: z.date(), to: z.date() }), ...problems() },
    },
    handler: async (request) => {
      const to = request.query.to ? new Date(request.query.to) : app.now();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 30 * 86_400_000);
      if (from > to) throw new ValidationError('from: must not be after to');
      if (to.getTime() - from.getTime() > maxDays * 86_400_000) throw new ValidationError(`from: at most ${maxDays} days before to`);
      return { ...statsJson(await rangeStats(app.store, request.business, from, to, undefined, request.query.kind)), from, to };
    },
  });

  api.get('/stats', {
    config: { scope: 'surveys:read' },
    schema: { summary: 'The /stats numbers', description: 'As the /stats chat command shows them, for the last 7, 30 or 90 days. Scope: surveys:read.', tags: ['metrics'], querystring: statsQuery, response: { 200: statsSchema, ...problems() } },
    handler: async (request) => statsJson(await periodStats(app.store, request.business, app.now(), Number(request.query.period.slice(0, -1)))),
  });

  api.get('/metrics/refused-answers', {
    config: { scope: 'surveys:read' },
    schema: {
      summary: 'Web answers refused past the daily limits',
      description:
        'Per local day (business time zone) and entry point (web, widget, link:<code>): answers refused because their device or network address had reached the day\'s limit (WEB_ANSWERS_PER_DEVICE, WEB_ANSWERS_PER_NETWORK). Refused answers are never stored as responses. Scope: surveys:read.',
      tags: ['metrics'],
      querystring: refusedQuery,
      response: { 200: z.object({ limits: z.object({ perDevice: z.number(), perNetwork: z.number() }), days: z.array(z.object({ day: z.string(), entry: z.string(), refused: z.number() })) }), ...problems() },
    },
    handler: async (request) => {
      const { from, to } = request.query;
      if (from > to) throw new ValidationError('from: must not be after to');
      const { answersPerDevice, answersPerNetwork } = web;
      return { limits: { perDevice: answersPerDevice, perNetwork: answersPerNetwork }, days: await app.store.answerLimits.refusals(request.businessId, from, to) };
    },
  });
}
