import { kindLabel } from '../domain/surveys.js';
import { cohortMovedMost, type CohortMove } from '../insights/cohorts.js';
import type { FeatureStat } from '../insights/drops.js';
import { describeFeatureIn } from '../insights/event-features.js';
import type { SegmentStat } from '../insights/segments.js';
import type { OwnerWords } from '../dialogs/prompts/owner-words.js';
import type { Theme } from '../insights/themes.js';
import { analysedWeeks, weeksDropFeatures, weeksSegments, weeksThemes } from '../insights/week-analysis.js';
import { round1, significanceRule } from '../scoring/index.js';
import type { Store } from '../store/index.js';
import { shiftWeek } from '../domain/calendar.js';
import type { RollupCounts } from '../store/rollup-counts.js';
import { scoreText } from './stats.js';

/** Weeks the drop and theme lines look back over, the digest's week included. */
export const insightWeeks = 4;

/** What the digest may say beyond the counts, each only when the numbers support it. */
export interface DigestInsights {
  fromWeek: string;
  toWeek: string;
  /** The cohort whose score this week moved most from its four weeks before, surviving the correction for all cohorts tried. */
  cohort?: CohortMove;
  /** The event that most often preceded drops of one kind: adjusted p < 0.05 and before at least 5 drops. */
  leadingEvent?: FeatureStat;
  /** Where scores fell most over the weeks (a cohort, an event detail, or one of each), when it survives the correction. */
  segment?: SegmentStat & { tried: number };
  /** The top detractor theme: in at least 3 detractor comments, adjusted p < 0.05 against promoters. */
  detractorTheme?: Theme;
  /** A busy week's last analysis was served while the sweeper computes it again (see `analysedWeeks`): the lines above may leave out its newest answers. */
  analysing?: true;
}

/** The digest's four insight lines share the 5 %: each needs adjusted p below 0.05 / 4, so a week with no cause stays quiet. */
export const digestAlpha = significanceRule.alpha / 4;
export const leadingEventMinimums = { drops: 5, adjustedP: digestAlpha };
export const themeMinimums = { count: 3, adjustedP: digestAlpha };

/** The insight lines' numbers for the digest of `periodStart`; `counts` must hold the four weeks before it too (all cohorts). */
export async function digestInsights(store: Store, businessId: string, periodStart: string, counts: RollupCounts): Promise<DigestInsights> {
  const fromWeek = shiftWeek(periodStart, -(insightWeeks - 1));
  // The drop and theme lines add up the weeks' kept analyses (computed once per week, not per digest).
  const weeks = Array.from({ length: insightWeeks }, (_, i) => shiftWeek(fromWeek, i));
  const { analyses, asOf } = await analysedWeeks(store, businessId, weeks, counts);
  const leadingEvent = weeksDropFeatures(analyses).find((f) => f.adjustedP < leadingEventMinimums.adjustedP && f.drops >= leadingEventMinimums.drops);
  const [detractors] = weeksThemes(analyses, fromWeek, { limit: 1, minComments: themeMinimums.count });
  const top = detractors?.band === 'detractor' ? detractors.themes[0] : undefined;
  const moved = cohortMovedMost(counts, periodStart);
  const cohort = moved && moved.adjustedP < digestAlpha ? moved : undefined;
  // The weeks' segment counts added up (the same invitation weeks the other lines read).
  const segments = weeksSegments(analyses);
  const segment = segments.find((x) => x.flagged); // flagged below insightAlpha, as in the API and the dashboard
  return {
    ...(segment ? { segment: { ...segment, tried: segments.length } } : {}),
    fromWeek,
    toWeek: periodStart,
    ...(cohort ? { cohort } : {}),
    ...(leadingEvent ? { leadingEvent } : {}),
    ...(top && top.adjustedP < themeMinimums.adjustedP ? { detractorTheme: top } : {}),
    ...(asOf ? { analysing: true as const } : {}),
  };
}

const pText = (w: OwnerWords, p: number) =>
  p < 0.01 ? w.t('insight.p', { kind: 'below', p: w.number(p < 0.001 ? 0.001 : 0.01, 3) }) : w.t('insight.p', { kind: 'equal', p: w.number(Number(p.toFixed(2)), 2) });
const cohortName = (cohort: string) => cohort.replace(':', ' ');
// Only a left-to-right line starts with a capital; scripts without case are left as they are.
const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One line per insight the numbers support, in the reader's language; none when they support none. Each says what was compared with what. */
export function insightLines(i: DigestInsights, w: OwnerWords): string[] {
  const lines: string[] = [];
  const span = () => w.t('range', { low: w.day(i.fromWeek), high: w.day(i.toWeek) });
  const feature = describeFeatureIn(w);
  if (i.cohort) {
    const c = i.cohort;
    const summary = (cell: { score: number | null }) => scoreText({ kind: c.kind, score: cell.score }, w);
    lines.push(
      w.t('insight.cohort', {
        cohort: cohortName(c.cohort), current: summary(c.current), n: w.number(c.current.n), baseline: summary(c.baseline), baselineN: w.number(c.baseline.n), weeks: w.number(c.baselineWeeks),
        kind: kindLabel[c.kind], delta: w.signed(round1(c.delta)), margin: w.number(round1(c.marginOfError)), p: pText(w, c.adjustedP), tried: w.number(c.tried),
      }),
    );
  }
  if (i.leadingEvent) {
    const f = i.leadingEvent;
    const lift = f.lift === null ? w.t('insight.neverBefore') : w.t('insight.lift', { lift: w.number(round1(f.lift)) });
    const what = feature(f.feature);
    lines.push(
      w.t('insight.leadingEvent', {
        kind: kindLabel[f.kind], weeks: span(), feature: w.dir === 'ltr' ? upper(what) : what, drops: w.number(f.drops), totalDrops: w.number(f.totalDrops),
        others: w.number(f.others), totalOthers: w.number(f.totalOthers), lift, p: pText(w, f.adjustedP),
      }),
    );
  }
  if (i.segment) {
    const g = i.segment;
    const score = (x: number) => scoreText({ kind: g.kind, score: x }, w);
    const segment = g.cohort && g.feature ? w.t('insight.segmentBoth', { cohort: cohortName(g.cohort), feature: feature(g.feature) }) : g.cohort ? cohortName(g.cohort) : w.t('insight.segmentAfter', { feature: feature(g.feature!) });
    lines.push(
      w.t('insight.segment', {
        weeks: span(), segment, score: score(g.score), n: w.number(g.n), restScore: score(g.restScore), restN: w.number(g.restN),
        kind: kindLabel[g.kind], effect: w.number(round1(g.effect)), margin: w.number(round1(g.margin)), p: pText(w, g.adjustedP), tried: w.number(g.tried),
      }),
    );
  }
  if (i.detractorTheme) {
    const t = i.detractorTheme;
    lines.push(w.t('insight.theme', { weeks: span(), term: t.term, count: w.number(t.count), of: w.number(t.of), otherCount: w.number(t.otherCount), otherOf: w.number(t.otherOf), p: pText(w, t.adjustedP) }));
  }
  // As the dashboard and the API say it: what the lines above read may be a few minutes behind.
  if (i.analysing) lines.push(w.t('insight.analysing'));
  return lines;
}
