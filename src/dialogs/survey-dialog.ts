import type { Choice, Outbound, TemplateUse } from '../domain/channels.js';
import { valuesOf } from './prompts/catalog.js';
import { bandOf } from '../domain/surveys.js';
import { parseChoice, parseScore, scaleOf } from './parse-score.js';
import { parseReason, parseReasonChoice } from './parse-reason.js';
import { reasonAsked, reasonMessage } from './reason-step.js';
import type { ReasonQuestion } from '../domain/reasons.js';
import { commentOf, maxCommentLength } from '../domain/text.js';
import { keywordReply, message, promptsFor, type PromptSet, type Wording } from './prompts/index.js';
import type {
  DialogInput,
  DialogPolicy,
  DialogSession,
  DialogState,
  Keyword,
  Locale,
  PromptVars,
  StepResult,
  SurveyKind,
} from './types.js';


/** True while the survey still waits for the customer. */
export function isOpen(state: DialogState): boolean {
  return state === 'invited' || state === 'awaiting_reason' || state === 'awaiting_comment';
}

/** CSAT buttons carry a face as well as the number: the satisfaction scale reads at a glance. */
const csatFaces = ['😠', '🙁', '😐', '🙂', '😄'] as const;

function choicesFor(kind: SurveyKind, p: PromptSet): Choice[] {
  const { min, max } = scaleOf(kind);
  return Array.from({ length: max - min + 1 }, (_, i) => {
    const n = min + i;
    return { label: kind === 'csat' ? `${p.digits(n)} ${csatFaces[i]}` : p.digits(n), value: String(n) };
  });
}

/** The question again (no greeting), with its buttons. */
function questionMessage(s: DialogSession, p: PromptSet): Outbound {
  return message(p, p.question(s.kind, s.vars), choicesFor(s.kind, p));
}

function followUpMessage(s: DialogSession, score: number, p: PromptSet): Outbound {
  return { ...message(p, p.followUp(s.kind, bandOf(s.kind, score), s.vars)), comment: p.commentBox };
}

/** What the customer is being asked right now, in the business's own wording when it has some. */
export function currentQuestion(s: DialogSession, wording?: Wording, reason?: ReasonQuestion): Outbound {
  return asked(s, promptsFor(s.locale, wording), reason);
}

function asked(s: DialogSession, p: PromptSet, reason: ReasonQuestion | undefined): Outbound {
  if (s.score === undefined || s.state === 'invited') return questionMessage(s, p);
  return s.state === 'awaiting_reason' && reasonAsked(reason, s) ? reasonMessage(s, reason, p) : followUpMessage(s, s.score, p);
}

/** The template a channel may need for the invitation or the reminder: the survey's placeholders as text. */
function templateUse(purpose: 'invitation' | 'reminder', s: DialogSession): TemplateUse {
  const values = Object.fromEntries(Object.entries(valuesOf(s.kind, s.vars)).map(([k, v]) => [k, String(v)]));
  return { purpose, kind: s.kind, locale: s.locale, values };
}

const nothing = (session: DialogSession): StepResult => ({ session, outbound: [], events: [] });

export function startDialog(params: { kind: SurveyKind; locale: Locale; vars: PromptVars; now: Date; wording?: Wording }): StepResult {
  const { kind, locale, vars, now } = params;
  const p = promptsFor(locale, params.wording);
  const session: DialogSession = { kind, state: 'invited', locale, vars: { ...vars }, reprompts: 0, invitedAt: now };
  const invitation = message(p, p.invitation(kind, vars), choicesFor(kind, p));
  return { session, outbound: [{ ...invitation, template: templateUse('invitation', session) }], events: [] };
}

