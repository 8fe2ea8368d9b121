import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { compileMessage, placeholders, valuesOf, type WordingKey } from '../dialogs/prompts/index.js';
import type { Locale, SurveyKind } from '../domain/surveys.js';

/**
 * What a business's own message must be: valid ICU MessageFormat, only the placeholders the survey
 * fills, the scale where the customer needs it, and plural and select forms that can be chosen.
 */

/** Placeholders beyond the shared ones: the invitation and the reminder may repeat the question. */
const extraPlaceholders: Partial<Record<WordingKey, readonly string[]>> = { invitation: ['question'], reminder: ['question'] };
const numeric = new Set(['min', 'max']);
const pluralCategories = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

const syntaxReasons: Record<string, string> = {
  MISSING_OTHER_CLAUSE: 'a plural or select form needs an "other" case (or a brace is not closed)',
  EXPECT_ARGUMENT_CLOSING_BRACE: 'a placeholder\'s "{" is not closed',
  UNMATCHED_CLOSING_BRACE: 'a "}" closes nothing',
  EMPTY_ARGUMENT: 'a placeholder "{}" has no name',
  MALFORMED_ARGUMENT: 'a placeholder name is malformed',
  EXPECT_PLURAL_ARGUMENT_SELECTOR: 'a plural form has a case with no name',
  EXPECT_SELECT_ARGUMENT_SELECTOR: 'a select form has a case with no name',
  DUPLICATE_PLURAL_ARGUMENT_SELECTOR: 'a plural form names a case twice',
  DUPLICATE_SELECT_ARGUMENT_SELECTOR: 'a select form names a case twice',
  INVALID_ARGUMENT_TYPE: 'a placeholder has an unknown type (use plural, select or number)',
};

function walk(elements: MessageFormatElement[], visit: (e: MessageFormatElement) => void): void {
  for (const e of elements) {
    visit(e);
    if (e.type === TYPE.plural || e.type === TYPE.select) for (const option of Object.values(e.options)) walk(option.value, visit);
  }
}

/** Why `text` cannot be `key`'s message for this kind and language, or undefined when it can. */
export function wordingProblem(key: WordingKey, kind: SurveyKind, locale: Locale, text: string): string | undefined {
  let ast: MessageFormatElement[];
  try {
    ast = parse(text, { requiresOtherClause: true, ignoreTag: true });
  } catch (error) {
    const code = error instanceof Error ? error.message : String(error);
    const at = (error as { location?: { start?: { offset?: number } } }).location?.start?.offset;
    return `${syntaxReasons[code] ?? `not a valid ICU message (${code})`}${at === undefined ? '' : ` at character ${at + 1}`}`;
  }
  const allowed = new Set<string>([...Object.keys(placeholders), ...(extraPlaceholders[key] ?? [])]);
  const used = new Set<string>();
  const problems: string[] = [];
  walk(ast, (e) => {
    if (e.type === TYPE.literal || e.type === TYPE.pound || e.type === TYPE.tag) return;
    used.add(e.value);
    if (!allowed.has(e.value)) problems.push(`unknown placeholder {${e.value}}; known: ${[...allowed].map((p) => `{${p}}`).join(', ')}`);
    else if ((e.type === TYPE.plural || e.type === TYPE.number) && !numeric.has(e.value)) problems.push(`{${e.value}} is not a number: plural and number forms take {min} or {max}`);
    else if (e.type === TYPE.date || e.type === TYPE.time) problems.push(`{${e.value}} is not a date or time`);
    if (e.type === TYPE.plural) {
      const wrong = Object.keys(e.options).filter((c) => !pluralCategories.has(c) && !/^=\d+$/.test(c));
      if (wrong.length) problems.push(`plural form of {${e.value}} has case "${wrong[0]}": use zero, one, two, few, many, other or =N`);
    }
  });
  if (problems.length) return problems[0];
  const missing = requiredMissing(key, used);
  if (missing) return missing;
  try {
    compileMessage(text, locale).format({ ...valuesOf(kind, { business: 'Acme' }), question: '?' });
  } catch (error) {
    return `cannot be filled in: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/** The customer must be told the scale: in the question, or in an invitation or reminder that leaves it out. */
function requiredMissing(key: WordingKey, used: Set<string>): string | undefined {
  const scale = used.has('min') && used.has('max');
  if (key === 'question' && !scale) return `the question must show the scale: {${used.has('min') ? 'max' : 'min'}} is missing`;
  if ((key === 'invitation' || key === 'reminder') && !used.has('question') && !scale) {
    return `the ${key} must include {question}, or show the scale with {min} and {max}`;
  }
  return undefined;
}
