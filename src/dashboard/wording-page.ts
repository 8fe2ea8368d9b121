import { maxSmsSegments, type MessagePreview } from '../content/preview.js';
import { languageCodes, languageOf } from '../dialogs/languages.js';
import { catalogOf, placeholders, type WordingKey } from '../dialogs/prompts/index.js';
import { plainNumber } from '../domain/locale-format.js';
import { maxReasonChoices } from '../domain/reasons.js';
import { kindLabel, surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import type { ReasonFormState } from './wording-forms.js';

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Each language's own name, as its speakers write it (from the runtime's ICU data, so a new language needs no entry here). */
const languageName = (l: Locale) => new Intl.DisplayNames([l], { type: 'language' }).of(l) ?? l;

/**
 * The page's words in the business's language (`screen.dashboard.wording.*` in the catalogs), as HTML:
 * the message is escaped, then each value (HTML already: escaped text, or a number in `<bdi>`) put in.
 */
function wordsOf(locale: Locale) {
  return (key: string, values: Record<string, string | number> = {}) => {
    // A number value only chooses a plural form; it is never shown (shown numbers come as HTML).
    const names = Object.keys(values).filter((n) => typeof values[n] === 'string');
    const tokens = Object.fromEntries(names.map((n, i) => [n, `\uE000${i}\uE001`]));
    let out = escape(catalogOf(locale).message(`screen.dashboard.wording.${key}`).format({ ...values, ...tokens }));
    names.forEach((n, i) => (out = out.replace(`\uE000${i}\uE001`, String(values[n]))));
    return out;
  };
}
/** A number in the business's digits, kept whole in a right-to-left line. */
const numberIn = (icu: string) => (n: number) => `<bdi>${plainNumber(icu, n, 0)}</bdi>`;

export interface WordingMessageView {
  key: WordingKey;
  /** What the textarea holds: the stored or shipped text, or what was typed. */
  text: string;
  /** The business has its own wording of this message stored. */
  custom: boolean;
  problem?: string;
  preview?: MessagePreview;
  /** Over the SMS limit because of this wording (a save would be held back). */
  long: boolean;
}

export interface WordingPageView {
  business: { name: string; locale: Locale };
  kind: SurveyKind;
  locale: Locale;
  messages: WordingMessageView[];
  /** The session may save (an owner); others read and preview. */
  canSave: boolean;
  formToken: string;
  notice?: string;
  /** The notice is a refusal (shown as an alert). */
  refused?: boolean;
  allowLong: boolean;
  /** Every message's preview open (after "Preview"). */
  open: boolean;
  reason: ReasonFormState;
}

function channelsOf(p: MessagePreview, icu: string, t: ReturnType<typeof wordsOf>, dir: 'ltr' | 'rtl'): string {
  const { sms, telegram, teams, web } = p.channels;
  const list = (items: string[]) => (items.length ? `<ul class="keys">${items.map((b) => `<li>${escape(b)}</li>`).join('')}</ul>` : '');
  const box = teams.commentBox ? `<p class="box">${t('commentBox')}: ${escape(teams.commentBox.placeholder)} · ${escape(teams.commentBox.send)} · ${escape(teams.commentBox.skip)}</p>` : '';
  return `<dl class="channels">
      <dt>${t('sms')}</dt><dd><pre class="sms" dir="${dir}" data-testid="sms-${p.key}" data-encoding="${sms.encoding}" data-segments="${sms.segments}" data-characters="${sms.characters}">${escape(sms.text)}</pre>
        <p class="count">${t('smsCount', { encoding: sms.encoding, characters: numberIn(icu)(sms.characters), segments: numberIn(icu)(sms.segments), count: sms.segments })}</p></dd>
      <dt>${t('telegram')}</dt><dd><p dir="${dir}">${escape(telegram.text)}</p>${telegram.keyboard.map((row) => list(row)).join('')}</dd>
      <dt>${t('teams')}</dt><dd><p dir="${dir}">${escape(teams.text)}</p>${list(teams.buttons)}${box}</dd>
      <dt>${t('web')}</dt><dd><p dir="${web.dir}">${escape(web.text)}</p>${list(web.buttons)}</dd>
    </dl>`;
}