/** Advances one survey conversation by one input. Pure: returns a new session and never mutates its input. */
export function step(session: DialogSession, input: DialogInput, now: Date, policy: DialogPolicy): StepResult {
  const s: DialogSession = { ...session, vars: { ...session.vars } };
  const p = promptsFor(s.locale, policy.wording);
  const reason = policy.reasonQuestion;
  // The business stopped asking why while this survey waited for the reason: the comment is next.
  if (s.state === 'awaiting_reason' && !reasonAsked(reason, s)) s.state = 'awaiting_comment';
  // A closed survey is the service's business (new survey, keyword reply), not the dialog's,
  // except for the rest of a comment that arrived in parts.
  if (!isOpen(s.state)) return input.type === 'text' ? joinComment(s, input.text, now, p) : nothing(s);
  switch (input.type) {
    case 'timer':
      return input.timer === 'remind' ? remind(s, now, policy, p) : expire(s, now, policy);
    case 'keyword':
      return onKeyword(s, input.keyword, now, p, reason);
    case 'choice': {
      if (s.state === 'awaiting_reason' && reasonAsked(reason, s)) {
        const key = parseReasonChoice(input.value, reason.choices);
        if (key !== undefined) return onReason(s, key, p, reason);
      }
      // A tap on an earlier keyboard during a later step: ask the current question again.
      if (s.state !== 'invited') return { session: s, outbound: [asked(s, p, reason)], events: [] };
      const parsed = parseChoice(s.kind, input.value);
      return onScore(s, parsed.ok ? parsed.score : undefined, now, p, reason);
    }
    case 'text': {
      if (s.state === 'awaiting_reason' && reasonAsked(reason, s)) return onReason(s, parseReason(input.text, reason.choices), p, reason);
      if (s.state === 'awaiting_comment') return onComment(s, input.text, now, p);
      const parsed = parseScore(s.kind, input.text);
      return onScore(s, parsed.ok ? parsed.score : undefined, now, p, reason);
    }
  }
}

function onScore(s: DialogSession, score: number | undefined, now: Date, p: PromptSet, reason: ReasonQuestion | undefined): StepResult {
  if (score !== undefined) {
    const scoredSession: DialogSession = { ...s, score, answeredAt: now, reprompts: 0 };
    const why = reasonAsked(reason, scoredSession);
    const next: DialogSession = { ...scoredSession, state: why ? 'awaiting_reason' : 'awaiting_comment' };
    return {
      session: next,
      outbound: [why ? reasonMessage(next, reason, p) : followUpMessage(next, score, p)],
      events: [{ type: 'scored', score, band: bandOf(s.kind, score) }],
    };
  }
  if (s.reprompts === 0) {
    return {
      session: { ...s, reprompts: 1 },
      outbound: [message(p, p.reprompt(s.kind, s.vars), choicesFor(s.kind, p))],
      events: [{ type: 'reprompted' }],
    };
  }
  return {
    session: { ...s, state: 'expired', reprompts: s.reprompts + 1, endedAt: now, abandonedAt: 'score' },
    outbound: [message(p, p.closing(s.kind, s.vars))],
    events: [{ type: 'abandoned', at: 'score', reason: 'unparseable' }],
  };
}

/**
 * An answer to the reason question: the chosen key, or undefined when the reply names no choice. An
 * unreadable one is asked once more; a second goes on to the comment without a reason.
 */
function onReason(s: DialogSession, key: string | undefined, p: PromptSet, reason: ReasonQuestion): StepResult {
  if (key === undefined && s.reprompts === 0) {
    return { session: { ...s, reprompts: 1 }, outbound: [reasonMessage(s, reason, p, true)], events: [{ type: 'reprompted' }] };
  }
  const next: DialogSession = { ...s, state: 'awaiting_comment', reprompts: 0, ...(key !== undefined ? { reason: key } : {}) };
  return { session: next, outbound: [followUpMessage(next, s.score!, p)], events: key !== undefined ? [{ type: 'reasoned', reason: key }] : [] };
}

function onComment(s: DialogSession, text: string, now: Date, p: PromptSet): StepResult {
  const { comment, cut } = commentOf(text);
  if (comment === '' || s.score === undefined) return nothing(s);
  const thanks = thankYou(s, s.score, p);
  return {
    session: { ...s, state: 'completed', comment, completedAt: now },
    // A comment longer than the cap is kept in part, and the customer is told so.
    outbound: [cut ? { ...thanks, text: `${thanks.text}\n${p.commentCut(maxCommentLength)}` } : thanks],
    events: [
      { type: 'commented', comment },
      { type: 'completed', withComment: true },
    ],
  };
}

/**
 * Clients split a long paste into several messages (Telegram at 4,096 characters) sent within a
 * second or two: a text this soon after a long comment that completed the survey is more of it.
 * Only a long one: a client splits nothing shorter, and "5" twice is a comment and a repeat.
 */
export const commentJoinMs = 10_000;
export const commentJoinMinLength = 1_000;

