import { surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { compare, rates, scoreRange, type Comparison, type FunnelRates } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { shiftWeek } from '../domain/calendar.js';
import { digestInsights, insightWeeks, type DigestInsights } from './insight-lines.js';
import { funnel, readRollups } from '../store/rollup-counts.js';
import { reasonCounts, type ReasonCount } from './reasons.js';
import { weekNotes } from '../insights/week-notes.js';

export interface KindDigest {
  kind: SurveyKind;
  comparison: Comparison;
  sent: number;
  /** Surveys of the week that got a score. */
  responses: number;
  rates: FunnelRates;
}

export interface DigestComment {
  surveyId: string;
  kind: SurveyKind;
  score: number;
  comment: string;
  name?: string;
}

export interface WeeklyDigest {
  periodStart: string;
  previousStart: string;
  kinds: KindDigest[];
  /** The worst detractor comments of the week (at most three, worst first). */
  lowest: DigestComment[];
  /** The best promoter comments of the week (at most three, best first); never one of `lowest`. */
  highest: DigestComment[];
  unanswered: { count: number; surveys: Array<{ surveyId: string; kind: SurveyKind; score: number; name?: string }> };
  /** The tag cohort whose score changed most from last week, if any cohort has both weeks. */
  movedMost?: { cohort: string; kind: SurveyKind; comparison: Comparison };
  /** Answers per reason this week (the optional reason question), most given first. */
  reasons?: ReasonCount[];
  /** Lines beyond the counts (a cohort beyond its margin, the event before drops, the top detractor theme), each only when supported. */
  insights: DigestInsights;
}

/** Where a score sits on its scale, 0 (worst) to 1 (best), so comments of different kinds can be ranked together. */
const position = (kind: SurveyKind, score: number) => {
  const { min, max } = scoreRange(kind);
  return (score - min) / (max - min);
};

/**
 * The digest of one week against the week before. Numbers come from the rollup counters (one
 * document per cohort and week); comments and unanswered detractors from the week's kept notes; the
 * insight lines from the kept analyses of the last four weeks: no read grows with the stored surveys.
 */
export async function buildDigest(store: Store, businessId: string, periodStart: string): Promise<WeeklyDigest> {
  const previousStart = shiftWeek(periodStart, -1);
  // The weeks before the previous one are read for the cohort line (a cohort against its own four weeks before).
  const counts = await readRollups(store, businessId, { from: shiftWeek(periodStart, -insightWeeks), to: periodStart });

  const kinds: KindDigest[] = [];
  for (const kind of surveyKinds) {
    const now = counts.get(kind, periodStart);
    const before = counts.get(kind, previousStart);
    if (now.sent + before.sent + now.scored + before.scored === 0) continue;
    kinds.push({
      kind,
      comparison: compare(kind, now.histogram, before.histogram),
      sent: now.sent,
      responses: now.scored,
      rates: rates(funnel(now)),
    });
  }

  let movedMost: WeeklyDigest['movedMost'];
  for (const cohort of counts.cohorts().filter((c) => c.startsWith('tag:'))) {
    for (const kind of surveyKinds) {
      const comparison = compare(kind, counts.get(kind, periodStart, cohort).histogram, counts.get(kind, previousStart, cohort).histogram);
      if (comparison.delta === null) continue;
      if (!movedMost || Math.abs(comparison.delta) > Math.abs(movedMost.comparison.delta ?? 0)) movedMost = { cohort, kind, comparison };
    }
  }

  // The week's comment lists and waiting detractors, kept with the week (indexed, limited queries when computed).
  const [notes] = await weekNotes(store, businessId, [periodStart], counts);
  // Scores come lowest (1) or highest (-1) first and bands follow scores, so a kind's first three
  // hold its first three detractors (or promoters): a passive's "ok" is neither the worst nor the best.
  const commented = (direction: 1 | -1, band: 'detractor' | 'promoter', besides: readonly DigestComment[] = []) => {
    const rows: DigestComment[] = [];
    for (const { kind, lowest, highest } of notes!.commented) {
      for (const s of direction === 1 ? lowest : highest) {
        if (s.band !== band || besides.some((b) => b.surveyId === s.surveyId)) continue;
        rows.push({ surveyId: s.surveyId, kind, score: s.score, comment: s.comment ?? '', name: s.name });
      }
    }
    return rows.sort((a, b) => direction * (position(a.kind, a.score) - position(b.kind, b.score))).slice(0, 3);
  };
  const lowest = commented(1, 'detractor');
  const highest = commented(-1, 'promoter', lowest);

  const waiting = notes!.unanswered;
  return {
    periodStart,
    previousStart,
    kinds,
    lowest,
    highest,
    unanswered: {
      count: waiting.count,
      surveys: waiting.first.map((s) => ({ surveyId: s.surveyId, kind: s.kind, score: s.score, name: s.name })),
    },
    movedMost,
    reasons: reasonCounts(counts, [periodStart]),
    insights: await digestInsights(store, businessId, periodStart, counts),
  };
}
