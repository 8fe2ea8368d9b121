import { escapeHtml, Html, jsonBlock, screenWords, type ScreenWords } from '../content/screen-words.js';
import { kindLabel, surveyKinds } from '../domain/surveys.js';
import { describeFeature, type Timeline, type TimelineEntry } from '../insights/index.js';
import { dashboardPeriods, type DashboardView } from './dashboard-data.js';
import { linkActionForm, linkForm, type LinkFormState } from './link-forms.js';

const escape = escapeHtml;
/** Letters and numbers from the code (a week key, a cohort's tag) kept whole in a right-to-left line. */
const code = (s: string) => `<bdi>${escape(s)}</bdi>`;

/** A group's name as an owner reads it: a tag as it is, `product: X`, `after a late delivery`. */
function cohortLabel(cohort: string): string {
  if (cohort.startsWith('tag:')) return cohort.slice(4);
  if (cohort.startsWith('event:')) return `after ${describeFeature(cohort.slice(6))}`;
  return cohort.replace(/^(\w+):/, '$1: ');
}

/** An adjusted p-value as the dashboard writes it: `< 0.001`, or `= 0.012`. */
const pValue = (w: ScreenWords, p: number) => (p < 0.001 ? `&lt; ${w.number(0.001, 3).html}` : `= ${w.number(Math.round(p * 1000) / 1000, 3).html}`);

/**
 * One page, rendered on the server, in the business's language (`lang`, `dir`, words, digits); the
 * charts are drawn from the same numbers by Chart.js (served by the app). Every number is in `<bdi>`,
 * so a negative score or a range such as "-34 to 74" reads right in a right-to-left page.
 */
