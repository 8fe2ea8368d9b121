import { bandOf, type Band, type SurveyKind } from '../domain/surveys.js';
import type { EventAttribute, EventType } from '../store/index.js';
import { benjaminiHochberg } from '../scoring/significance.js';
import { featuresOf } from './event-features.js';
import { fisherGreater } from './fisher.js';

export { describeFeature, featuresOf } from './event-features.js';

/** A scored survey of one person (their linked addresses count as one person). */
export interface ScorePoint {
  surveyId: string;
  person: string;
  kind: SurveyKind;
  score: number;
  at: Date;
}

export interface EventPoint {
  person: string;
  type: EventType;
  at: Date;
  attributes: Readonly<Record<string, EventAttribute>>;
}

export interface ScorePair {
  person: string;
  kind: SurveyKind;
  before: ScorePoint;
  after: ScorePoint;
  drop: boolean;
  /** Events of the person after the first answer, up to and including the second one's instant. */
  between: EventPoint[];
}

/**
 * The drop rule. NPS: the score fell by 2 points or more (9 → 7), or the person turned detractor
 * (7 → 6). CSAT (1-5) and CES (1-7): the score fell by 1 point or more. Anything else, including
 * NPS 9 → 8, is "no drop" (stable or rising).
 */
export function isDrop(kind: SurveyKind, before: number, after: number): boolean {
  if (kind === 'nps') return before - after >= 2 || (bandOf(kind, after) === 'detractor' && bandOf(kind, before) !== 'detractor');
  return before - after >= 1;
}

/** Items grouped by a key, each group in the order given. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Consecutive scored surveys of the same kind per person, each with the events in between. */
export function scorePairs(surveys: readonly ScorePoint[], events: readonly EventPoint[]): ScorePair[] {
  const byPerson = groupBy(events, (e) => e.person);
  const series = groupBy(surveys, (s) => `${s.person}|${s.kind}`);
  const pairs: ScorePair[] = [];
  for (const list of series.values()) {
    list.sort((x, y) => x.at.getTime() - y.at.getTime() || x.surveyId.localeCompare(y.surveyId));
    for (let i = 1; i < list.length; i++) {
      const before = list[i - 1]!;
      const after = list[i]!;
      const between = (byPerson.get(after.person) ?? []).filter((e) => e.at > before.at && e.at <= after.at);
      pairs.push({ person: after.person, kind: after.kind, before, after, drop: isDrop(after.kind, before.score, after.score), between });
    }
  }
  return pairs.sort((x, y) => x.after.at.getTime() - y.after.at.getTime() || x.after.surveyId.localeCompare(y.after.surveyId));
}

export interface FeatureStat {
  feature: string;
  /** The survey kind of the pairs compared: a kind's drops are only ever compared with its own stable pairs. */
  kind: SurveyKind;
  /** Drops with the feature before them, and all drops (of this kind). */
  drops: number;
  totalDrops: number;
  /** Stable or rising pairs with the feature before them, and all of them (of this kind). */
  others: number;
  totalOthers: number;
  /** P(feature | drop) / P(feature | no drop); null when no stable pair had it (only before drops). */
  lift: number | null;
  /** One-sided Fisher's exact p that the feature comes before drops more often than before the rest. */
  p: number;
  /** Benjamini–Hochberg p over every feature of every kind tested in the report: what the digest trusts. */
  adjustedP: number;
}

/** The minimums for a feature to be reported at all (per survey kind). */
export const minimums = { totalDrops: 5, totalOthers: 5, drops: 3 };

type Untested = Omit<FeatureStat, 'adjustedP'>;

/**
 * What the feature test needs of a kind's pairs, as counts that add up across periods: the kind's
 * drops and other pairs, and per feature how many of each it came before (each pair counts a
 * feature once). The drops of several weeks are the sum of each week's counts.
 */
export interface KindFeatureCounts {
  kind: SurveyKind;
  drops: number;
  others: number;
  features: Array<{ feature: string; drops: number; others: number }>;
}

/** The pairs' counts per survey kind (kinds in order). */
export function featureCounts(pairs: readonly ScorePair[]): KindFeatureCounts[] {
  const kinds = [...new Set(pairs.map((p) => p.kind))].sort();
  return kinds.map((kind) => {
    const mine = pairs.filter((p) => p.kind === kind);
    const counts = new Map<string, { drops: number; others: number }>();
    for (const pair of mine) {
      for (const f of new Set(pair.between.flatMap(featuresOf))) {
        const c = counts.get(f) ?? { drops: 0, others: 0 };
        if (pair.drop) c.drops++;
        else c.others++;
        counts.set(f, c);
      }
    }
    const drops = mine.filter((p) => p.drop).length;
    return { kind, drops, others: mine.length - drops, features: [...counts].map(([feature, c]) => ({ feature, ...c })) };
  });
}

/** Several periods' counts as one (kinds in order). */
export function addFeatureCounts(parts: ReadonlyArray<readonly KindFeatureCounts[]>): KindFeatureCounts[] {
  const byKind = new Map<SurveyKind, { drops: number; others: number; features: Map<string, { drops: number; others: number }> }>();
  for (const part of parts) {
    for (const k of part) {
      const total = byKind.get(k.kind) ?? { drops: 0, others: 0, features: new Map() };
      total.drops += k.drops;
      total.others += k.others;
      for (const f of k.features) {
        const c = total.features.get(f.feature) ?? { drops: 0, others: 0 };
        c.drops += f.drops;
        c.others += f.others;
        total.features.set(f.feature, c);
      }
      byKind.set(k.kind, total);
    }
  }
  return [...byKind]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, t]) => ({ kind, drops: t.drops, others: t.others, features: [...t.features].map(([feature, c]) => ({ feature, ...c })) }));
}

