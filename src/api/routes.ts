import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import { periodStats, statsJson } from '../digest/stats.js';
import { surveyKinds } from '../domain/surveys.js';
import { AppError, ConflictError, describeIssues, NotFoundError, parseInput, ValidationError } from '../errors.js';
import { customerIdParams } from '../privacy/customer-privacy.js';
import { invitationInput } from '../surveys/deep-links.js';
import { normalizeAddress, startSurveyInput } from '../surveys/start-survey.js';
import { apiKeyAuth } from './auth.js';
import { csvRecords } from './csv.js';
import { exportContentTypes, exportFilters, exportFormats, surveyExport } from './export.js';

const surveyRow = startSurveyInput.omit({ trigger: true, tags: true }).extend({
  tags: z.union([z.array(z.string()), z.string().transform((s) => s.split(/[;|]/).map((t) => t.trim()).filter(Boolean))]).optional(),
});
const maxRows = 1000;
// Query strings are strict: a parameter the route does not know (`period[$ne]`, a typo) is a 400, not ignored.
const statsQuery = z.strictObject({ period: z.enum(['7d', '30d', '90d']).default('30d') });
const staffBody = z.object({
  channel: z.enum(['sms', 'telegram', 'teams', 'web']),
  address: z.string().trim().min(1),
  role: z.enum(['owner', 'staff']).default('staff'),
  name: z.string().trim().min(1).max(100).optional(),
});

const linkQuery = z.strictObject({ kind: z.enum(surveyKinds).default('nps') });

const issues = (e: z.ZodError) => describeIssues(e, 'body').join('; ');

const parse = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'body');
const parseQuery = <T>(schema: z.ZodType<T>, value: unknown): T => parseInput(schema, value, 'query');

/** REST API under /api: API-key auth, zod-validated input, errors through the app's error handler. */
export async function apiRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addHook('onRequest', apiKeyAuth(config.apiKey));

  const start = async (raw: unknown) => {
    const row = surveyRow.safeParse(raw);
    if (!row.success) return { ok: false as const, error: issues(row.error) };
    try {
      return { ok: true as const, ...(await app.surveys.start({ ...row.data, trigger: 'api' })) };
    } catch (err) {
      if (err instanceof AppError && err.expected) return { ok: false as const, error: err.message };
      throw err;
    }
  };

  app.post('/surveys', async (request, reply) => {
    const body = request.body;
    if (typeof body === 'string' || Array.isArray(body)) {
      const rows: unknown[] = typeof body === 'string' ? csvRecords(body) : body;
      if (rows.length === 0) throw new ValidationError('no rows: send a JSON array or a CSV with a header line kind,channel,address,name,locale,context');
      if (rows.length > maxRows) throw new ValidationError(`at most ${maxRows} rows per request`);
      const results = [];
      for (const [i, row] of rows.entries()) results.push({ row: i + 1, ...(await start(row)) });
      return reply.code(200).send({ results, accepted: results.filter((r) => r.ok).length, rejected: results.filter((r) => !r.ok).length });
    }
    const result = await start(body ?? {});
    if (!result.ok) throw new ValidationError(result.error);
    return reply.code(result.status === 'sent' || result.status === 'queued' ? 201 : 200).send(result);
  });

  app.get('/surveys/:id', async (request) => {
    const { id } = request.params as { id: string };
    const s = await app.store.surveys.byId(id, app.business.id);
    if (!s) throw new NotFoundError(`no survey ${id}`);
    return {
      id: s.id,
      customerId: s.customerId,
      kind: s.kind,
      channel: s.channel,
      address: s.address,
      state: s.state,
      score: s.score ?? null,
      band: s.band ?? null,
      comment: s.comment ?? null,
      customerName: s.vars.customerName ?? null,
      context: s.vars.context ?? null,
      trigger: s.trigger,
      tags: s.tags,
      invitedAt: s.invitedAt,
      answeredAt: s.answeredAt ?? null,
      completedAt: s.completedAt ?? null,
      delivery: (await app.store.outbox.invitationOf(s.id)) ?? null,
      replies: s.replies,
      firstReplyAt: s.firstReplyAt ?? null,
      timeToFirstReplyMs: s.timeToFirstReplyMs ?? null,
    };
  });

  app.get('/stats', async (request) => {
    const { period } = parseQuery(statsQuery, request.query);
    return statsJson(await periodStats(app.store, app.business, app.now(), Number(period.slice(0, -1))));
  });

  // Streamed: the export is read from a cursor as the client takes it, never held whole in memory.
  for (const format of exportFormats) {
    app.get(`/export.${format}`, async (request, reply) => {
      const filters = parseQuery(exportFilters, request.query);
      return reply
        .type(exportContentTypes[format])
        .header('content-disposition', `attachment; filename="surveys.${format}"`)
        .send(surveyExport(app.store, app.business.id, format, filters));
    });
  }

  // GDPR: everything stored about one customer (and their linked addresses), and its erasure.
  app.get('/customers/:id/export', async (request, reply) => {
    const { id } = parseInput(customerIdParams, request.params, 'params');
    const data = await app.privacy.exportCustomer(app.business.id, id);
    return reply.header('content-disposition', `attachment; filename="customer-${id}.json"`).send(data);
  });

  app.delete('/customers/:id', async (request) => {
    const { id } = parseInput(customerIdParams, request.params, 'params');
    const report = await app.privacy.eraseCustomer(app.business.id, id);
    request.log.info({ erasure: report }, 'customer erased');
    return report;
  });

  /** The channel's deep-link maker, or a 409 saying how to enable it. */
  const linker = (channel: string) => {
    const deepLink = app.channels.get(channel as 'telegram')?.deepLink;
    if (!deepLink) throw new ConflictError(`${channel} is not enabled: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET`);
    return deepLink;
  };

  // A one-time link for one customer whose chat is not known yet; the token is shown only here.
  app.post('/invitations', async (request, reply) => {
    const input = parse(invitationInput, request.body ?? {});
    const deepLink = linker(input.channel);
    const invitation = await app.links.createInvitation(input, 'api');
    return reply.code(201).send({ ...invitation, link: await deepLink(invitation.token) });
  });

  // The business's public link (receipts, a QR code at the till): a survey for whoever opens it.
  app.get('/links/telegram', async (request) => {
    const { kind } = parseQuery(linkQuery, request.query);
    const token = app.links.businessToken(kind);
    return { channel: 'telegram', kind, token, link: await linker('telegram')(token) };
  });

  app.post('/staff', async (request, reply) => {
    const body = parse(staffBody, request.body);
    const address = normalizeAddress(body.channel, body.address, app.business.country);
    const result = await app.staff.add({ channel: body.channel, address }, body.role, body.name);
    return reply.code(result.added ? 201 : 200).send(result);
  });
}