export function dashboardPage(view: DashboardView, options: { formToken: string; notice?: string; linkForm?: LinkFormState }): string {
  const { business, kind, days, stats } = view;
  const w = screenWords(business.locale);
  const t = (key: string, values?: Parameters<ScreenWords['html']>[1]) => w.html(`dashboard.${key}`, values);
  const n = (v: number | null | undefined) => w.number(v).html;
  const count = (v: number) => w.count(v).html;
  const label = kindLabel[kind];
  const select = (name: string, current: string, options: Array<[string, string]>) =>
    `<select name="${name}" id="${name}">${options.map(([v, text]) => `<option value="${v}"${v === current ? ' selected' : ''}>${escape(text)}</option>`).join('')}</select>`;
  const kpi = (name: string, value: string, test: string) => `<div class="kpi"><span class="kpi-label">${name}</span><span class="kpi-value" data-testid="${test}">${value}</span></div>`;
  const th = (...keys: string[]) => keys.map((k) => `<th scope="col">${k === 'kind' ? label : t(k)}</th>`).join('');
  const of = (part: number, total: number) => t('of', { count: w.count(part), total: w.count(total) });
  const scored = (score: number | null | undefined, margin: number | null | undefined) => `${n(score)}${margin === null || margin === undefined || score === null || score === undefined ? '' : ` ±${n(margin)}`}`;
  const api = (path: string) => new Html(`<code>${path}</code>`);
  const csv = `/dashboard/export.csv?kind=${kind}&days=${days}`;

  return `<!doctype html>
<html lang="${w.locale}" dir="${w.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t('title', { business: business.name, kind: label })}</title>
<link rel="stylesheet" href="/dashboard/assets/dashboard.css">
<script src="/dashboard/assets/chart.umd.min.js" defer></script>
<script src="/dashboard/assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>${escape(business.name)}</h1>
  <form method="get" action="/dashboard" class="filters">
    <label for="kind">${t('survey')}</label>${select('kind', kind, surveyKinds.map((k) => [k, kindLabel[k]]))}
    <label for="days">${t('period')}</label>${select('days', String(days), dashboardPeriods.map((d) => [String(d), w.text('dashboard.lastDays', { days: d })]))}
    <button type="submit">${t('show')}</button>
  </form>
  <a href="/dashboard/wording?kind=${kind}" class="back" data-testid="wording-link">${t('wording.link')}</a>
  <form method="post" action="/dashboard/logout"><input type="hidden" name="form" value="${options.formToken}"><button type="submit" class="link">${t('signOut')}</button></form>
</header>
<main>
${options.notice ? `<p class="notice" role="status">${escape(options.notice)}</p>` : ''}
<section aria-labelledby="numbers">
  <h2 id="numbers">${t('numbers', { kind: label, days })}</h2>
  <div class="kpis">
    ${kpi(label, stats === undefined ? '–' : scored(stats.score, stats.marginOfError), 'score')}
    ${kpi(t('responses'), count(stats?.n ?? 0), 'responses')}
    ${kpi(t('sent'), count(stats?.sent ?? 0), 'sent')}
    ${kpi(t('responseRate'), w.percent(stats?.responseRate).html, 'response-rate')}
    ${kpi(t('abandonment'), w.percent(stats?.abandonmentRate).html, 'abandonment-rate')}
  </div>
</section>
<section aria-labelledby="trend">
  <h2 id="trend">${t('trend', { weeks: view.trend.length })}</h2>
  <div class="chart"><canvas id="trend-chart" role="img" aria-label="${t('trendChart', { kind: label })}"></canvas></div>
  <table class="data" data-testid="trend-table">
    <thead><tr>${th('week', 'kind', 'range95', 'n', 'response', 'abandonment')}</tr></thead>
    <tbody>${view.trend.map((row) => `<tr><td>${w.day(new Date(`${row.week}T00:00:00Z`)).html}</td><td>${n(row.score)}</td><td data-testid="trend-range">${row.lower === null || row.upper === null ? '–' : w.range(row.lower, row.upper).html}</td><td>${count(row.n)}</td><td>${w.percent(row.responseRate).html}</td><td>${w.percent(row.abandonmentRate).html}</td></tr>`).join('')}</tbody>
  </table>
</section>
<section aria-labelledby="distribution">
  <h2 id="distribution">${t('scores')}</h2>
  <div class="chart small"><canvas id="distribution-chart" role="img" aria-label="${t('scoresChart')}"></canvas></div>
  <table class="data" data-testid="distribution-table"><thead><tr>${th('score', 'band', 'count')}</tr></thead>
  <tbody>${view.distribution.map((d) => `<tr class="band-${d.band}"><td>${count(d.score)}</td><td>${t(`band.${d.band}`)}</td><td>${count(d.count)}</td></tr>`).join('')}</tbody></table>
</section>
${view.reasons.length ? `<section aria-labelledby="reasons">
  <h2 id="reasons">${t('reasons')}</h2>
  <table class="data" data-testid="reason-table"><thead><tr>${th('reason', 'answers')}</tr></thead>
  <tbody>${view.reasons.map((r) => `<tr data-reason="${escape(r.reason)}"><td>${escape(r.label)}</td><td>${count(r.count)}</td></tr>`).join('')}</tbody></table>
</section>` : ''}
<section aria-labelledby="cohorts">
  <h2 id="cohorts">${t('groups')}</h2>
  ${view.cohorts.length ? `<table class="data" data-testid="cohort-table"><thead><tr>${th('group', 'n', 'kind')}<th scope="col">±</th>${th('vsRest')}</tr></thead>
  <tbody>${view.cohorts.map((c) => `<tr${c.flagged ? ' class="flagged"' : ''}><td>${escape(cohortLabel(c.cohort))}</td><td>${count(c.n)}</td><td>${n(c.score)}</td><td>${n(c.marginOfError)}</td><td>${c.flagged ? t(c.delta! > 0 ? 'above' : 'below', { delta: w.signed(c.delta!) }) : t('withinMargin')}</td></tr>`).join('')}</tbody></table>` : `<p>${t('noGroups')}</p>`}
</section>
<section aria-labelledby="links">
  <h2 id="links">${t('links')}</h2>
  ${view.links.length ? `<table class="data" data-testid="link-table"><thead><tr>${th('link.name', 'link.for', 'link.state', 'link.opened', 'link.answered', 'score', 'link.average', 'link.print', 'link.change')}</tr></thead>
  <tbody>${view.links.map((l) => `<tr data-link="${l.code}"><td>${escape(l.label ?? l.code)}</td><td>${escape([kindLabel[l.kind], l.location, l.staff, l.product, l.campaign].filter(Boolean).join(' · '))}</td><td>${l.expiresAt && l.state !== 'expired' ? t('link.ends', { state: w.text(`dashboard.link.${l.state}`), date: w.moment(l.expiresAt) }) : t(`link.${l.state}`)}</td><td>${count(l.numbers.opened)}</td><td>${of(l.numbers.answered, l.numbers.started)}</td><td>${scored(l.numbers.score, l.numbers.marginOfError)}</td><td>${n(l.numbers.averageScore)}</td><td><a href="/s/${l.code}/poster?size=a4">A4</a> <a href="/s/${l.code}/poster?size=a6">A6</a> <a href="/s/${l.code}/qr.png">QR</a></td><td>${linkActionForm(options.formToken, l.code, l.state, view, w)}</td></tr>`).join('')}</tbody></table>` : `<p>${t('noLinks', { api: api('POST /api/v1/links'), command: api('/qr') })}</p>`}
  <h3 id="new-link">${t('newLink')}</h3>
  ${linkForm(options.formToken, view, options.linkForm, w)}
</section>
<section aria-labelledby="themes">
  <h2 id="themes">${t('themes')}</h2>
  ${view.analysedAt ? `<p data-testid="analysed-at">${t('analysedAt', { time: w.moment(view.analysedAt) })}</p>` : ''}
  ${view.themes.length ? `<ul class="themes" data-testid="themes">${view.themes
    .map((theme) => `<li><details><summary><strong>${escape(theme.term)}</strong>: ${t('theme', { count: w.count(theme.count), of: w.count(theme.of), otherCount: w.count(theme.otherCount), otherOf: w.count(theme.otherOf) })}</summary>
      <ul>${theme.comments.map((c) => `<li><blockquote dir="auto">${escape(c.text)}</blockquote> <a href="/dashboard/customers/${c.customerId}">${t('timeline')}</a></li>`).join('')}</ul></details></li>`)
    .join('')}</ul>` : `<p>${t('noThemes')}</p>`}
</section>
<section aria-labelledby="drops">
  <h2 id="drops">${t('drops')}</h2>
  <p>${t('dropCount', { drops: view.drops.drops, pairs: view.drops.pairs })}</p>
  ${view.segment ? `<p data-testid="segment">${t('segment', { what: view.segment.what, score: w.number(view.segment.score), n: w.count(view.segment.n), restScore: w.number(view.segment.restScore), restN: w.count(view.segment.restN), effect: w.number(view.segment.effect), margin: w.number(view.segment.margin), p: new Html(pValue(w, view.segment.adjustedP)), tried: view.segment.tried })}</p>` : ''}
  ${view.drops.leading.length ? `<table class="data" data-testid="drops-table"><thead><tr>${th('beforeDrop', 'dropsColumn', 'otherAnswers', 'lift', 'adjustedP')}</tr></thead>
  <tbody>${view.drops.leading.map((d) => `<tr><td>${escape(d.what)}</td><td>${of(d.drops, d.totalDrops)}</td><td>${of(d.others, d.totalOthers)}</td><td>${d.lift === null ? t('onlyBeforeDrops') : n(Math.round(d.lift * 10) / 10)}</td><td>${d.adjustedP < 0.001 ? `&lt; ${w.number(0.001, 3).html}` : w.number(Math.round(d.adjustedP * 1000) / 1000, 3).html}</td></tr>`).join('')}</tbody></table>` : `<p>${t('nothingBeforeDrops', { api: api('POST /api/v1/events') })}</p>`}
</section>
<section aria-labelledby="waiting">
  <h2 id="waiting">${t('waiting', { count: new Html(`<span data-testid="waiting-count">${count(view.waiting.count)}</span>`) })}</h2>
  ${view.waiting.asOf ? `<p data-testid="waiting-as-of">${t('waitingAsOf', { time: w.moment(view.waiting.asOf) })}</p>` : ''}
  ${view.waiting.surveys
    .map(
      (s) => `<article class="waiting" data-survey="${s.surveyId}">
    <p><strong>${label} ${count(s.score)}</strong>${s.name ? ` · ${escape(s.name)}` : ''} · ${escape(s.channel)} · <span data-testid="identity">${s.identity}</span> · ${w.day(s.at).html} · <a href="/dashboard/customers/${s.customerId}">${t('timeline')}</a></p>
    ${s.comment ? `<blockquote dir="auto">${escape(s.comment)}</blockquote>` : ''}
    <form method="post" action="/dashboard/reply">
      <input type="hidden" name="form" value="${options.formToken}"><input type="hidden" name="surveyId" value="${s.surveyId}">
      <input type="hidden" name="kind" value="${kind}"><input type="hidden" name="days" value="${days}">
      <label for="reply-${s.surveyId}">${t('reply')}</label>
      <textarea id="reply-${s.surveyId}" name="text" rows="2" maxlength="1000" required dir="auto"></textarea>
      <button type="submit">${t('send')}</button>
    </form>
  </article>`,
    )
    .join('\n')}
</section>
<p><a href="${csv}" download>${t('csv')}</a></p>
</main>
<script type="application/json" id="dashboard-data">${jsonBlock({
    kind,
    icu: w.icu,
    rtl: w.dir === 'rtl',
    words: { answers: w.text('dashboard.answers'), kind: label },
    trend: view.trend,
    distribution: view.distribution,
  })}</script>
</body>
</html>`;
}

