import { z } from 'zod';
import { catalogOf, wordingKeys, type WordingKey } from '../dialogs/prompts/index.js';
import type { ReasonQuestion } from '../domain/reasons.js';
import { freeText } from '../domain/text.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';
import { previewWording, type MessagePreview } from './preview.js';
import { wordingOf } from './wording.js';
import { wordingProblem } from './wording-rules.js';

/*
 * What the content API and the dashboard's wording page both run before a wording is stored: the
 * same message rules, the same preview, the same SMS length limit. A refusal names the message.
 */

export const messagesInput = z.partialRecord(z.enum(wordingKeys), freeText(1000)).describe('ICU MessageFormat per message key; a key left out says the shipped wording');
export type WordingMessages = Partial<Record<WordingKey, string>>;

export interface WordingEntryInput {
  kind: SurveyKind;
  locale: Locale;
  key: WordingKey;
  text: string;
}

/** A refused message: `key` is the message key, `reason` says why. */
export interface WordingRefusal {
  key: WordingKey;
  reason: string;
}

/** The business's own messages for one kind and language, and those refused by the message rules. */
export function checkWording(kind: SurveyKind, locale: Locale, messages: WordingMessages): { entries: WordingEntryInput[]; refused: WordingRefusal[] } {
  const entries = Object.entries(messages).map(([key, text]) => ({ kind, locale, key: key as WordingKey, text: text! }));
  const refused = entries.flatMap((e) => {
    const reason = wordingProblem(e.key, kind, locale, e.text);
    return reason ? [{ key: e.key, reason }] : [];
  });
  return { entries, refused };
}

/** The values the preview fills the placeholders with: the business's own name and a sample customer. */
export const previewSample = { name: 'Alex', context: 'your order 1042', product: 'Blue mug', order: '1042', location: 'Main Street' };
export type PreviewSample = Partial<typeof previewSample>;

/** The preview of a wording for a business (its name and reason question), with the sample values. */
export function previewFor(business: { name: string; reasonQuestion?: ReasonQuestion | undefined }, kind: SurveyKind, locale: Locale, entries: readonly WordingEntryInput[], sample: PreviewSample = {}): MessagePreview[] {
  const { name, ...context } = { ...previewSample, ...sample };
  return previewWording(kind, locale, { business: business.name, customerName: name, ...context }, wordingOf(entries), business.reasonQuestion);
}

/**
 * The messages this wording makes too long for SMS (flagged in the preview), with the flag. A
 * shipped message that is long with this business's name is not the owner's to shorten, so only a
 * message whose SMS text differs from the shipped one's counts.
 */
export function tooLong(business: Parameters<typeof previewFor>[0], kind: SurveyKind, locale: Locale, entries: readonly WordingEntryInput[]): WordingRefusal[] {
  const shipped = new Map(previewFor(business, kind, locale, []).map((m) => [m.key, m.channels.sms.text]));
  return previewFor(business, kind, locale, entries)
    .filter((m) => m.flags.length && shipped.get(m.key) !== m.channels.sms.text)
    .map((m) => ({ key: m.key as WordingKey, reason: m.flags.join('; ') }));
}

/** Every message a business may word for a kind and language: its own text, or the shipped one. */
export function currentWording(kind: SurveyKind, locale: Locale, entries: readonly { kind: SurveyKind; locale: Locale; key: string; text: string }[]): Array<{ key: WordingKey; text: string; custom: boolean }> {
  const own = new Map(entries.filter((e) => e.kind === kind && e.locale === locale).map((e) => [e.key, e.text]));
  return wordingKeys.map((key) => ({ key, text: own.get(key) ?? shippedText(kind, locale, key), custom: own.has(key) }));
}

/** The shipped wording of a message, as the catalog has it. */
export const shippedText = (kind: SurveyKind, locale: Locale, key: WordingKey): string => catalogOf(locale).message(key, kind).source;
