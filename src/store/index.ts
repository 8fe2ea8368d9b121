import type { Connection } from 'mongoose';
import { AnswerLimitRepository } from './answer-limits.js';
import { ApiKeyRepository } from './api-keys.js';
import { BusinessRepository } from './businesses.js';
import { CustomerRepository } from './customers.js';
import { DashboardAccessRepository } from './dashboard-access.js';
import { DigestRepository } from './digests.js';
import { EventRepository } from './events.js';
import { ferretDbGuard } from './ferretdb-guard.js';
import { indexBuild } from './index-build.js';
import { InboundRepository } from './inbound.js';
import { ChatWindowRepository } from './chat-windows.js';
import { InvitationRepository } from './invitations.js';
import { MediaRepository } from './media.js';
import { OutboxRepository } from './outbox.js';
import { RollupRepository } from './rollups.js';
import { SendSlotRepository } from './send-slots.js';
import { StaffRepository } from './staff.js';
import { SurveyImportRepository } from './survey-imports.js';
import { SurveyLinkRepository } from './survey-links.js';
import { SurveySegmentReads } from './survey-segments.js';
import { SurveyRepository } from './surveys.js';
import { SurveyThreadRepository } from './survey-threads.js';
import { TeamsConversationRepository } from './teams-conversations.js';
import { WeekAnalysisRepository } from './week-analyses.js';
import { WebSessionRepository } from './web-sessions.js';
import { WebTranscriptRepository } from './web-transcripts.js';
import { WordingRepository } from './wordings.js';
import { WebhookDeliveryRepository, WebhookSubscriptionRepository } from './webhooks.js';
import { detectServer, mongoGuard, type WriteGuard } from './write-guard.js';

export type { ApiKeyRecord, ApiScope, KeyScope } from './api-keys.js';
export { apiScopes, deployment, operatorScope } from './api-keys.js';
export type { BusinessSettings, BusinessStamp } from './businesses.js';
export type { CustomerChannel, CustomerRecord, CustomerKey } from './customers.js';
export type { DashboardSession } from './dashboard-access.js';
export type { DigestItem, DigestRecord } from './digests.js';
export type { EventAttribute, EventRecord, EventType, NewEvent } from './events.js';
export { eventTypes } from './events.js';
export type { InvitationRecord } from './invitations.js';
export type { IndexBuild, IndexBuildState } from './index-build.js';
export type { MessageId } from './inbound.js';
export type { DeliveryStatus, NewOutboxItem, OutboxItem, OutboxPurpose } from './outbox.js';
export { outboxIdOf, replyKey, unconfirmedReplyKey } from './outbox.js';
export type { RollupMetric, RollupRow } from './rollups.js';
export type { Identity, OwnerIdentity, StaffChange, StaffListing, StaffMember, StaffRole } from './staff.js';
export { erasedAddress } from './survey-records.js';
export { mediaPath } from './media.js';
export { identityOf, identityOfSurvey } from './rollups.js';
export type { AlertEvent, NewSurvey, OwedEffect, ScoredSurvey, SurveyContext, SurveyDialogFields, SurveyFilter, SurveyFilters, SurveyRecord, SurveyState, SurveyThread, SurveyTrigger } from './survey-records.js';
export { importMetrics, importedSurveyId, type ImportedSurvey } from './survey-imports.js';
export type { SegmentAnswer } from './survey-segments.js';
export type { NewSurveyLink, SurveyLinkContext, SurveyLinkRecord } from './survey-links.js';
export type { TranscriptLine } from './web-transcripts.js';
export type { WebSession, WebSessionContext } from './web-sessions.js';
export type { CountKey } from './answer-limits.js';
export type { WordingEntry } from './wordings.js';
export type { SurveyWebhookEvent, WebhookAttempt, WebhookDelivery, WebhookDeliveryState, WebhookEventType, WebhookSubscription } from './webhooks.js';
export { deliveryIdOf, webhookEventTypes } from './webhooks.js';

/**
 * Every repository on one connection: the only code that touches mongoose models. Which server is
 * behind the connection decides the write guard (MongoDB semantics, or the FerretDB compensation).
 */
