import { round1, type Comparison } from '../scoring/index.js';
import { ownerWords, type OwnerWords } from '../dialogs/prompts/owner-words.js';
import { kindLabel } from '../domain/surveys.js';
import { scoreText, scoreWithMargin } from './stats.js';
import type { DigestComment, WeeklyDigest } from './build-digest.js';
import { insightLines } from './insight-lines.js';
import { reasonLine } from './reasons.js';

/** Two concatenated GSM-7 segments. */
export const smsDigestLimit = 306;

const english = ownerWords('en');

/** A change of score, with its unit ("+12" for NPS, "-4 pts" for the percentages). */
export const scoreChange = (w: OwnerWords, c: Comparison) => w.t('score.points', { kind: c.current.kind, delta: w.signed(round1(c.delta ?? 0)) });

/** The week's score with its margin (and the CES mean), as /stats shows it, then how it moved since last week. */
function headline(c: Comparison, w: OwnerWords): string {
  const kind = kindLabel[c.current.kind];
  if (c.current.score === null && c.previous.score === null) return w.t('digest.noResponses', { kind });
  if (c.current.score === null) return w.t('digest.noResponsesNow', { kind, previous: scoreWithMargin(c.previous, w) });
  if (c.previous.score === null) return w.t('digest.noResponsesBefore', { current: scoreWithMargin(c.current, w) });
  const noise = c.significant ? w.t('digest.beyondNoise') : w.t('digest.withinNoise', { margin: w.number(round1(c.marginOfError ?? 0)) });
  return w.t('digest.change', { current: scoreWithMargin(c.current, w), delta: scoreChange(w, c), previous: scoreText(c.previous, w), noise });
}

const named = (name: string | undefined) => ({ hasName: name ? 'yes' : 'no', name: name ?? '' });
const quote = (w: OwnerWords) => (c: DigestComment) => `  ${w.t('digest.quote', { kind: kindLabel[c.kind], score: w.number(c.score), ...named(c.name), comment: c.comment })}`;

/** The full digest for chat channels with room (Telegram, Teams, web), in the owner's language; a link line only when given a page to link to. */
export function renderDigest(d: WeeklyDigest, dashboardUrl?: string, w: OwnerWords = english): string {
  const lines = [w.t('digest.title', { week: w.day(d.periodStart), previous: w.day(d.previousStart) })];
  if (!d.kinds.length) lines.push(w.t('digest.noSurveys'));
  for (const k of d.kinds) {
    lines.push(headline(k.comparison, w));
    const funnel = { count: k.responses, responses: w.number(k.responses), sent: w.number(k.sent), responseRate: w.percent(k.rates.responseRate), abandonmentRate: w.percent(k.rates.abandonmentRate) };
    lines.push(`  ${w.t('digest.funnel', funnel)}`);
  }
  const reasons = reasonLine(d.reasons ?? [], w);
  if (reasons) lines.push(reasons);
  if (d.lowest.length) lines.push(w.t('digest.worst'), ...d.lowest.map(quote(w)));
  if (d.highest.length) lines.push(w.t('digest.best'), ...d.highest.map(quote(w)));
  if (d.unanswered.count) {
    lines.push(w.t('digest.waiting', { count: w.number(d.unanswered.count) }));
    for (const s of d.unanswered.surveys) lines.push(`  ${w.t('digest.waitingOne', { kind: kindLabel[s.kind], score: w.number(s.score), ...named(s.name), id: s.surveyId })}`);
  } else {
    lines.push(w.t('digest.allAnswered'));
  }
  if (d.movedMost) {
    const m = d.movedMost;
    const range = w.t('range', { low: scoreText(m.comparison.previous, w), high: scoreText(m.comparison.current, w) });
    lines.push(w.t('digest.movedMost', { cohort: m.cohort.replace(/^tag:/, ''), kind: kindLabel[m.kind], delta: scoreChange(w, m.comparison), range }));
  }
  lines.push(...insightLines(d.insights, w));
  if (dashboardUrl) lines.push(w.t('digest.dashboard', { url: dashboardUrl }));
  return lines.join('\n');
}

/** The SMS digest: plain text, at most two segments (English in GSM-7), details behind the dashboard link when there is one. */
export function renderSmsDigest(d: WeeklyDigest, dashboardUrl?: string, w: OwnerWords = english): string {
  const link = dashboardUrl ? w.t('sms.more', { url: dashboardUrl }) : '';
  const full = d.kinds.map((k) => {
    const c = k.comparison;
    const delta = c.delta === null ? '' : w.signed(round1(c.delta));
    return w.t('sms.kind', {
      score: scoreText(c.current, w),
      hasDelta: delta ? 'yes' : 'no',
      delta,
      noise: c.significant ? 'no' : 'yes',
      n: w.number(k.responses),
      responseRate: w.percent(k.rates.responseRate),
      abandonmentRate: w.percent(k.rates.abandonmentRate),
    });
  });
  const short = d.kinds.map((k) => w.t('sms.short', { score: scoreText(k.comparison.current, w), n: w.number(k.responses) }));
  const waiting = d.unanswered.count ? w.t('sms.waiting', { count: d.unanswered.count, n: w.number(d.unanswered.count) }) : '';
  // The reasons where they fit: the full line first, without them next, then the short one.
  const reasons = reasonLine(d.reasons ?? [], w);
  const withReasons = reasons ? [...full, reasons] : full;
  const week = w.day(d.periodStart);
  for (const parts of [withReasons, full, short]) {
    const text = w.t('sms.digest', { week, parts: parts.join('; ') || w.t('sms.none'), waiting, link });
    if (text.length <= smsDigestLimit) return text;
  }
  const head = w.t('sms.digest', { week, parts: short.join('; '), waiting: '', link: '' }).slice(0, -1);
  return `${head.slice(0, smsDigestLimit - link.length - 3)}...${link}`;
}
