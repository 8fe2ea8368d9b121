import { kindLabel } from '../domain/surveys.js';
import { cohortMovedMost, type CohortMove } from '../insights/cohorts.js';
import { describeFeature, type FeatureStat } from '../insights/drops.js';
import { describeSegment, type SegmentStat } from '../insights/segments.js';
import type { Theme } from '../insights/themes.js';
import { weekAnalyses, weeksDropFeatures, weeksSegments, weeksThemes } from '../insights/week-analysis.js';
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
  const analyses = await weekAnalyses(store, businessId, weeks, counts);
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
  };
}

const pText = (p: number) => (p < 0.001 ? 'adjusted p < 0.001' : p < 0.01 ? 'adjusted p < 0.01' : `adjusted p = ${p.toFixed(2)}`);
const cohortName = (cohort: string) => cohort.replace(':', ' ');
const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One line per insight the numbers support; none when they support none. Each says what was compared with what. */
export function insightLines(i: DigestInsights): string[] {
  const lines: string[] = [];
  if (i.cohort) {
    const c = i.cohort;
    const label = kindLabel[c.kind];
    const summary = (cell: { score: number | null }) => scoreText({ kind: c.kind, score: cell.score });
    lines.push(
      `Group that moved: ${cohortName(c.cohort)} ${summary(c.current)} (n=${c.current.n}) this week vs ${summary(c.baseline)} (n=${c.baseline.n}) in its ${c.baselineWeeks} weeks before; ${label} ${c.delta > 0 ? '+' : ''}${round1(c.delta)} ±${round1(c.marginOfError)} (${pText(c.adjustedP)}, ${c.tried} groups tried)`,
    );
  }
  if (i.leadingEvent) {
    const f = i.leadingEvent;
    const label = kindLabel[f.kind];
    const lift = f.lift === null ? 'never before a stable or rising score' : `lift ${round1(f.lift)}`;
    lines.push(
      `Before ${label} drops (weeks ${i.fromWeek} to ${i.toWeek}): ${upper(describeFeature(f.feature))} preceded ${f.drops} of ${f.totalDrops} drops vs ${f.others} of ${f.totalOthers} stable or rising ${label} answers (${lift}, ${pText(f.adjustedP)})`,
    );
  }
  if (i.segment) {
    const g = i.segment;
    const label = kindLabel[g.kind];
    const score = (x: number) => scoreText({ kind: g.kind, score: x });
    lines.push(
      `Scores fell most (weeks ${i.fromWeek} to ${i.toWeek}): ${describeSegment(g, describeFeature)}, ${score(g.score)} (n=${g.n}) vs ${score(g.restScore)} (n=${g.restN}) for everyone else; ${label} ${round1(g.effect)} ±${round1(g.margin)} (${pText(g.adjustedP)}, ${g.tried} segments tried)`,
    );
  }
  if (i.detractorTheme) {
    const t = i.detractorTheme;
    lines.push(`Top detractor theme (weeks ${i.fromWeek} to ${i.toWeek}): "${t.term}" in ${t.count} of ${t.of} detractor comments vs ${t.otherCount} of ${t.otherOf} promoter comments (${pText(t.adjustedP)})`);
  }
  return lines;
}
