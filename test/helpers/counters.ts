/** Any driver's database handle (the test's own driver or mongoose's). */
interface Database {
  collection(name: string): { find(filter: Record<string, unknown>): { toArray(): Promise<unknown[]> } };
}

/** A counter document as the store keeps it: one per (business, kind, week, cohort). */
export interface CounterDoc {
  _id: string;
  businessId: string;
  kind: string;
  week: string;
  cohort: string;
  sent?: number;
  scored?: number;
  completed?: number;
  commented?: number;
  unscored?: number;
  scores?: Record<string, number>;
}

export type CountedMetric = 'sent' | 'scored' | 'completed' | 'commented' | 'unscored' | 'score';

/** One metric of some counter documents: a funnel count, or (`score`) every answer whatever its score. */
export function sumOf(docs: readonly CounterDoc[], metric: CountedMetric): number {
  return docs.reduce((n, d) => n + (metric === 'score' ? Object.values(d.scores ?? {}).reduce((a, b) => a + b, 0) : (d[metric] ?? 0)), 0);
}

/** The counter documents of the 'all' cohort (and of `filter`), read straight from the database. */
export async function allCohortCounters(db: Database, filter: Record<string, unknown> = {}): Promise<CounterDoc[]> {
  return (await db.collection('week_counts').find({ cohort: 'all', ...filter }).toArray()) as CounterDoc[];
}

/** What the 'all' cohort has counted of `metric`. */
export async function countedAll(db: Database, metric: CountedMetric, filter: Record<string, unknown> = {}): Promise<number> {
  return sumOf(await allCohortCounters(db, filter), metric);
}
