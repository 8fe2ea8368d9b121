import { z } from 'zod';
import { anonymousChannel, phoneChannel } from '../domain/channel-facts.js';
import { channelNames } from '../domain/channels.js';
import { normalizePhone } from '../domain/phone.js';
import { bandOf, scaleOf, surveyKinds } from '../domain/surveys.js';
import { describeIssues, ValidationError } from '../errors.js';
import { csvRecords } from '../domain/csv.js';
import type { BusinessSettings, ImportedSurvey, Store } from '../store/index.js';
import { importedSurveyId, importMetrics } from '../store/index.js';
import { weekKey } from '../domain/calendar.js';
import { featuresOf } from './event-features.js';
import { resolveCustomers } from './events.js';
import { localeSchema } from '../dialogs/languages.js';

const text = (max: number) => z.string().trim().min(1).max(max);

/** One answered survey from another tool, with its dates. */
export const importRow = z
  .object({
    sourceId: text(200),
    kind: z.enum(surveyKinds),
    score: z.number().int('a whole number'),
    comment: z.string().trim().max(4000).optional(),
    answeredAt: z
      .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'an ISO 8601 date and time, such as 2026-03-01T10:00:00Z' })
      .transform((v) => new Date(v)),
    customer: z
      .object({ externalId: text(100).optional(), phone: text(40).optional(), email: z.string().trim().toLowerCase().pipe(z.email()).optional() })
      .refine((c) => c.externalId || c.phone || c.email, 'give externalId, phone or email'),
    channel: z.enum(channelNames).optional(),
    context: z.object({ product: text(100).optional(), order: text(100).optional(), location: text(100).optional(), staff: text(100).optional() }).optional(),
    tags: z.array(text(50)).max(20).optional(),
    locale: localeSchema.optional(),
  })
  .superRefine((r, ctx) => {
    const { min, max } = scaleOf(r.kind);
    if (r.score < min || r.score > max) ctx.addIssue({ code: 'custom', path: ['score'], message: `${r.kind} scores are ${min} to ${max}` });
  });

export const maxImportRows = 1000;

type Outcome = { status: 'created' | 'duplicate'; surveyId: string } | { status: 'rejected'; reason: string };
/** What became of one row (`row` from 1, as a spreadsheet numbers data rows). */
export type ImportResult = Outcome & { row: number };

/**
 * Import answered surveys: each row validated on its own (a bad row is rejected with its reasons,
 * the others are stored), its customer found or created as for events, stored closed and completed
 * with `trigger: 'import'`, once per (source, sourceId), and counted in the week and cohorts of its
 * answer (its tags and context). A row already imported is a `duplicate` and counts nothing again.
 */
export async function importSurveys(store: Store, business: BusinessSettings, rows: unknown, options: { source: string; now: Date }): Promise<ImportResult[]> {
  const list = z.array(z.unknown()).min(1, 'no rows').max(maxImportRows, `at most ${maxImportRows} rows`).safeParse(rows);
  if (!list.success) throw new ValidationError(describeIssues(list.error, 'rows').join('; '));
  const results: ImportResult[] = [];
  const valid: Array<{ row: number; r: z.output<typeof importRow>; phone?: string }> = [];
  const seen = new Set<string>();
  list.data.forEach((raw, i) => {
    const row = i + 1;
    const parsed = importRow.safeParse(raw);
    if (!parsed.success) return results.push({ row, status: 'rejected', reason: describeIssues(parsed.error).join('; ') });
    const r = parsed.data;
    if (r.answeredAt > options.now) return results.push({ row, status: 'rejected', reason: 'answeredAt: in the future' });
    let phone: string | undefined;
    if (r.customer.phone) {
      phone = normalizePhone(r.customer.phone, business.country) ?? undefined;
      if (!phone) return results.push({ row, status: 'rejected', reason: 'customer.phone: not a valid phone number' });
    }
    if (seen.has(r.sourceId)) return results.push({ row, status: 'duplicate', surveyId: importedSurveyId(business.id, options.source, r.sourceId) });
    seen.add(r.sourceId);
    valid.push({ row, r, phone });
  });

  const who = valid.map(({ r, phone }) => ({ externalId: r.customer.externalId, phone, email: r.customer.email }));
  const customerOf = await resolveCustomers(store, business.id, who);
  const precededBy = await eventFeaturesBefore(store, business.id, valid.map(({ r }, i) => ({ customerId: customerOf(who[i]!), at: r.answeredAt })));
  const surveys: ImportedSurvey[] = valid.map(({ r }, i) => ({
    businessId: business.id,
    customerId: customerOf(who[i]!),
    // The channel the source names; else the phone channel for a phone number, the anonymous one for anyone else.
    channel: r.channel ?? (who[i]!.phone ? phoneChannel : anonymousChannel),
    address: who[i]!.phone ?? (r.customer.externalId ? `id:${r.customer.externalId}` : `email:${r.customer.email}`),
    kind: r.kind,
    score: r.score,
    band: bandOf(r.kind, r.score),
    ...(r.comment ? { comment: r.comment } : {}),
    locale: r.locale ?? business.locale,
    answeredAt: r.answeredAt,
    week: weekKey(r.answeredAt, business.timeZone),
    tags: r.tags ?? [],
    ...(r.context ? { context: r.context } : {}),
    ...(precededBy[i]!.length ? { precededBy: precededBy[i] } : {}),
    source: options.source,
    sourceId: r.sourceId,
  }));
  const stored = await store.surveyImports.insert(surveys, options.now);
  for (const [i, s] of surveys.entries()) {
    const surveyId = importedSurveyId(business.id, options.source, s.sourceId);
    results.push({ row: valid[i]!.row, status: stored[i]!, surveyId });
    if (stored[i] !== 'created') continue;
    // Counted as a live answer is: one increment after the write; a crash in between is corrected by the week's recount.
    const key = { businessId: s.businessId, kind: s.kind, week: s.week, tags: s.tags, channel: s.channel, context: s.context, precededBy: s.precededBy, trigger: 'import' };
    await store.rollups.add(key, importMetrics(s), s.score);
  }
  return results.sort((a, b) => a.row - b.row);
}