export async function createStore(conn: Connection, now: () => Date, options: { indexesInBackground?: boolean; liveAnalysisAnswers?: number | undefined } = {}) {
  const server = await detectServer(conn);
  const ferret = server === 'ferretdb' ? ferretDbGuard(conn, now) : undefined;
  const guard: WriteGuard = ferret ?? mongoGuard(conn);
  const surveyModel = SurveyRepository.model(conn);
  const weekAnalyses = new WeekAnalysisRepository(WeekAnalysisRepository.model(conn), options.liveAnalysisAnswers);
  const store = {
    server,
    guard,
    businesses: new BusinessRepository(BusinessRepository.model(conn)),
    customers: new CustomerRepository(CustomerRepository.model(conn), weekAnalyses),
    surveys: new SurveyRepository(SurveyRepository.model(conn), guard, weekAnalyses),
    threads: new SurveyThreadRepository(SurveyRepository.model(conn), guard),
    surveyImports: new SurveyImportRepository(surveyModel as never, weekAnalyses),
    surveySegments: new SurveySegmentReads(surveyModel as never),
    inbound: new InboundRepository(InboundRepository.model(conn)),
    chatWindows: new ChatWindowRepository(ChatWindowRepository.model(conn)),
    outbox: new OutboxRepository(OutboxRepository.model(conn), guard),
    rollups: new RollupRepository(RollupRepository.model(conn), guard, SurveyRepository.model(conn)),
    staff: new StaffRepository(conn, guard),
    digests: new DigestRepository(DigestRepository.model(conn), guard),
    events: new EventRepository(EventRepository.model(conn), weekAnalyses),
    weekAnalyses,
    invitations: new InvitationRepository(InvitationRepository.model(conn), guard),
    webTranscripts: new WebTranscriptRepository(WebTranscriptRepository.model(conn)),
    webSessions: new WebSessionRepository(WebSessionRepository.model(conn)),
    answerLimits: new AnswerLimitRepository(AnswerLimitRepository.model(conn)),
    teamsConversations: new TeamsConversationRepository(TeamsConversationRepository.model(conn)),
    dashboardAccess: new DashboardAccessRepository(conn, guard),
    apiKeys: new ApiKeyRepository(ApiKeyRepository.model(conn)),
    webhookSubscriptions: new WebhookSubscriptionRepository(WebhookSubscriptionRepository.model(conn)),
    webhookDeliveries: new WebhookDeliveryRepository(WebhookDeliveryRepository.model(conn), guard),
    sendSlots: new SendSlotRepository(SendSlotRepository.model(conn, guard.server)),
    wordings: new WordingRepository(WordingRepository.model(conn)),
    surveyLinks: new SurveyLinkRepository(SurveyLinkRepository.model(conn)),
    media: new MediaRepository(MediaRepository.model(conn, guard.server)),
  };
  // Data from before several businesses: it belonged to the first one.
  // The digest's comments by score: their index now ends in `_id`, and the one before it goes.
  await Promise.all([store.inbound.dropSharedIndex(), store.teamsConversations.migrate('default'), store.webTranscripts.migrate('default'), store.surveys.dropReplacedIndex()]);
  // Counters of the previous version: the scored count was named `started`.
  await store.rollups.migrate();
  await ferret?.init();
  // The declared indexes (unique ones carry the idempotency guarantees), after the migrations. The
  // server starts them once it is ready (it listens meanwhile, not ready until they exist); tools wait.
  const indexes = indexBuild(conn);
  if (!options.indexesInBackground) {
    await indexes.start();
    if (indexes.state === 'failed') throw new Error(`database indexes: ${indexes.reason}`);
  }
  return { ...store, indexes };
}

export type Store = Awaited<ReturnType<typeof createStore>>;

/**
 * What no TTL index removes (FerretDB has none): providers retry a message for a day at most (and
 * Telegram may reuse update ids after a quiet week); an invitation is kept a month past its expiry
 * as the record of who used it; a finished webhook delivery a month; the write guard's own leftovers;
 * web chats opened and never answered, the web answer counts of past days, and expired pictures.
 */
export async function housekeeping(store: Store, now: Date): Promise<void> {
  const ago = (days: number) => new Date(now.getTime() - days * 86_400_000);
  await store.inbound.deleteOlderThan(ago(3));
  await store.invitations.deleteExpiredBefore(ago(30));
  await store.dashboardAccess.deleteExpiredBefore(ago(1));
  await store.webhookDeliveries.deleteFinishedBefore(ago(30));
  await store.sendSlots.deleteBefore(ago(1));
  await store.webSessions.deleteExpiredBefore(now);
  await store.answerLimits.deleteExpiredBefore(now);
  await store.chatWindows.deleteBefore(ago(2));
  await store.media.deleteExpired(now);
  await store.guard.housekeeping(now);
}
