import type { Store } from '../store/index.js';
import { shiftWeek, weekKey } from '../domain/calendar.js';
import { refreshWeekAnalysis } from '../insights/week-analysis.js';
import { weekNotes } from '../insights/week-notes.js';

const dayMs = 86_400_000;

/**
 * The last week whose surveys can no longer change at `now`: its last invitation (Sunday night, in
 * any time zone: a day's margin) has expired (`ttlMs`).
 */
export function lastClosableWeek(now: Date, ttlMs: number): string {
  return weekKey(new Date(now.getTime() - ttlMs - 8 * dayMs), 'UTC');
}

/**
 * Close the weeks that are over: each one whose surveys have all ended is recounted from its
 * surveys and marked closed, so what a crash cut off (a step's or a new survey's count) is counted
 * then. An increment still on its way (its survey was written before the recount) opens the week
 * again and the next sweep recounts it. Its analysis and notes are computed then too and kept, so the reports
 * that read it never read its surveys. Returns the weeks closed.
 */
export async function closeWeeks(store: Store, now: Date, ttlMs: number, limit = 50): Promise<number> {
  let closed = 0;
  for (const { businessId, week } of await store.rollups.openWeeks(lastClosableWeek(now, ttlMs), limit)) {
    if (!(await store.surveys.weekEnded(businessId, week))) continue;
    await store.rollups.recount(businessId, week, true);
    // Its analysis (themes, drops) from the surveys that can no longer change, kept for every report after.
    await refreshWeekAnalysis(store, businessId, week);
    // And its notes (comment lists, detractors waiting), unless kept already from the same counters.
    await weekNotes(store, businessId, [week]);
    closed++;
  }
  return closed;
}

/**
 * Recount the counters of the weeks `from`..`to` (week keys) of a business from its surveys. They
 * stay open, so the sweeper recounts them once more when they are over. Exact when no survey of
 * those weeks changes meanwhile; an increment in flight during it may be counted twice or not at
 * all until the week closes. Returns the counter documents written per week.
 */
export async function rebuildWeeks(store: Store, businessId: string, from: string, to: string): Promise<Array<{ week: string; counters: number }>> {
  const done: Array<{ week: string; counters: number }> = [];
  for (let week = from; week <= to; week = shiftWeek(week, 1)) done.push({ week, counters: await store.rollups.recount(businessId, week, false) });
  return done;
}
