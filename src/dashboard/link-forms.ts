import { z } from 'zod';
import { escapeHtml as escape, type ScreenWords } from '../content/screen-words.js';
import { kindLabel, surveyKinds, type SurveyKind } from '../domain/surveys.js';
import { describeIssues } from '../errors.js';
import { codePattern, linkInput, type LinkInput, type LinkState } from '../links/survey-links.js';
import { languageList } from '../dialogs/languages.js';

/*
 * The dashboard's survey-link forms: make a link, pause or resume one. A link is checked by the
 * API's own `linkInput`, so a field the API refuses is refused here with the same reason, shown
 * beside the field. Every form carries the session's form token (see `DashboardAccess.formToken`).
 */

export const linkFields = ['kind', 'locale', 'label', 'location', 'staff', 'product', 'campaign', 'expiresAt'] as const;
type LinkField = (typeof linkFields)[number];
/** What the owner typed, as typed: shown back in the form when a field is refused. */
export type LinkFormValues = Partial<Record<LinkField, string>>;
export interface LinkFormState {
  values: LinkFormValues;
  problems: Partial<Record<string, string>>;
}

/** The page the form came from, to go back to: its survey kind and period. */
const viewFields = z.object({ view: z.enum(surveyKinds).catch('nps'), days: z.string().regex(/^\d{1,3}$/).catch('30') });
export const linkCodeParam = z.strictObject({ code: z.string().regex(codePattern, 'a survey link code') });
export const linkActionBody = z.strictObject({ form: z.string(), action: z.enum(['pause', 'resume']), view: z.enum(surveyKinds).optional(), days: z.string().optional() });

export type LinkFormResult =
  | { ok: true; form: string; view: SurveyKind; days: string; input: LinkInput }
  | { ok: false; form: string; view: SurveyKind; days: string; state: LinkFormState; reason: string };

/**
 * Reads a posted "make a link" form. An empty field is a field left out (a browser posts every
 * field); anything the API would refuse comes back with its reason per field.
 */
export function readLinkForm(body: unknown): LinkFormResult {
  const posted = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const { form, view: _view, days: _days, ...rest } = posted;
  const { view, days } = viewFields.parse(posted);
  const token = typeof form === 'string' ? form : '';
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== ''));
  const values: LinkFormValues = Object.fromEntries(linkFields.flatMap((f) => (typeof rest[f] === 'string' ? [[f, rest[f]]] : [])));
  const parsed = linkInput.safeParse(fields);
  if (parsed.success) return { ok: true, form: token, view, days, input: parsed.data };
  const problems: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const unknown = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : undefined;
    const field = unknown ? 'form' : String(issue.path[0] ?? 'form');
    problems[field] ??= unknown ? `fields this form does not have: ${unknown}` : issue.message;
  }
  return { ok: false, form: token, view, days, state: { values, problems }, reason: describeIssues(parsed.error, 'link').join('; ') };
}

/** The "make a link" form, in the dashboard's language, with what was typed and each refused field's reason when it comes back. */
export function linkForm(token: string, view: { kind: SurveyKind; days: number }, state: LinkFormState | undefined, w: ScreenWords): string {
  const words = (key: string) => w.text(`dashboard.linkForm.${key}`);
  const languages: Array<[string, string]> = [['', words('businessLanguage')], ...languageList().map((l): [string, string] => [l.code, l.name])];
  const values = state?.values ?? {};
  const problem = (f: string) => state?.problems[f];
  const describedBy = (f: LinkField) => (problem(f) ? ` aria-invalid="true" aria-describedby="link-${f}-problem"` : '');
  const why = (f: string) => (problem(f) ? `<span class="problem" id="link-${f}-problem" data-testid="link-${f}-problem">${escape(problem(f)!)}</span>` : '');
  const select = (f: LinkField, options: Array<[string, string]>) =>
    `<label for="link-${f}">${escape(f === 'kind' ? w.text('dashboard.survey') : words('language'))}</label><select name="${f}" id="link-${f}"${describedBy(f)}>${options.map(([v, t]) => `<option value="${v}"${v === (values[f] ?? '') ? ' selected' : ''}>${escape(t)}</option>`).join('')}</select>${why(f)}`;
  const text = (f: LinkField, label: string, max: number, hint = '') =>
    `<label for="link-${f}">${escape(label)}</label><input type="text" name="${f}" id="link-${f}" maxlength="${max}" value="${escape(values[f] ?? '')}"${hint ? ` placeholder="${escape(hint)}"` : ''}${describedBy(f)}>${why(f)}`;
  return `<form method="post" action="/dashboard/links" class="link-form" data-testid="link-form">
    <input type="hidden" name="form" value="${token}"><input type="hidden" name="view" value="${view.kind}"><input type="hidden" name="days" value="${view.days}">
    ${why('form')}
    ${select('kind', surveyKinds.map((k) => [k, kindLabel[k]]))}
    ${select('locale', languages)}
    ${text('label', words('name'), 100, words('namePlaceholder'))}
    ${text('location', words('location'), 100)}
    ${text('staff', words('staff'), 100)}
    ${text('product', words('product'), 100)}
    ${text('campaign', words('campaign'), 50)}
    ${text('expiresAt', words('ends'), 40, '2026-06-30T18:00:00Z')}
    <button type="submit">${escape(words('make'))}</button>
  </form>`;
}

/** A link's pause or resume button; an expired link has none (its end is set through the API). */
export function linkActionForm(token: string, code: string, state: LinkState, view: { kind: SurveyKind; days: number }, w: ScreenWords): string {
  if (state === 'expired') return '–';
  const action = state === 'paused' ? 'resume' : 'pause';
  return `<form method="post" action="/dashboard/links/${code}" class="link-action"><input type="hidden" name="form" value="${token}"><input type="hidden" name="action" value="${action}"><input type="hidden" name="view" value="${view.kind}"><input type="hidden" name="days" value="${view.days}"><button type="submit" data-testid="${action}-${code}">${escape(w.text(`dashboard.linkForm.${action}`))}</button></form>`;
}
