import type { DialogEvent } from '../dialogs/types.js';
import type { AlertEvent, SurveyRecord, SurveyWebhookEvent, WebhookEventType } from '../store/index.js';
import type { ChannelName } from '../domain/channels.js';

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

/**
 * The webhook events a dialog step owes (`alerts`: the owner alerts the same step owes). An opt-out
 * is not among them: the customer's opt-out write owes `customer.opted_out`, survey or none.
 */
export function webhooksOwed(events: readonly DialogEvent[], alerts: readonly AlertEvent[]): SurveyWebhookEvent[] {
  const owed: SurveyWebhookEvent[] = [];
  for (const e of events) {
    if (e.type === 'scored') owed.push('survey.scored');
    if (e.type === 'completed') owed.push('survey.completed');
    if (e.type === 'expired' || (e.type === 'abandoned' && e.reason === 'unparseable')) owed.push('survey.expired');
  }
  // Raised where the owner's detractor alert is: on the detractor score.
  if (alerts.includes('scored')) owed.push('detractor.alert');
  return owed;
}

/**
 * The event a survey owes, as little personal data as serves: ids, kind, channel name, score and
 * band; the comment and the chosen reason's key only in `survey.completed`. No name, address, context or tags.
 */
export function surveyEvent(survey: SurveyRecord, type: SurveyWebhookEvent): WebhookEvent {
  const base = { surveyId: survey.id, customerId: survey.customerId, kind: survey.kind, channel: survey.channel };
  const scored = { score: survey.score ?? null, band: survey.band ?? null };
  const at = (d: Date | undefined) => d ?? survey.endedAt ?? survey.invitedAt;
  switch (type) {
    case 'survey.scored':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.answeredAt), data: { ...base, ...scored } };
    case 'survey.completed':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.completedAt), data: { ...base, ...scored, reason: survey.reason ?? null, comment: survey.comment ?? null } };
    case 'survey.expired':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.endedAt), data: { ...base, reason: survey.reprompts > 1 ? 'unreadable_answers' : 'no_answer' } };
    case 'detractor.alert':
      return { id: `${type}:${survey.id}`, type, createdAt: at(survey.answeredAt), data: { ...base, ...scored } };
  }
}

/**
 * A customer's opt-out, named by the customer and the moment it was recorded (a person may opt out,
 * back in, and out again). `source`: `customer` when they sent STOP, else `provider` (a carrier
 * opt-out, a blocked bot, an uninstalled app).
 */
export function optOutEvent(customer: { id: string; channel: ChannelName; optOutReason?: string }, at: Date): WebhookEvent {
  return {
    id: `customer.opted_out:${customer.id}:${at.getTime()}`,
    type: 'customer.opted_out',
    createdAt: at,
    data: { customerId: customer.id, channel: customer.channel, source: customer.optOutReason === 'replied STOP' ? 'customer' : 'provider' },
  };
}