/** Days before an answer whose events count in its `event:` cohorts, as for a survey started live. */
const eventWindowDays = 30;

/** Per answer, the features of its customer's events (imported before it) in the 30 days before it: one indexed read for the batch. */
async function eventFeaturesBefore(store: Store, businessId: string, answers: ReadonlyArray<{ customerId: string; at: Date }>): Promise<string[][]> {
  if (!answers.length) return [];
  const window = eventWindowDays * 86_400_000;
  const from = new Date(Math.min(...answers.map((a) => a.at.getTime())) - window);
  const events = await store.events.ofCustomers(businessId, [...new Set(answers.map((a) => a.customerId))], { from });
  return answers.map((a) => {
    const features = events.filter((e) => e.customerId === a.customerId && e.at < a.at && e.at.getTime() >= a.at.getTime() - window).flatMap((e) => featuresOf(e));
    return [...new Set(features)].sort();
  });
}

/** A date and time as spreadsheets and survey tools write it ("2026-03-01 10:00:00 -0800") in ISO 8601. */
function isoTime(v: string | undefined): string | undefined {
  const m = v && /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/i.exec(v);
  if (!m) return v;
  const zone = !m[3] || /^(z|utc)$/i.test(m[3]) ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  return `${m[1]}T${m[2]!.length === 5 ? `${m[2]}:00` : m[2]}${zone}`;
}

/**
 * A CSV upload, in either of two headers (case-insensitive): this product's columns (sourceId, kind,
 * score, comment, answeredAt, externalId, phone, email, channel, product, order, location, staff,
 * tags, locale), or Delighted's response export (Response ID, Score, Comment, Response Timestamp,
 * Email, Phone Number, Name, and its property columns: Product, Location, Staff, Order, Tags),
 * which is NPS unless a `kind` column says otherwise. Tags are separated by `;` or `,`.
 */
export function importRowsOfCsv(csv: string): unknown[] {
  return csvRecords(csv).map((c) => {
    const score = c.score === undefined ? undefined : /^-?\d+$/.test(c.score) ? Number(c.score) : c.score;
    const context = Object.fromEntries((['product', 'order', 'location', 'staff'] as const).flatMap((k) => (c[k] ? [[k, c[k]]] : [])));
    return {
      sourceId: c.sourceid ?? c['response id'],
      kind: c.kind?.toLowerCase() ?? (c['response id'] !== undefined ? 'nps' : undefined),
      score,
      comment: c.comment,
      answeredAt: isoTime(c.answeredat ?? c['response timestamp']),
      customer: { externalId: c.externalid ?? c['customer id'], phone: c.phone ?? c['phone number'], email: c.email },
      channel: c.channel,
      ...(Object.keys(context).length ? { context } : {}),
      ...(c.tags ? { tags: c.tags.split(/[;,]/).map((t) => t.trim()).filter(Boolean) } : {}),
      locale: c.locale,
    };
  });
}
