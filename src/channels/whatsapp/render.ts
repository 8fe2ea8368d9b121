import { channelFacts } from '../../domain/channel-facts.js';
import type { Choice, Outbound } from '../channel.js';

/**
 * How a message looks on WhatsApp, within its limits (the channel facts' row): up to three choices
 * as quick-reply buttons, up to ten as a list picker, more as text alone (the text already says
 * what to type). So CSAT (5) and CES (7) are lists and NPS (11) is typed: a list of ten would drop
 * a score, and two messages for one question would be two answers to keep apart. A question for a
 * comment gets one quick reply, its Skip. Interactive messages go only inside the 24-hour window.
 */
export type Rendering =
  | { type: 'text'; body: string }
  | { type: 'quick-reply'; body: string; actions: Array<{ id: string; title: string }> }
  | { type: 'list-picker'; body: string; button: string; items: Array<{ id: string; item: string }> };

const { buttons, listRows } = channelFacts.whatsapp;
/** WhatsApp's bounds on a quick reply's title, a list row's title and the list's button. */
const titleMax = 20;
const rowMax = 24;

/** What a tap sends back: `s:<survey>:<value>`, `c:<value>` without a survey, `k:skip` for the comment's Skip. */
export const skipPayload = 'k:skip';
const payloadPrefix = (message: Outbound) => (message.surveyId ? `s:${message.surveyId}:` : 'c:');

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function renderWhatsapp(message: Outbound): Rendering {
  const choices: Choice[] = message.choices ?? [];
  const prefix = payloadPrefix(message);
  if (choices.length > 0 && choices.length <= buttons) {
    return { type: 'quick-reply', body: message.text, actions: choices.map((c) => ({ id: prefix + c.value, title: cut(c.label, titleMax) })) };
  }
  if (choices.length > buttons && choices.length <= listRows) {
    // The list's button names the range (۱ – ۵ in Urdu), in no language of its own.
    const button = cut(`${choices[0]!.label} – ${choices[choices.length - 1]!.label}`, titleMax);
    return { type: 'list-picker', body: message.text, button, items: choices.map((c) => ({ id: prefix + c.value, item: cut(c.label, rowMax) })) };
  }
  if (choices.length === 0 && message.comment) {
    return { type: 'quick-reply', body: message.text, actions: [{ id: skipPayload, title: cut(message.comment.skip, titleMax) }] };
  }
  return { type: 'text', body: message.text };
}

/** A tap's payload (ButtonPayload, ListId) as what the customer chose; undefined when it is none of ours. */
export function tapOf(payload: string): { choice: string; choiceSurveyId?: string } | { text: string } | undefined {
  if (payload === skipPayload) return { text: 'skip' };
  // A score (`7`) or another choice of a survey's question (`reason:delivery`), as Telegram's buttons carry them.
  const survey = /^s:([0-9a-f]{24}):(-?\d{1,3}|reason:[a-z0-9_-]{1,24})$/.exec(payload);
  if (survey) return { choice: survey[2]!, choiceSurveyId: survey[1]! };
  const plain = /^c:(-?\d{1,3}|reason:[a-z0-9_-]{1,24})$/.exec(payload);
  if (plain) return { choice: plain[1]! };
  // A button that stands for words (an owner's "Reply" is `/reply <survey>`) says them.
  return payload.startsWith('c:') && payload.length > 2 ? { text: payload.slice(2) } : undefined;
}

/**
 * The Content API's shape of a rendering, with its variables: one content per shape (type, labels),
 * whatever the question's words and survey: `{{1}}` is the text, `{{2}}` the payloads' prefix.
 */
export function contentOf(rendering: Exclude<Rendering, { type: 'text' }>, surveyPrefix: string): { key: string; types: Record<string, unknown>; variables: Record<string, string> } {
  const variables = { '1': rendering.body, '2': surveyPrefix };
  const id = (full: string) => (full.startsWith(surveyPrefix) ? `{{2}}${full.slice(surveyPrefix.length)}` : full);
  const types =
    rendering.type === 'quick-reply'
      ? { 'twilio/quick-reply': { body: '{{1}}', actions: rendering.actions.map((a) => ({ type: 'QUICK_REPLY', id: id(a.id), title: a.title })) } }
      : { 'twilio/list-picker': { body: '{{1}}', button: rendering.button, items: rendering.items.map((i) => ({ id: id(i.id), item: i.item })) } };
  return { key: JSON.stringify(types), types, variables };
}

export { payloadPrefix };
