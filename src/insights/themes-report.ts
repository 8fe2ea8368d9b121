import { z } from 'zod';
import { weeksBetween } from '../domain/calendar.js';
import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { parseInput } from '../errors.js';
import type { Store } from '../store/index.js';
import type { PeriodThemes } from './themes.js';
import { analysedWeeks, weeksThemes, type Analysed, type WeekAnalysis } from './week-analysis.js';

/**
 * The themes of a business's comments over the weeks from `from`'s to the one before `to` (each
 * survey in the week it was started, as the counters count it; an imported answer in the week it
 * was given), per week or month (a month is the weeks whose Monday is in it), optionally of one
 * survey kind. Added up from each week's kept analysis: a year is 53 reads of one small document
 * however many surveys it holds, and each theme names its first few comments (`keptCommentIds`).
 */
export async function themesReport(
  store: Store,
  businessId: string,
  q: { from: Date; to: Date; period?: 'week' | 'month'; kind?: SurveyKind; limit?: number },
  timeZone = 'UTC',
): Promise<Analysed<PeriodThemes[]>> {
  const weeks = weeksBetween(q.from, q.to, timeZone);
  const { analyses, asOf } = await analysedWeeks(store, businessId, weeks, undefined, ['terms']);
  const periods = new Map<string, Array<Pick<WeekAnalysis, 'terms'>>>();
  for (const [i, week] of weeks.entries()) {
    const period = q.period === 'month' ? week.slice(0, 7) : week;
    periods.set(period, [...(periods.get(period) ?? []), analyses[i]!]);
  }
  const report = [...periods].flatMap(([period, of]) => weeksThemes(of, period, { kind: q.kind, limit: q.limit }));
  return asOf ? { report, asOf } : { report };
}

/** The API's query for themes: at most a year. */
export const themesQuery = z
  .object({
    from: z.coerce.date(),
    to: z.coerce.date(),
    period: z.enum(['week', 'month']).default('week'),
    kind: z.enum(surveyKinds).optional(),
    limit: z.coerce.number().int().min(1).max(50).default(10),
  })
  .refine((q) => q.from < q.to, { message: 'must be before to', path: ['from'] })
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 86_400_000, { message: 'at most a year', path: ['to'] });

/** Themes for an API query (validated: a ValidationError names each bad field), in the business's weeks. */
export async function themesReportFor(store: Store, businessId: string, raw: unknown): Promise<Analysed<PeriodThemes[]>> {
  const q = parseInput(themesQuery, raw, 'query');
  return themesReport(store, businessId, q, await store.businesses.timeZone(businessId));
}