/** One person's timeline: surveys, answers, replies and events from other systems, oldest first. */
export function timelinePage(businessName: string, timeline: Timeline, locale: string): string {
  const w = screenWords(locale);
  const t = (key: string) => w.html(`timeline.${key}`);
  const at = (d: Date) => `<time datetime="${d.toISOString()}">${w.moment(d).html}</time>`;
  const row = (e: TimelineEntry) =>
    e.item === 'survey'
      ? `<li>${at(e.at)} <strong>${kindLabel[e.kind]}${e.score === undefined ? ` (${e.state})` : ` ${w.number(e.score).html}`}</strong> · ${escape(e.channel)}${e.comment ? `<blockquote dir="auto">${escape(e.comment)}</blockquote>` : ''}${e.replies.map((r) => `<p class="reply">${t(r.from === 'customer' ? 'customer' : 'reply')}: <span dir="auto">${escape(r.text)}</span></p>`).join('')}</li>`
      : `<li>${at(e.at)} ${escape(e.type.replace('_', ' '))} (${escape(e.source)}) ${code(Object.entries(e.attributes).map(([k, v]) => `${k}: ${String(v)}`).join(', '))}</li>`;
  return `<!doctype html><html lang="${w.locale}" dir="${w.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${w.html('timeline.title', { business: businessName })}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><header><h1>${escape(businessName)}</h1><a href="/dashboard" class="back">${t('back')}</a></header><main><section><h2>${t('heading')}</h2><ol class="timeline" data-testid="timeline">${timeline.entries.map(row).join('')}</ol></section></main></body></html>`;
}