function messageBlock(m: WordingMessageView, view: WordingPageView, t: ReturnType<typeof wordsOf>): string {
  const icu = languageOf(view.business.locale).icu;
  const dir = languageOf(view.locale).dir;
  // A refused message has no preview: what it would say is not known (the default would be shown in its place).
  const sms = m.preview?.channels.sms;
  const ids = [m.problem ? `problem-${m.key}` : '', m.long ? `flag-${m.key}` : ''].filter(Boolean).join(' ');
  return `<article class="wording-message${m.long ? ' flagged' : ''}" data-key="${m.key}">
    <div class="wording-head"><label for="m-${m.key}">${t(`message.${m.key}`)}</label>
    <span class="marker ${m.custom ? 'custom' : 'shipped'}" data-testid="marker-${m.key}">${t(m.custom ? 'custom' : 'shipped')}</span></div>
    <textarea name="m:${m.key}" id="m-${m.key}" rows="3" maxlength="1000" lang="${view.locale}" dir="${dir}"${view.canSave ? '' : ' readonly'}${ids ? ` aria-describedby="${ids}"${m.problem ? ' aria-invalid="true"' : ''}` : ''}>${escape(m.text)}</textarea>
    ${m.problem ? `<span class="problem" id="problem-${m.key}" data-testid="problem-${m.key}">${escape(m.problem)}</span>` : ''}
    ${m.long && sms ? `<span class="problem" id="flag-${m.key}" data-testid="flag-${m.key}">${t('flag', { segments: numberIn(icu)(sms.segments), encoding: sms.encoding, limit: numberIn(icu)(maxSmsSegments) })}</span>` : ''}
    ${m.preview && sms && !m.problem ? `<details class="preview"${view.open || m.long ? ' open' : ''}><summary>${t('preview')}: ${t('smsCount', { encoding: sms.encoding, characters: numberIn(icu)(sms.characters), segments: numberIn(icu)(sms.segments), count: sms.segments })}</summary>
    ${channelsOf(m.preview, icu, t, dir)}</details>` : ''}
    ${view.canSave && m.custom ? `<button type="submit" name="action" value="reset:${m.key}" class="secondary" data-testid="reset-${m.key}">${t('reset')}</button>` : ''}
  </article>`;
}

