import { weekKey, weekKeys } from '../domain/calendar.js';
import { meanScore, round1, summarize } from '../scoring/index.js';
import { readRollups } from '../store/rollup-counts.js';
import type { Store, SurveyLinkRecord } from '../store/index.js';

/** A link's own numbers since it was made. */
export interface LinkNumbers {
  /** Times its page was opened (a counter on the link). */
  opened: number;
  /** Surveys its visitors started. */
  started: number;
  /** Surveys that got a score. */
  answered: number;
  /** The kind's score (NPS, % satisfied, % agreeing), its 95 % margin, and the average answer. */
  score: number | null;
  marginOfError: number | null;
  averageScore: number | null;
}

/**
 * Each link's numbers: opened from the link itself, the rest from the rollup counters of its cohort
 * `link:<code>` (one read for all links, weeks × links documents), never from the surveys.
 */
export async function linkNumbers(store: Store, business: { id: string; timeZone: string }, links: readonly SurveyLinkRecord[], now: Date): Promise<Map<string, LinkNumbers>> {
  const out = new Map<string, LinkNumbers>();
  if (!links.length) return out;
  const weekOf = (d: Date) => weekKey(d, business.timeZone);
  const to = weekOf(now);
  const from = links.map((l) => weekOf(l.createdAt)).reduce((a, b) => (a < b ? a : b));
  const counts = await readRollups(store, business.id, { from, to }, { cohortPrefix: 'link:' });
  for (const link of links) {
    const c = counts.sum(link.kind, weekKeys(weekOf(link.createdAt), to), `link:${link.code}`);
    const s = summarize(link.kind, c.histogram);
    out.set(link.code, {
      opened: link.opened,
      started: c.sent,
      answered: c.scored,
      score: round1(s.score),
      marginOfError: round1(s.marginOfError),
      averageScore: round1(meanScore(link.kind, c.histogram)),
    });
  }
  return out;
}
