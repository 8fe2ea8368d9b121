import { z } from 'zod';
import { reasonQuestionInput } from '../businesses/reason-question.js';
import { checkWording, messagesInput, shippedText, tooLong, type WordingEntryInput, type WordingMessages } from '../content/wording-check.js';
import { wordingKeys, type WordingKey } from '../dialogs/prompts/index.js';
import { maxReasonChoices, type ReasonQuestion } from '../domain/reasons.js';
import { languageCodes, localeSchema } from '../dialogs/languages.js';
import { surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import { cleanText } from '../domain/text.js';

/*
 * The dashboard's wording forms, read: the survey's messages for one kind and language (a textarea
 * each, named `m:<key>`) and the reason question (on/off, promoters skip, a key and a label per
 * language per choice). Each is checked by the API's own code (`checkWording`, `tooLong`,
 * `reasonQuestionInput`), so what the API refuses is refused here with the same reason, shown
 * beside the field it is about, and everything typed comes back in the form.
 */

export const wordingView = z.object({ kind: z.enum(surveyKinds).catch('nps'), locale: localeSchema.optional().catch(undefined) });
const wordingAction = z.union([z.literal('preview'), z.literal('save'), z.templateLiteral(['reset:', z.enum(wordingKeys)])]);

/** What was typed in each message's textarea, as typed (shown back as it came). */
export type TypedWording = Partial<Record<WordingKey, string>>;

export type WordingPost =
  | { ok: true; form: string; kind: SurveyKind; locale: Locale; action: z.output<typeof wordingAction>; allowLong: boolean; typed: TypedWording }
  | { ok: false; form: string; reason: string };

/** Reads a posted wording form: its view, what the owner asked for (preview, save, reset one message) and every textarea. */
export function readWordingPost(body: unknown): WordingPost {
  const posted = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const form = typeof posted.form === 'string' ? posted.form : '';
  const head = z.object({ kind: z.enum(surveyKinds), locale: localeSchema, action: wordingAction }).safeParse(posted);
  if (!head.success) return { ok: false, form, reason: head.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  const unknown = Object.keys(posted).filter((k) => !['form', 'kind', 'locale', 'action', 'allowLong'].includes(k) && !wordingKeys.some((key) => k === `m:${key}`));
  if (unknown.length) return { ok: false, form, reason: `fields this form does not have: ${unknown.join(', ')}` };
  // A browser posts every textarea: a form without one would silently put that message back to the default.
  const missing = wordingKeys.filter((key) => typeof posted[`m:${key}`] !== 'string');
  if (missing.length) return { ok: false, form, reason: `the form lacks the messages ${missing.join(', ')}: reload the page` };
  const typed: TypedWording = Object.fromEntries(wordingKeys.map((key) => [key, posted[`m:${key}`] as string]));
  return { ok: true, form, ...head.data, allowLong: posted.allowLong === 'on', typed };
}

/**
 * The business's own messages from what was typed: a textarea left empty or holding the shipped
 * wording says the shipped one (nothing stored for it). `problems` holds each refused message's reason.
 */
export function wordingFromForm(kind: SurveyKind, locale: Locale, typed: TypedWording): { entries: WordingEntryInput[]; problems: Partial<Record<WordingKey, string>> } {
  const own: WordingMessages = {};
  const problems: Partial<Record<WordingKey, string>> = {};
  for (const key of wordingKeys) {
    const text = typed[key];
    if (text === undefined) continue;
    const clean = cleanText(text);
    if (clean === '' || clean === shippedText(kind, locale, key)) continue;
    // Each message by the API's own field rule (`messagesInput`: cleaned, at most 1,000 characters), so one refusal loses no other.
    const shaped = messagesInput.safeParse({ [key]: text });
    if (shaped.success) own[key] = shaped.data[key];
    else problems[key] = shaped.error.issues[0]!.message;
  }
  const { entries, refused } = checkWording(kind, locale, own);
  for (const r of refused) problems[r.key] ??= r.reason;
  return { entries: entries.filter((e) => !problems[e.key]), problems };
}

/** Messages over the SMS limit that this wording makes so (a shipped message is not the owner's to shorten). */
export const longMessages = (...args: Parameters<typeof tooLong>): Set<string> => new Set(tooLong(...args).map((m) => m.key));

/** One row of the reason question's choices as typed: its key and a label per language. */
export interface TypedChoice {
  key: string;
  labels: Partial<Record<Locale, string>>;
}
export interface ReasonFormState {
  enabled: boolean;
  skipPromoters: boolean;
  choices: TypedChoice[];
  /** By field: `choices`, `choice.<row>.key`, `choice.<row>.labels`, `form`. */
  problems: Record<string, string>;
}

/** The form's rows for a stored question (or none): its choices, then empty rows up to the most a question takes. */
export function reasonFormOf(question: ReasonQuestion | undefined): ReasonFormState {
  const choices = (question?.choices ?? []).map((c) => ({ key: c.key, labels: { ...c.labels } }));
  return { enabled: question?.enabled ?? false, skipPromoters: question?.skipPromoters ?? false, choices, problems: {} };
}

export type ReasonPost =
  | { ok: true; form: string; kind: SurveyKind; locale: Locale | undefined; question: ReasonQuestion }
  | { ok: false; form: string; kind: SurveyKind; locale: Locale | undefined; state: ReasonFormState; reason: string };

/**
 * Reads a posted reason question form. A row left empty is no choice; the rest is checked by the
 * settings API's own schema, and each refusal is put beside the row and field it names.
 */
export function readReasonPost(body: unknown): ReasonPost {
  const posted = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const form = typeof posted.form === 'string' ? posted.form : '';
  const { kind, locale } = wordingView.parse(posted);
  const known = /^(?:form|kind|locale|enabled|skipPromoters|choice\.[0-9]\.(?:key|[A-Za-z-]+))$/;
  const unknown = Object.keys(posted).filter((k) => !known.test(k) || (k.startsWith('choice.') && (Number(k.split('.')[1]) >= maxReasonChoices || !['key', ...languageCodes()].includes(k.split('.')[2]!))));
  const text = (name: string) => (typeof posted[name] === 'string' ? (posted[name] as string) : '');
  const rows: TypedChoice[] = [];
  for (let row = 0; row < maxReasonChoices; row++) {
    rows.push({ key: text(`choice.${row}.key`), labels: Object.fromEntries(languageCodes().flatMap((l) => (text(`choice.${row}.${l}`) ? [[l, text(`choice.${row}.${l}`)]] : []))) });
  }
  const state: ReasonFormState = { enabled: posted.enabled === 'on', skipPromoters: posted.skipPromoters === 'on', choices: rows, problems: {} };
  const used = rows.flatMap((c, row) => (c.key.trim() || Object.keys(c.labels).length ? [{ row, choice: { key: c.key.trim(), labels: c.labels } }] : []));
  if (unknown.length) return { ok: false, form, kind, locale, state: { ...state, problems: { form: `fields this form does not have: ${unknown.join(', ')}` } }, reason: `fields this form does not have: ${unknown.join(', ')}` };
  const parsed = reasonQuestionInput.safeParse({ enabled: state.enabled, skipPromoters: state.skipPromoters, choices: used.map((u) => u.choice) });
  if (parsed.success) return { ok: true, form, kind, locale, question: parsed.data };
  for (const issue of parsed.error.issues) {
    const [first, index, field] = issue.path;
    const row = typeof index === 'number' ? used[index]?.row : undefined;
    const where = first !== 'choices' ? 'form' : row === undefined ? 'choices' : `choice.${row}.${field === 'key' ? 'key' : 'labels'}`;
    state.problems[where] ??= issue.message;
  }
  const reason = Object.entries(state.problems).map(([f, m]) => `${f}: ${m}`).join('; ');
  return { ok: false, form, kind, locale, state, reason };
}
