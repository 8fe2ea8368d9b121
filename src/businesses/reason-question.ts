import { z } from 'zod';
import { maxReasonChoices, reasonKeyPattern, type ReasonQuestion } from '../domain/reasons.js';
import { freeText } from '../domain/text.js';
import { localeSchema } from '../dialogs/languages.js';

/** One choice of the reason question as the API and the CLI give it: a stable key and a label per language. */
const reasonChoiceInput = z.strictObject({
  key: z.string().regex(reasonKeyPattern, '1-24 of a-z 0-9 _ -, starting with a letter or digit (it names the cohort reason:<key>)'),
  labels: z
    .partialRecord(localeSchema, freeText(40))
    .refine((labels) => Object.keys(labels).length > 0, 'give the label in at least one language'),
});

/**
 * The optional reason question ("What was it mostly about?"): its wording is the catalog message
 * `reason.question` (worded like the others through the content API); here are its choices, whether
 * it is asked, and whether promoters skip it.
 */
export const reasonQuestionInput = z
  .strictObject({
    enabled: z.boolean(),
    skipPromoters: z.boolean().default(false),
    choices: z.array(reasonChoiceInput).max(maxReasonChoices, `at most ${maxReasonChoices} choices`).default([]),
  })
  .superRefine((q, ctx) => {
    if (q.enabled && q.choices.length < 2) ctx.addIssue({ code: 'custom', path: ['choices'], message: 'a question that is asked needs at least 2 choices' });
    const seen = new Set<string>();
    q.choices.forEach((c, i) => {
      if (seen.has(c.key)) ctx.addIssue({ code: 'custom', path: ['choices', i, 'key'], message: `the key "${c.key}" is given twice` });
      seen.add(c.key);
    });
  }) satisfies z.ZodType<ReasonQuestion, unknown>;

/** The question as the API shows it. */
export const reasonQuestionSchema = z
  .object({
    enabled: z.boolean(),
    skipPromoters: z.boolean().describe('Promoters go straight to the comment'),
    choices: z.array(z.object({ key: z.string(), labels: z.partialRecord(z.string(), z.string()) })),
  })
  .meta({ id: 'ReasonQuestion' });