function reasonForm(view: WordingPageView, t: ReturnType<typeof wordsOf>): string {
  const { reason } = view;
  const problem = (f: string) => (reason.problems[f] ? `<span class="problem" id="reason-${f.replace(/\./g, '-')}-problem" data-testid="reason-${f}-problem">${escape(reason.problems[f]!)}</span>` : '');
  const described = (f: string) => (reason.problems[f] ? ` aria-invalid="true" aria-describedby="reason-${f.replace(/\./g, '-')}-problem"` : '');
  const ro = view.canSave ? '' : ' disabled';
  const rows = Array.from({ length: maxReasonChoices }, (_, row) => {
    const c = reason.choices[row] ?? { key: '', labels: {} };
    const cell = (name: string, value: string, label: string, extra = '') =>
      `<td><input type="text" name="choice.${row}.${name}" id="choice-${row}-${name}" value="${escape(value)}" aria-label="${t('reason.choice', { number: String(row + 1) })}: ${label}"${extra}${ro}></td>`;
    return `<tr data-row="${row}"><th scope="row">${row + 1}</th>${cell('key', c.key, t('reason.key'), ` maxlength="24"${described(`choice.${row}.key`)}`)}${languageCodes().map((l) => cell(l, c.labels[l] ?? '', t('reason.label', { language: escape(languageName(l)) }), ` maxlength="40" lang="${l}" dir="${languageOf(l).dir}"${described(`choice.${row}.labels`)}`)).join('')}</tr>${
      reason.problems[`choice.${row}.key`] || reason.problems[`choice.${row}.labels`] ? `<tr><td></td><td colspan="${languageCodes().length + 1}">${problem(`choice.${row}.key`)} ${problem(`choice.${row}.labels`)}</td></tr>` : ''
    }`;
  }).join('');
  return `<form method="post" action="/dashboard/wording/reason" class="reason-form" data-testid="reason-form">
    <input type="hidden" name="form" value="${view.formToken}"><input type="hidden" name="kind" value="${view.kind}"><input type="hidden" name="locale" value="${view.locale}">
    ${problem('form')}
    <label><input type="checkbox" name="enabled" id="reason-enabled"${reason.enabled ? ' checked' : ''}${ro}> ${t('reason.enabled')}</label>
    <label><input type="checkbox" name="skipPromoters" id="reason-skipPromoters"${reason.skipPromoters ? ' checked' : ''}${ro}> ${t('reason.skipPromoters')}</label>
    ${problem('choices')}
    <table class="data choices"><thead><tr><th scope="col">#</th><th scope="col">${t('reason.key')}</th>${languageCodes().map((l) => `<th scope="col">${t('reason.label', { language: escape(languageName(l)) })}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
    <p class="hint">${t('reason.key')}: ${t('reason.keyHint')}</p>
    ${view.canSave ? `<button type="submit">${t('reason.save')}</button>` : ''}
  </form>`;
}

/** The wording page: every message of a kind and language with its preview per channel, and the reason question. */
export function wordingPage(view: WordingPageView): string {
  const { business, kind, locale } = view;
  const t = wordsOf(business.locale);
  const select = (name: string, current: string, options: Array<[string, string]>) =>
    `<select name="${name}" id="view-${name}">${options.map(([v, label]) => `<option value="${v}"${v === current ? ' selected' : ''}>${escape(label)}</option>`).join('')}</select>`;
  const icu = languageOf(business.locale).icu;
  return `<!doctype html>
<html lang="${business.locale}" dir="${languageOf(business.locale).dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(business.name)} · ${t('title')}</title><link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head>
<body>
<header><h1>${escape(business.name)}</h1><a href="/dashboard?kind=${kind}" class="back">${t('back')}</a></header>
<main>
${view.notice ? `<p class="notice${view.refused ? ' refused' : ''}" role="${view.refused ? 'alert' : 'status'}" data-testid="notice">${escape(view.notice)}</p>` : ''}
<section aria-labelledby="wording">
  <h2 id="wording">${t('title')}</h2>
  <form method="get" action="/dashboard/wording" class="filters">
    <label for="view-kind">${t('kind')}</label>${select('kind', kind, surveyKinds.map((k) => [k, kindLabel[k]]))}
    <label for="view-locale">${t('language')}</label>${select('locale', locale, languageCodes().map((l) => [l, languageName(l)]))}
    <button type="submit">${t('show')}</button>
  </form>
  <p>${t('intro', { kind: escape(kindLabel[kind]), language: escape(languageName(locale)) })}</p>
  <p>${t('limit', { limit: numberIn(icu)(maxSmsSegments) })}</p>
  ${view.canSave ? '' : `<p class="notice" data-testid="read-only">${t('readOnly')}</p>`}
  <form method="post" action="/dashboard/wording" class="wording-form" data-testid="wording-form">
    <input type="hidden" name="form" value="${view.formToken}"><input type="hidden" name="kind" value="${kind}"><input type="hidden" name="locale" value="${locale}">
    ${view.messages.map((m) => messageBlock(m, view, t)).join('\n')}
    ${view.canSave ? `<label class="allow-long"><input type="checkbox" name="allowLong" id="allow-long"${view.allowLong ? ' checked' : ''}> ${t('allowLong', { limit: numberIn(icu)(maxSmsSegments) })}</label>` : ''}
    <div class="actions"><button type="submit" name="action" value="preview">${t('preview')}</button>${view.canSave ? `<button type="submit" name="action" value="save">${t('save')}</button>` : ''}</div>
  </form>
  <details class="placeholders"><summary>${t('placeholders')}</summary><dl>${[...Object.entries(placeholders), ['question', 'the question, in the invitation and the reminder']].map(([p, what]) => `<dt><code dir="ltr">{${p}}</code></dt><dd>${escape(String(what))}</dd>`).join('')}</dl></details>
</section>
<section aria-labelledby="reason">
  <h2 id="reason">${t('reason.title')}</h2>
  <p>${t('reason.intro')}</p>
  ${reasonForm(view, t)}
</section>
</main>
</body>
</html>`;
}

/** The words of the page in the business's language, for notices the routes choose. */
export const wordingWords = (locale: Locale) => (key: string, values: Record<string, string> = {}) => catalogOf(locale).message(`screen.dashboard.wording.${key}`).format(values);