/** One kind's features: counts, lift and Fisher's p, before any correction. */
function featuresOfKind({ kind, drops: totalDrops, others: totalOthers, features }: KindFeatureCounts): Untested[] {
  if (totalDrops < minimums.totalDrops || totalOthers < minimums.totalOthers) return [];
  return features
    .filter((c) => c.drops >= minimums.drops && c.drops / totalDrops > c.others / totalOthers)
    .map(({ feature, drops, others }) => ({
      feature,
      kind,
      drops,
      others,
      totalDrops,
      totalOthers,
      lift: others === 0 ? null : (drops * totalOthers) / (others * totalDrops),
      p: fisherGreater(drops, totalDrops - drops, others, totalOthers - others),
    }));
}

/**
 * Which features precede drops more often than stable or rising scores, per survey kind (an NPS
 * drop is never set against a CES pair). Each pair counts a feature once. Tested: features seen
 * before at least 3 drops of a kind, more often (in proportion) before its drops than before the
 * rest, when the kind has at least 5 drops and 5 other pairs; every feature of every kind is then
 * adjusted at once (Benjamini–Hochberg). Best p first.
 */
export function precedingFeatures(pairs: readonly ScorePair[]): FeatureStat[] {
  return featuresFromCounts(featureCounts(pairs));
}

/** `precedingFeatures` from the pairs' counts (those of one period, or several periods' added up). */
export function featuresFromCounts(counts: readonly KindFeatureCounts[]): FeatureStat[] {
  const tested = counts.flatMap(featuresOfKind);
  const q = benjaminiHochberg(tested.map((t) => t.p));
  return tested
    // Added to each (new) row, not spread into a copy: on Node 20 a field after a spread costs about 1 µs and gives the row a map of its own.
    .map((t, i) => Object.assign(t, { adjustedP: q[i]! }))
    .sort((x, y) => x.p - y.p || (y.lift ?? Infinity) - (x.lift ?? Infinity) || x.feature.localeCompare(y.feature) || x.kind.localeCompare(y.kind));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? null : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export interface TimeToSolution {
  /** CES answers with resolved tickets of the same person in the window before them. */
  rows: Array<{ surveyId: string; person: string; score: number; band: Band; tickets: number; medianMinutes: number }>;
  byBand: Record<Band, { surveys: number; medianMinutes: number | null }>;
}

/** Resolution minutes of support tickets next to CES: per CES answer, the resolved tickets in the `windowDays` before it. */
export function timeToSolution(ces: readonly ScorePoint[], events: readonly EventPoint[], windowDays = 30): TimeToSolution {
  const rows: TimeToSolution['rows'] = [];
  const resolved = groupBy(
    events.filter((e) => e.type === 'support_ticket' && e.attributes.status === 'resolved' && typeof e.attributes.minutesToResolution === 'number'),
    (e) => e.person,
  );
  for (const s of ces.filter((x) => x.kind === 'ces')) {
    const since = s.at.getTime() - windowDays * 86_400_000;
    const minutes = (resolved.get(s.person) ?? []).filter((e) => e.at.getTime() >= since && e.at <= s.at).map((e) => e.attributes.minutesToResolution as number);
    if (minutes.length) rows.push({ surveyId: s.surveyId, person: s.person, score: s.score, band: bandOf('ces', s.score), tickets: minutes.length, medianMinutes: median(minutes)! });
  }
  const byBand = Object.fromEntries(
    (['detractor', 'passive', 'promoter'] as const).map((band) => {
      const of = rows.filter((r) => r.band === band);
      return [band, { surveys: of.length, medianMinutes: median(of.map((r) => r.medianMinutes)) }];
    }),
  ) as TimeToSolution['byBand'];
  return { rows, byBand };
}

type TypeCounts = Partial<Record<EventType, number>>;

export interface InteractionChange {
  windowDays: number;
  /** Per answer (the journey view): the person's events of each type in the window before and after it. */
  rows: Array<{ surveyId: string; person: string; band: Band; before: TypeCounts; after: TypeCounts }>;
  /** Per band: answers counted, and events per type in the window before and after them (totals). */
  byBand: Record<Band, { surveys: number; before: TypeCounts; after: TypeCounts }>;
}

/**
 * How many events of each kind a person has in the `windowDays` before an answer and in as many
 * days after it, summed per band. Only answers whose after-window has ended by `now` count, so both
 * windows are whole.
 */
export function interactionChange(surveys: readonly ScorePoint[], events: readonly EventPoint[], now: Date, windowDays = 30): InteractionChange {
  const w = windowDays * 86_400_000;
  const empty = () => ({ surveys: 0, before: {}, after: {} });
  const byBand: InteractionChange['byBand'] = { detractor: empty(), passive: empty(), promoter: empty() };
  const byPerson = groupBy(events, (e) => e.person);
  const rows: InteractionChange['rows'] = [];
  for (const s of surveys) {
    const t = s.at.getTime();
    if (t + w > now.getTime()) continue;
    const band = bandOf(s.kind, s.score);
    const row = { surveyId: s.surveyId, person: s.person, band, before: {} as TypeCounts, after: {} as TypeCounts };
    for (const e of byPerson.get(s.person) ?? []) {
      const at = e.at.getTime();
      const side = at >= t - w && at < t ? 'before' : at > t && at <= t + w ? 'after' : undefined;
      if (!side) continue;
      row[side][e.type] = (row[side][e.type] ?? 0) + 1;
      byBand[band][side][e.type] = (byBand[band][side][e.type] ?? 0) + 1;
    }
    byBand[band].surveys++;
    rows.push(row);
  }
  return { windowDays, rows, byBand };
}
