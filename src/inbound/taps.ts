import { isOpen, parseChoice, promptsFor } from '../dialogs/index.js';
import { parseReasonChoice } from '../dialogs/parse-reason.js';
import { reasonChoicePrefix, type ReasonQuestion } from '../domain/reasons.js';
import type { Locale } from '../domain/surveys.js';
import type { SurveyRecord } from '../store/index.js';

/** The refusals of a tapped button; pure, read from the address's newest surveys. */
export type TapRefusal = 'answered' | 'ended' | 'invalid';

/**
 * Why a tapped button cannot count, or undefined when it can: its survey ended (or is not this
 * address's open one), its question was already answered, or its value is no choice of the question
 * being asked. A score tap is for the score question and a reason tap for the reason question: either
 * one later is a stale tap, answered like any other.
 */
export function tapRefused(recent: SurveyRecord[], open: SurveyRecord | undefined, surveyId: string | undefined, value: string, reason?: ReasonQuestion): TapRefusal | undefined {
  const target = surveyId ? recent.find((s) => s.id === surveyId) : open;
  if (!target || !isOpen(target.state) || target !== open) return 'ended';
  const reasonTap = value.startsWith(reasonChoicePrefix);
  if (target.state === 'invited') return reasonTap ? 'ended' : parseChoice(target.kind, value).ok ? undefined : 'invalid';
  if (target.state === 'awaiting_reason' && reasonTap) return parseReasonChoice(value, reason?.choices ?? []) !== undefined ? undefined : 'invalid';
  return 'answered';
}

export function tapNotice(refusal: TapRefusal, locale: Locale): string {
  const p = promptsFor(locale);
  return refusal === 'answered' ? p.tapAnswered() : refusal === 'ended' ? p.tapEnded() : p.tapInvalid();
}
