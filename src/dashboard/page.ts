import { catalogOf } from '../dialogs/prompts/index.js';
import { kindLabel, surveyKinds } from '../domain/surveys.js';
import { describeFeature, type Timeline, type TimelineEntry } from '../insights/index.js';
import { dashboardPeriods, type DashboardView } from './dashboard-data.js';
import { linkActionForm, linkForm, type LinkFormState } from './link-forms.js';
import { isLanguage, languageOf } from '../dialogs/languages.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** JSON inside a <script type="application/json">: no `<` can close the element. */
const jsonBlock = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
const pct = (f: number | null | undefined) => (f === null || f === undefined ? '–' : `${Math.round(f * 1000) / 10}%`);
const moment = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const num = (v: number | null | undefined) => (v === null || v === undefined ? '–' : String(v));

/** A group's name as an owner reads it: a tag as it is, `product: X`, `after a late delivery`. */
function cohortLabel(cohort: string): string {
  if (cohort.startsWith('tag:')) return cohort.slice(4);
  if (cohort.startsWith('event:')) return `after ${describeFeature(cohort.slice(6))}`;
  return cohort.replace(/^(\w+):/, '$1: ');
}

/** One page, rendered on the server; the charts are drawn from the same numbers by Chart.js (served by the app). */
export function dashboardPage(view: DashboardView, options: { formToken: string; notice?: string; linkForm?: LinkFormState }): string {
  const { business, kind, days, stats } = view;
  const rtl = isLanguage(business.locale) && languageOf(business.locale).dir === 'rtl';
  const label = kindLabel[kind];
  const select = (name: string, current: string, options: Array<[string, string]>) =>
    `<select name="${name}" id="${name}">${options.map(([v, t]) => `<option value="${v}"${v === current ? ' selected' : ''}>${escape(t)}</option>`).join('')}</select>`;
  const kpi = (name: string, value: string, test: string) => `<div class="kpi"><span class="kpi-label">${name}</span><span class="kpi-value" data-testid="${test}">${value}</span></div>`;
  const csv = `/dashboard/export.csv?kind=${kind}&days=${days}`;

  return `<!doctype html>
<html lang="${escape(business.locale)}" dir="${rtl ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(business.name)} · ${label} dashboard</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/chart.umd.min.js" defer></script>
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>${escape(business.name)}</h1>
  <form method="get" action="/dashboard" class="filters">
    <label for="kind">Survey</label>${select('kind', kind, surveyKinds.map((k) => [k, kindLabel[k]]))}
    <label for="days">Period</label>${select('days', String(days), dashboardPeriods.map((d) => [String(d), `last ${d} days`]))}
    <button type="submit">Show</button>
  </form>
  <a href="/dashboard/wording?kind=${kind}" class="back" data-testid="wording-link">${escape(catalogOf(business.locale).message('screen.dashboard.wording.link').format({}))}</a>
  <form method="post" action="/dashboard/logout"><input type="hidden" name="form" value="${options.formToken}"><button type="submit" class="link">Sign out</button></form>
</header>
<main>
${options.notice ? `<p class="notice" role="status">${escape(options.notice)}</p>` : ''}
<section aria-labelledby="numbers">
  <h2 id="numbers">${label}, last ${days} days</h2>
  <div class="kpis">
    ${kpi(label, stats?.score === null || stats === undefined ? '–' : `${stats.score}${stats.marginOfError === null ? '' : ` ±${stats.marginOfError}`}`, 'score')}
    ${kpi('Responses', num(stats?.n ?? 0), 'responses')}
    ${kpi('Sent', num(stats?.sent ?? 0), 'sent')}
    ${kpi('Response rate', pct(stats?.responseRate), 'response-rate')}
    ${kpi('Abandonment', pct(stats?.abandonmentRate), 'abandonment-rate')}
  </div>
</section>
<section aria-labelledby="trend">
  <h2 id="trend">Trend, 12 weeks</h2>
  <div class="chart"><canvas id="trend-chart" role="img" aria-label="${label} by week with its 95% margin"></canvas></div>
  <table class="data" data-testid="trend-table">
    <thead><tr><th scope="col">Week</th><th scope="col">${label}</th><th scope="col">95% range</th><th scope="col">n</th><th scope="col">Response</th><th scope="col">Abandonment</th></tr></thead>
    <tbody>${view.trend.map((w) => `<tr><td>${w.week}</td><td>${num(w.score)}</td><td>${w.lower === null ? '–' : `${w.lower} to ${w.upper}`}</td><td>${w.n}</td><td>${pct(w.responseRate)}</td><td>${pct(w.abandonmentRate)}</td></tr>`).join('')}</tbody>
  </table>
</section>
<section aria-labelledby="distribution">
  <h2 id="distribution">Scores</h2>
  <div class="chart small"><canvas id="distribution-chart" role="img" aria-label="How many gave each score"></canvas></div>
  <table class="data" data-testid="distribution-table"><thead><tr><th scope="col">Score</th><th scope="col">Band</th><th scope="col">Count</th></tr></thead>
  <tbody>${view.distribution.map((d) => `<tr class="band-${d.band}"><td>${d.score}</td><td>${d.band}</td><td>${d.count}</td></tr>`).join('')}</tbody></table>
</section>
${view.reasons.length ? `<section aria-labelledby="reasons">
  <h2 id="reasons">What it was mostly about</h2>
  <table class="data" data-testid="reason-table"><thead><tr><th scope="col">Reason</th><th scope="col">Answers</th></tr></thead>
  <tbody>${view.reasons.map((r) => `<tr data-reason="${escape(r.reason)}"><td>${escape(r.label)}</td><td>${r.count}</td></tr>`).join('')}</tbody></table>
</section>` : ''}
<section aria-labelledby="cohorts">
  <h2 id="cohorts">Groups</h2>
  ${view.cohorts.length ? `<table class="data" data-testid="cohort-table"><thead><tr><th scope="col">Group</th><th scope="col">n</th><th scope="col">${label}</th><th scope="col">±</th><th scope="col">vs the rest</th></tr></thead>
  <tbody>${view.cohorts.map((c) => `<tr${c.flagged ? ' class="flagged"' : ''}><td>${escape(cohortLabel(c.cohort))}</td><td>${c.n}</td><td>${num(c.score)}</td><td>${num(c.marginOfError)}</td><td>${c.flagged ? `${c.delta! > 0 ? 'above' : 'below'} (${c.delta! > 0 ? '+' : ''}${c.delta})` : 'within the margin'}</td></tr>`).join('')}</tbody></table>` : '<p>No groups yet: tag customers to compare groups.</p>'}
</section>
<section aria-labelledby="links">
  <h2 id="links">Survey links, since each was made</h2>
  ${view.links.length ? `<table class="data" data-testid="link-table"><thead><tr><th scope="col">Link</th><th scope="col">For</th><th scope="col">State</th><th scope="col">Opened</th><th scope="col">Answered</th><th scope="col">Score</th><th scope="col">Average</th><th scope="col">Print</th><th scope="col">Change</th></tr></thead>
  <tbody>${view.links.map((l) => `<tr data-link="${l.code}"><td>${escape(l.label ?? l.code)}</td><td>${escape([kindLabel[l.kind], l.location, l.staff, l.product, l.campaign].filter(Boolean).join(' · '))}</td><td>${l.state}${l.expiresAt && l.state !== 'expired' ? `, ends ${moment(l.expiresAt)}` : ''}</td><td>${l.numbers.opened}</td><td>${l.numbers.answered} of ${l.numbers.started}</td><td>${num(l.numbers.score)}${l.numbers.marginOfError === null ? '' : ` ±${l.numbers.marginOfError}`}</td><td>${num(l.numbers.averageScore)}</td><td><a href="/s/${l.code}/poster?size=a4">A4</a> <a href="/s/${l.code}/poster?size=a6">A6</a> <a href="/s/${l.code}/qr.png">QR</a></td><td>${linkActionForm(options.formToken, l.code, l.state, view)}</td></tr>`).join('')}</tbody></table>` : '<p>No survey links yet: make one here, with <code>POST /api/v1/links</code> or with <code>/qr</code> in chat.</p>'}
  <h3 id="new-link">Make a survey link</h3>
  ${linkForm(options.formToken, view, options.linkForm)}
</section>
<section aria-labelledby="themes">
  <h2 id="themes">What detractors write about</h2>
  ${view.themes.length ? `<ul class="themes" data-testid="themes">${view.themes
    .map((t) => `<li><details><summary><strong>${escape(t.term)}</strong>: ${t.count} of ${t.of} detractor comments, ${t.otherCount} of ${t.otherOf} promoter comments</summary>
      <ul>${t.comments.map((c) => `<li><blockquote dir="auto">${escape(c.text)}</blockquote> <a href="/dashboard/customers/${c.customerId}">timeline</a></li>`).join('')}</ul></details></li>`)
    .join('')}</ul>` : '<p>No theme stands out yet: too few comments, or detractors and promoters use the same words.</p>'}
</section>
<section aria-labelledby="drops">
  <h2 id="drops">What came before scores dropped</h2>
  <p>${view.drops.drops} drops in ${view.drops.pairs} pairs of answers by the same customer.</p>
  ${view.segment ? `<p data-testid="segment">Scores fell most: ${escape(view.segment.what)}, ${view.segment.score} (n=${view.segment.n}) vs ${view.segment.restScore} (n=${view.segment.restN}) for everyone else; ${view.segment.effect} ±${view.segment.margin} (adjusted p ${view.segment.adjustedP < 0.001 ? '&lt; 0.001' : `= ${Math.round(view.segment.adjustedP * 1000) / 1000}`}, ${view.segment.tried} segments tried)</p>` : ''}
  ${view.drops.leading.length ? `<table class="data" data-testid="drops-table"><thead><tr><th scope="col">Before the drop</th><th scope="col">Drops</th><th scope="col">Other answers</th><th scope="col">Lift</th><th scope="col">adjusted p</th></tr></thead>
  <tbody>${view.drops.leading.map((d) => `<tr><td>${escape(d.what)}</td><td>${d.drops} of ${d.totalDrops}</td><td>${d.others} of ${d.totalOthers}</td><td>${d.lift === null ? 'only before drops' : Math.round(d.lift * 10) / 10}</td><td>${d.adjustedP < 0.001 ? '&lt; 0.001' : Math.round(d.adjustedP * 1000) / 1000}</td></tr>`).join('')}</tbody></table>` : '<p>Nothing stands out before the drops (events from other systems: <code>POST /api/v1/events</code>).</p>'}
</section>
<section aria-labelledby="waiting">
  <h2 id="waiting">Detractors waiting for a reply: <span data-testid="waiting-count">${view.waiting.count}</span></h2>
  ${view.waiting.surveys
    .map(
      (s) => `<article class="waiting" data-survey="${s.surveyId}">
    <p><strong>${label} ${s.score}</strong>${s.name ? ` · ${escape(s.name)}` : ''} · ${escape(s.channel)} · <span data-testid="identity">${s.identity}</span> · ${s.at.toISOString().slice(0, 10)} · <a href="/dashboard/customers/${s.customerId}">timeline</a></p>
    ${s.comment ? `<blockquote dir="auto">${escape(s.comment)}</blockquote>` : ''}
    <form method="post" action="/dashboard/reply">
      <input type="hidden" name="form" value="${options.formToken}"><input type="hidden" name="surveyId" value="${s.surveyId}">
      <input type="hidden" name="kind" value="${kind}"><input type="hidden" name="days" value="${days}">
      <label for="reply-${s.surveyId}">Reply</label>
      <textarea id="reply-${s.surveyId}" name="text" rows="2" maxlength="1000" required dir="auto"></textarea>
      <button type="submit">Send</button>
    </form>
  </article>`,
    )
    .join('\n')}
</section>
<p><a href="${csv}" download>Download these numbers (CSV)</a></p>
</main>
<script type="application/json" id="dashboard-data">${jsonBlock({ kind, trend: view.trend, distribution: view.distribution, rtl })}</script>
</body>
</html>`;
}

