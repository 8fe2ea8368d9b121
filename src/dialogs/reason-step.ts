import type { Choice, Outbound } from '../domain/channels.js';
import { reasonChoicePrefix, reasonLabel, type ReasonQuestion } from '../domain/reasons.js';
import { bandOf } from '../domain/surveys.js';
import { message, type PromptSet } from './prompts/index.js';
import type { DialogSession } from './types.js';

/** The reason question, when the business asks it after this score: on, with choices, and not of a promoter it lets skip. */
export function reasonAsked(question: ReasonQuestion | undefined, s: Pick<DialogSession, 'kind' | 'score'>): question is ReasonQuestion {
  if (!question?.enabled || question.choices.length === 0 || s.score === undefined) return false;
  return !(question.skipPromoters && bandOf(s.kind, s.score) === 'promoter');
}

function reasonChoices(question: ReasonQuestion, p: PromptSet): Choice[] {
  return question.choices.map((c) => ({ label: reasonLabel(c, p.locale), value: `${reasonChoicePrefix}${c.key}` }));
}

/** The reason question (or its re-prompt) with its choices: buttons where a channel has them, a numbered list where not. */
export function reasonMessage(s: DialogSession, question: ReasonQuestion, p: PromptSet, again = false): Outbound {
  const text = again ? `${p.reasonReprompt(s.kind, s.vars)} ${p.reasonQuestion(s.kind, s.vars)}` : p.reasonQuestion(s.kind, s.vars);
  return { ...message(p, text, reasonChoices(question, p)), numbered: true };
}
