import { round1, type Comparison } from '../scoring/index.js';
import { kindLabel } from '../domain/surveys.js';
import { pct, scoreText, scoreWithMargin } from './stats.js';
import type { DigestComment, WeeklyDigest } from './build-digest.js';
import { insightLines } from './insight-lines.js';
import { reasonLine } from './reasons.js';

/** Two concatenated GSM-7 segments. */
export const smsDigestLimit = 306;

const signed = (x: number) => `${x > 0 ? '+' : ''}${round1(x)}`;
const unit = (c: Comparison) => (c.current.kind === 'nps' ? '' : ' pts');

/** The week's score with its margin (and the CES mean), as /stats shows it, then how it moved since last week. */
function headline(c: Comparison): string {
  const kind = kindLabel[c.current.kind];
  if (c.current.score === null && c.previous.score === null) return `${kind}: no responses this week or last week`;
  if (c.current.score === null) return `${kind}: no responses this week (last week ${scoreWithMargin(c.previous)})`;
  if (c.previous.score === null) return `${scoreWithMargin(c.current)}: no responses last week`;
  const noise = c.significant ? 'beyond noise' : `within noise, ±${round1(c.marginOfError ?? 0)}`;
  return `${scoreWithMargin(c.current)}: ${signed(c.delta ?? 0)}${unit(c)} vs last week (${scoreText(c.previous)}; ${noise})`;
}

const quote = (c: DigestComment) => `  ${kindLabel[c.kind]} ${c.score}${c.name ? ` ${c.name}` : ''}: "${c.comment}"`;

/** The full digest for chat channels with room (Telegram, Teams, web); a link line only when given a page to link to. */
export function renderDigest(d: WeeklyDigest, dashboardUrl?: string): string {
  const lines = [`Weekly digest, week of ${d.periodStart} (compared with ${d.previousStart})`];
  if (!d.kinds.length) lines.push('No surveys in these two weeks.');
  for (const k of d.kinds) {
    lines.push(headline(k.comparison));
    lines.push(`  ${k.responses} responses of ${k.sent} sent; response rate ${pct(k.rates.responseRate)}, abandonment ${pct(k.rates.abandonmentRate)}`);
  }
  const reasons = reasonLine(d.reasons ?? []);
  if (reasons) lines.push(reasons);
  if (d.lowest.length) lines.push('Worst detractor comments:', ...d.lowest.map(quote));
  if (d.highest.length) lines.push('Best promoter comments:', ...d.highest.map(quote));
  if (d.unanswered.count) {
    lines.push(`Detractors waiting for a reply: ${d.unanswered.count}`);
    for (const s of d.unanswered.surveys) lines.push(`  ${kindLabel[s.kind]} ${s.score}${s.name ? ` ${s.name}` : ''}: /reply ${s.surveyId} <message>`);
  } else {
    lines.push('Every detractor has had a reply.');
  }
  if (d.movedMost) {
    const m = d.movedMost;
    lines.push(`Moved most: ${m.cohort.replace(/^tag:/, '')} ${kindLabel[m.kind]} ${signed(m.comparison.delta ?? 0)}${unit(m.comparison)} (${scoreText(m.comparison.previous)} to ${scoreText(m.comparison.current)})`);
  }
  lines.push(...insightLines(d.insights));
  if (dashboardUrl) lines.push(`Dashboard: ${dashboardUrl}`);
  return lines.join('\n');
}

/** The SMS digest: plain ASCII, at most two segments, details behind the dashboard link when there is one. */
export function renderSmsDigest(d: WeeklyDigest, dashboardUrl?: string): string {
  const link = dashboardUrl ? ` More: ${dashboardUrl}` : '';
  const full = d.kinds.map((k) => {
    const c = k.comparison;
    const delta = c.delta === null ? '' : ` (${signed(c.delta)}${c.significant ? '' : ', noise'})`;
    return `${scoreText(c.current)}${delta} n=${k.responses} resp ${pct(k.rates.responseRate)} aband ${pct(k.rates.abandonmentRate)}`;
  });
  const short = d.kinds.map((k) => `${scoreText(k.comparison.current)} n=${k.responses}`);
  const waiting = d.unanswered.count ? ` ${d.unanswered.count} detractor(s) need a reply.` : '';
  // The reasons where they fit: the full line first, without them next, then the short one.
  const reasons = reasonLine(d.reasons ?? []);
  const withReasons = reasons ? [...full, reasons] : full;
  for (const parts of [withReasons, full, short]) {
    const text = `Week ${d.periodStart}: ${parts.join('; ') || 'no surveys'}.${waiting}${link}`;
    if (text.length <= smsDigestLimit) return text;
  }
  const head = `Week ${d.periodStart}: ${short.join('; ')}`;
  return `${head.slice(0, smsDigestLimit - link.length - 3)}...${link}`;
}