/** One person's timeline: surveys, answers, replies and events from other systems, oldest first. */
export function timelinePage(businessName: string, timeline: Timeline, locale: string): string {
  const row = (e: TimelineEntry) =>
    e.item === 'survey'
      ? `<li><time>${e.at.toISOString().slice(0, 16).replace('T', ' ')}</time> <strong>${kindLabel[e.kind]}${e.score === undefined ? ` (${e.state})` : ` ${e.score}`}</strong> · ${escape(e.channel)}${e.comment ? `<blockquote dir="auto">${escape(e.comment)}</blockquote>` : ''}${e.replies.map((r) => `<p class="reply">${r.from === 'customer' ? 'Customer' : 'Reply'}: ${escape(r.text)}</p>`).join('')}</li>`
      : `<li><time>${e.at.toISOString().slice(0, 16).replace('T', ' ')}</time> ${escape(e.type.replace('_', ' '))} (${escape(e.source)}) ${escape(Object.entries(e.attributes).map(([k, v]) => `${k}: ${String(v)}`).join(', '))}</li>`;
  return `<!doctype html><html lang="${escape(locale)}" dir="${isLanguage(locale) ? languageOf(locale).dir : 'ltr'}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(businessName)} · timeline</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><header><h1>${escape(businessName)}</h1><a href="/dashboard" class="back">Back to the dashboard</a></header><main><section><h2>Timeline</h2><ol class="timeline" data-testid="timeline">${timeline.entries.map(row).join('')}</ol></section></main></body></html>`;
}

/** The page a link that cannot sign in gets: expired, used, or never made. */
export function signInRefused(): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Link not valid</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><main><h1>This link is not valid</h1><p>Dashboard links work once, for 15 minutes. Send <code>/dashboard</code> to the bot for a new one.</p></main></body></html>`;
}
