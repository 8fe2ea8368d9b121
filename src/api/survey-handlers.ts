import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, describeIssues, NotFoundError, ValidationError } from '../errors.js';
import { identityOfSurvey, type SurveyRecord } from '../store/index.js';
import type { SurveyStarter } from '../surveys/start-survey.js';
import { startSurveyInput } from '../surveys/start-survey.js';
import { csvRecords } from '../domain/csv.js';

/** One survey to start, as the API takes it (tags also as `a;b` or `a|b` text, as a CSV cell has them). */
export const surveyRow = startSurveyInput.omit({ trigger: true, tags: true }).extend({
  tags: z.union([z.array(z.string()), z.string().transform((s) => s.split(/[;|]/).map((t) => t.trim()).filter(Boolean))]).optional(),
});
export const maxRows = 1000;
/**
 * Rows of one request started a group at a time: each group's customers, surveys and invitations are
 * written in one command each (`SurveyStarter.queueMany`). Their invitations are queued and sent after
 * the answer (`Outbox.deliverSoon`), so the channel's pacer, not the upload, keeps the provider's rate.
 */
const rowsPerGroup = 50;

export type RowResult = { row: number; ok: false; error: string } | ({ row: number; ok: true } & Awaited<ReturnType<SurveyStarter['start']>>);

/**
 * Start one survey (a single object); a refusal the caller can fix (bad field, bad address) is its
 * error, anything else throws.
 */
async function startRow(starter: SurveyStarter, raw: unknown) {
  const row = surveyRow.safeParse(raw);
  if (!row.success) return { ok: false as const, error: describeIssues(row.error, 'body').join('; '), issues: row.error as z.ZodError | undefined };
  try {
    return { ok: true as const, ...(await starter.start({ ...row.data, trigger: 'api' })) };
  } catch (err) {
    if (err instanceof AppError && err.expected) return { ok: false as const, error: err.message, issues: undefined };
    throw err;
  }
}

/** Rows `first + 1` on of an upload: each checked, the valid ones queued together. */
async function startGroup(starter: SurveyStarter, raws: readonly unknown[], first: number): Promise<RowResult[]> {
  const parsed = raws.map((raw) => surveyRow.safeParse(raw));
  const valid = parsed.flatMap((p, i) => (p.success ? [{ i, data: p.data }] : []));
  const started = await starter.queueMany(valid.map((v) => ({ ...v.data, trigger: 'api' as const })));
  const out: RowResult[] = parsed.map((p, i) => ({ row: first + i + 1, ok: false as const, error: p.success ? '' : describeIssues(p.error, 'body').join('; ') }));
  for (const [n, { i }] of valid.entries()) {
    const result = started[n]!;
    if (result instanceof AppError) out[i] = { row: first + i + 1, ok: false, error: result.message };
    else out[i] = { row: first + i + 1, ok: true, ...result };
  }
  return out;
}

/**
 * `POST /surveys`: a JSON array or a CSV text gives a result per row (200); one object gives its
 * result, 201 when an invitation went out or was queued. `invalid` turns a single object's bad
 * fields into the API's error.
 */
export async function startSurveys(
  starter: SurveyStarter,
  body: unknown,
  invalid: (message: string, issues?: z.ZodError) => Error,
): Promise<{ status: number; body: unknown }> {
  if (typeof body === 'string' || Array.isArray(body)) {
    const rows: unknown[] = typeof body === 'string' ? csvRecords(body) : body;
    if (rows.length === 0) throw new ValidationError('no rows: send a JSON array or a CSV with a header line kind,channel,address,name,locale,context');
    if (rows.length > maxRows) throw new ValidationError(`at most ${maxRows} rows per request`);
    const results: RowResult[] = [];
    for (let from = 0; from < rows.length; from += rowsPerGroup) results.push(...(await startGroup(starter, rows.slice(from, from + rowsPerGroup), from)));
    return { status: 200, body: { results, accepted: results.filter((r) => r.ok).length, rejected: results.filter((r) => !r.ok).length } };
  }
  const result = await startRow(starter, body ?? {});
  if (!result.ok) throw invalid(result.error, result.issues);
  return { status: result.status === 'sent' || result.status === 'queued' ? 201 : 200, body: result };
}

/** A survey as the API shows it; `delivery` only where the caller read it (one query more). */
export function surveyJson(s: SurveyRecord, delivery?: unknown) {
  return {
    id: s.id,
    customerId: s.customerId,
    kind: s.kind,
    channel: s.channel,
    address: s.address,
    state: s.state,
    score: s.score ?? null,
    band: s.band ?? null,
    reason: s.reason ?? null,
    comment: s.comment ?? null,
    customerName: s.vars.customerName ?? null,
    context: s.vars.context ?? null,
    product: s.context?.product ?? null,
    order: s.context?.order ?? null,
    location: s.context?.location ?? null,
    staff: s.context?.staff ?? null,
    trigger: s.trigger,
    identity: identityOfSurvey(s),
    tags: s.tags,
    invitedAt: s.invitedAt,
    answeredAt: s.answeredAt ?? null,
    completedAt: s.completedAt ?? null,
    ...(delivery === undefined ? {} : { delivery }),
    replies: s.replies,
    firstReplyAt: s.firstReplyAt ?? null,
    timeToFirstReplyMs: s.timeToFirstReplyMs ?? null,
  };
}

/** One survey of the business, with its invitation's delivery; 404 when the business has none with that id. */
export async function surveyWithDelivery(app: FastifyInstance, id: string, businessId: string) {
  const s = await app.store.surveys.byId(id, businessId);
  if (!s) throw new NotFoundError(`no survey ${id}`);
  return surveyJson(s, (await app.store.outbox.invitationOf(s.id)) ?? null);
}
