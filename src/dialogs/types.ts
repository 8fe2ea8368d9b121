import type { Outbound } from '../domain/channels.js';
import type { PromptVars, Wording } from './prompts/catalog.js';
import type { Band, Locale, SurveyKind } from '../domain/surveys.js';
import type { ReasonQuestion } from '../domain/reasons.js';
import type { Keyword } from './languages.js';

export { surveyKinds } from '../domain/surveys.js';
export type { Band, Locale, SurveyKind } from '../domain/surveys.js';
export type { PromptVars } from './prompts/catalog.js';

/**
 * `invited` → (`awaiting_reason`, when the business asks why) → `awaiting_comment` → `completed`; or
 * `expired` / `opted_out`. At most three steps for the customer: score, reason, comment.
 */
export type DialogState = 'invited' | 'awaiting_reason' | 'awaiting_comment' | 'completed' | 'expired' | 'opted_out';

export type { Keyword };

/** The whole conversation state of one survey; stored as part of the survey document. */
export interface DialogSession {
  kind: SurveyKind;
  state: DialogState;
  locale: Locale;
  vars: PromptVars;
  score?: number;
  /** The key of the reason the customer chose, when the business asks one. */
  reason?: string;
  comment?: string;
  /** Unparseable replies at the current step; the second one ends the survey. */
  reprompts: number;
  invitedAt: Date;
  remindedAt?: Date;
  /** When the score arrived. */
  answeredAt?: Date;
  /** When the survey reached `completed`. */
  completedAt?: Date;
  /** When the survey ended without completing (expired, opted out). */
  endedAt?: Date;
  /** The step at which the customer stopped: no score yet, or score but no comment. */
  abandonedAt?: 'score' | 'comment';
}

export type DialogInput =
  /** Free text, always an answer: keywords were recognised before the dialog (`keyword`). */
  | { type: 'text'; text: string }
  /** A tapped button's value. */
  | { type: 'choice'; value: string }
  | { type: 'keyword'; keyword: Keyword }
  | { type: 'timer'; timer: 'remind' | 'expire' };

export interface DialogPolicy {
  /** Send one reminder this long after the invitation when there is no score. */
  reminderAfterMs: number;
  /** After this long the survey expires. */
  ttlMs: number;
  /** The business's own wording, laid over the shipped catalogs. */
  wording?: Wording;
  /** The business's reason question, when it has one. */
  reasonQuestion?: ReasonQuestion;
}

export type DialogEvent =
  | { type: 'scored'; score: number; band: Band }
  /** The customer chose a reason (by tap, number or word). */
  | { type: 'reasoned'; reason: string }
  | { type: 'commented'; comment: string }
  /** A later part of a comment the customer's client split into several messages, joined to it. */
  | { type: 'comment_joined'; comment: string }
  | { type: 'completed'; withComment: boolean }
  | { type: 'reprompted' }
  | { type: 'reminded' }
  | { type: 'abandoned'; at: 'score' | 'comment'; reason: 'unparseable' | 'expired' | 'opted_out' }
  | { type: 'expired' }
  | { type: 'opted_out' }
  | { type: 'help' };

export interface StepResult {
  session: DialogSession;
  outbound: Outbound[];
  events: DialogEvent[];
}
