import type { DialogEvent } from '../dialogs/types.js';
import type { AlertEvent, SurveyRecord, WebhookEventType } from '../store/index.js';

/**
 * One outbound webhook event. `id` is named by what caused it (`survey.scored:<surveyId>`), so the
 * same cause always gives the same id and a receiver can drop a repeat; `createdAt` is when the
 * cause happened, so a repeat carries the same body too.
 */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  createdAt: Date;
  data: Record<string, string | number | null>;
}

/** The webhook events a dialog step owes (`alerts`: the owner alerts the same step owes). */
export function webhooksOwed(events: readonly DialogEvent[], alerts: readonly AlertEvent[]): WebhookEventType[] {
  const owed: WebhookEventType[] = [];
  for (const e of events) {
    if (e.type === 'scored') owed.push('survey.scored');
    if (e.type === 'completed') owed.push('survey.completed');
    if (e.type === 'expired' || (e.type === 'abandoned' && e.reason === 'unparseable')) owed.push('survey.expired');
    if (e.type === 'opted_out') owed.push('customer.opted_out');
  }
  // Raised where the owner's detractor alert is: on the detractor score.
  if (alerts.includes('scored')) owed.push('detractor.alert');
  return owed;
}

/**
 * The event a survey owes, as little personal data as serves: ids, kind, channel name, score and
 * band; the comment only in `survey.completed`. No name, address, context or tags.
 */
export function surveyEvent(survey: SurveyRecord, type: WebhookEventType): WebhookEvent {
  const base = { surveyId: survey.id, customerId: survey.customerId, kind: survey.kind, channel: survey.channel };
  const scored = { score: survey.score ?? null, band: survey.band ?? null };
  const at = (d: Date | undefined) => d ?? survey.endedAt ?? survey.invitedAt;
  switch (type) {
    case 'survey.scored':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.answeredAt), data: { ...base, ...scored } };
    case 'survey.completed':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.completedAt), data: { ...base, ...scored, comment: survey.comment ?? null } };
    case 'survey.expired':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.endedAt), data: { ...base, reason: survey.reprompts > 1 ? 'unreadable_answers' : 'no_answer' } };
    case 'customer.opted_out':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.endedAt), data: base };
    case 'detractor.alert':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.answeredAt), data: { ...base, ...scored } };
  }
}
