import type { Band, SurveyKind } from '../domain/surveys.js';
import type { ChannelName } from '../domain/channels.js';
import type { EventAttribute, EventType, Store, SurveyContext, SurveyRecord, SurveyState } from '../store/index.js';

export interface TimelineSurvey {
  at: Date;
  item: 'survey';
  surveyId: string;
  customerId: string;
  channel: ChannelName;
  kind: SurveyKind;
  state: SurveyState;
  invitedAt: Date;
  score?: number;
  band?: Band;
  comment?: string;
  context?: SurveyContext;
  /** The business's answers (`/reply`) and the customer's answers to them, oldest first. */
  replies: Array<{ text: string; at: Date; from: 'business' | 'customer' }>;
}

export interface TimelineEvent {
  at: Date;
  item: 'event';
  eventId: string;
  customerId: string;
  type: EventType;
  source: string;
  attributes: Record<string, EventAttribute>;
}

export type TimelineEntry = TimelineSurvey | TimelineEvent;

export interface Timeline {
  /** The person's customer records (their addresses on every channel). */
  customerIds: string[];
  entries: TimelineEntry[];
}

/** When a survey happened for the person: when they answered it, else when it was sent. */
const surveyTime = (s: SurveyRecord) => s.answeredAt ?? s.invitedAt;

function surveyEntry(s: SurveyRecord): TimelineSurvey {
  return {
    at: surveyTime(s),
    item: 'survey',
    surveyId: s.id,
    customerId: s.customerId,
    channel: s.channel,
    kind: s.kind,
    state: s.state,
    invitedAt: s.invitedAt,
    ...(s.score !== undefined ? { score: s.score, band: s.band } : {}),
    ...(s.comment !== undefined ? { comment: s.comment } : {}),
    ...(s.context ? { context: s.context } : {}),
    replies: s.replies.map(({ text, at, by }) => ({ text, at, from: by === 'customer' ? ('customer' as const) : ('business' as const) })),
  };
}

/**
 * Surveys and events merged in time order (pure). Ties keep surveys after the events of the same
 * instant, so what happened reads before what the person said about it.
 */
export function mergeTimeline(surveys: readonly SurveyRecord[], events: Parameters<typeof eventEntry>[0][]): TimelineEntry[] {
  const entries: TimelineEntry[] = [...events.map(eventEntry), ...surveys.map(surveyEntry)];
  const rank = (e: TimelineEntry) => (e.item === 'event' ? 0 : 1);
  const id = (e: TimelineEntry) => (e.item === 'event' ? e.eventId : e.surveyId);
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || rank(a) - rank(b) || id(a).localeCompare(id(b)));
}

function eventEntry(e: { id: string; customerId: string; type: EventType; at: Date; source: string; attributes: Record<string, EventAttribute> }): TimelineEvent {
  return { at: e.at, item: 'event', eventId: e.id, customerId: e.customerId, type: e.type, source: e.source, attributes: e.attributes };
}

/**
 * One person's timeline: every survey (score, band, comment, the business's replies) and every event
 * of the customer and of their linked addresses (`personId`), in time order. Undefined when the
 * business has no such customer. Three lean, business-scoped queries.
 */
export async function customerTimeline(store: Store, businessId: string, customerId: string): Promise<Timeline | undefined> {
  const linked = await store.customers.linked(businessId, customerId);
  if (!linked.length) return undefined;
  const ids = linked.map((c) => c.id);
  const [surveys, events] = await Promise.all([store.surveys.ofCustomers(businessId, ids), store.events.ofCustomers(businessId, ids)]);
  return { customerIds: ids, entries: mergeTimeline(surveys, events) };
}