/** The sign-in page a dashboard link opens: a button, so a link preview does not spend the link (`business`: the one the link names, for the next page's language). */
export function signInPage(token: string, locale: string | undefined, business?: string): string {
  const w = screenWords(locale);
  return `<!doctype html><html lang="${w.locale}" dir="${w.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${w.html('signin.title')}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><main><h1>${w.html('signin.heading')}</h1><form method="post" action="/dashboard/login"><input type="hidden" name="token" value="${token}">${business ? `<input type="hidden" name="business" value="${escape(business)}">` : ''}<button type="submit">${w.html('signin.button')}</button></form></main></body></html>`;
}

/** The page a link that cannot sign in gets (expired, used, or never made), or a customer not found: `heading` says which. */
export function signInRefused(locale: string | undefined, linkMinutes: number, heading: 'invalid' | 'noCustomer' = 'invalid'): string {
  const w = screenWords(locale);
  return `<!doctype html><html lang="${w.locale}" dir="${w.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${w.html('signin.invalid.title')}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body><main><h1>${w.html(heading === 'invalid' ? 'signin.invalid.heading' : 'signin.noCustomer')}</h1><p>${w.html('signin.invalid.text', { minutes: linkMinutes, command: new Html('<code>/dashboard</code>') })}</p></main></body></html>`;
}