function joinComment(s: DialogSession, text: string, now: Date, p: PromptSet): StepResult {
  if (s.state !== 'completed' || s.comment === undefined || !s.completedAt) return nothing(s);
  if (now.getTime() - s.completedAt.getTime() > commentJoinMs || s.comment.length < commentJoinMinLength) return nothing(s);
  const part = commentOf(text).comment;
  const { comment, cut } = commentOf(`${s.comment}\n${part}`);
  if (part === '' || comment === s.comment) return nothing(s);
  return {
    session: { ...s, comment },
    outbound: cut ? [message(p, p.commentCut(maxCommentLength))] : [],
    events: [{ type: 'comment_joined', comment }],
  };
}

function thankYou(s: DialogSession, score: number, p: PromptSet): Outbound {
  return message(p, p.thankYou(bandOf(s.kind, score), s.vars, s.kind));
}

function onKeyword(s: DialogSession, keyword: Keyword, now: Date, p: PromptSet, reason: ReasonQuestion | undefined): StepResult {
  const current = (): Outbound => asked(s, p, reason);
  switch (keyword) {
    case 'stop': {
      const at = s.score === undefined ? 'score' : 'comment';
      return {
        session: { ...s, state: 'opted_out', endedAt: now, abandonedAt: at },
        outbound: [keywordReply('stop', s.locale, s.vars)],
        events: [{ type: 'opted_out' }, { type: 'abandoned', at, reason: 'opted_out' }],
      };
    }
    case 'help':
      return { session: s, outbound: [message(p, p.help(s.vars)), current()], events: [{ type: 'help' }] };
    case 'start':
      return { session: s, outbound: [keywordReply('start', s.locale, s.vars), current()], events: [] };
    case 'skip':
      // Skipping the reason goes on to the comment.
      if (s.state === 'awaiting_reason' && s.score !== undefined) {
        const next: DialogSession = { ...s, state: 'awaiting_comment', reprompts: 0 };
        return { session: next, outbound: [followUpMessage(next, s.score, p)], events: [] };
      }
      if (s.state === 'awaiting_comment' && s.score !== undefined) {
        return {
          session: { ...s, state: 'completed', completedAt: now },
          outbound: [thankYou(s, s.score, p)],
          events: [{ type: 'completed', withComment: false }],
        };
      }
      // The score question cannot be skipped: ask it again.
      return { session: s, outbound: [questionMessage(s, p)], events: [] };
  }
}

const elapsed = (s: DialogSession, now: Date): number => now.getTime() - s.invitedAt.getTime();

function remind(s: DialogSession, now: Date, policy: DialogPolicy, p: PromptSet): StepResult {
  const due = elapsed(s, now) >= policy.reminderAfterMs && elapsed(s, now) < policy.ttlMs;
  if (s.state !== 'invited' || s.remindedAt || !due) return nothing(s);
  return {
    session: { ...s, remindedAt: now },
    outbound: [{ ...message(p, p.reminder(s.kind, s.vars), choicesFor(s.kind, p)), template: templateUse('reminder', s) }],
    events: [{ type: 'reminded' }],
  };
}

/**
 * A survey that has just asked for its comment waits at least this long for it, even past its
 * time-to-live: a score given seconds before the end is not followed by a question whose answer is
 * ignored. A tenth of the time-to-live when that is shorter (a survey that lives minutes).
 */
export const commentGraceMs = 15 * 60_000;

function expire(s: DialogSession, now: Date, policy: DialogPolicy): StepResult {
  if (elapsed(s, now) < policy.ttlMs) return nothing(s);
  // Scored (waiting for the reason or the comment): the survey counts as completed.
  if (s.state === 'awaiting_comment' || s.state === 'awaiting_reason') {
    const grace = Math.min(commentGraceMs, policy.ttlMs / 10);
    if (s.answeredAt && now.getTime() - s.answeredAt.getTime() < grace) return nothing(s);
    // A score without a comment still counts as a completed survey.
    return {
      session: { ...s, state: 'completed', completedAt: now, abandonedAt: 'comment' },
      outbound: [],
      events: [
        { type: 'completed', withComment: false },
        { type: 'abandoned', at: 'comment', reason: 'expired' },
      ],
    };
  }
  return {
    session: { ...s, state: 'expired', endedAt: now, abandonedAt: 'score' },
    outbound: [],
    events: [{ type: 'expired' }, { type: 'abandoned', at: 'score', reason: 'expired' }],
  };
}
