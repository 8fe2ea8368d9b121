import type { FastifyBaseLogger } from 'fastify';
import type { ChannelDeps, ChannelName, Inbound, Outbound } from '../../../src/channels/channel.js';
import { keywordReply, startDialog, step, type DialogSession, type SurveyKind } from '../../../src/dialogs/index.js';

const policy = { reminderAfterMs: 86_400_000, ttlMs: 3 * 86_400_000 };

/**
 * ChannelDeps for adapter tests: the real (pure) dialog, sessions in a Map, dedupe by message id.
 * It stands in for the survey service, not for the database.
 */
export function inMemoryDeps(log: FastifyBaseLogger) {
  const sessions = new Map<string, DialogSession>();
  const seen = new Set<string>();
  const inbound: Inbound[] = [];
  const optOuts: Array<{ channel: ChannelName; address: string; reason: string }> = [];
  let failWith: Error | undefined;

  const deps: ChannelDeps = {
    log,
    now: () => new Date(),
    async startWebSurvey() {
      return { status: 'sent' };
    },
    async webQuestion() {
      return [];
    },
    async identifyWebVisitor() {
      return { status: 'identified' as const };
    },
    async handleInbound(message) {
      if (failWith) throw failWith;
      inbound.push(message);
      const key = `${message.channel}:${message.providerMessageId}`;
      if (seen.has(key)) return { duplicate: true, replies: [] };
      seen.add(key);
      const session = sessions.get(message.address);
      if (!session) return { duplicate: false, replies: [keywordReply('help', 'en', { business: 'Acme' })] };
      const input = message.choice !== undefined ? { type: 'choice' as const, value: message.choice } : { type: 'text' as const, text: message.text ?? '' };
      const result = step(session, input, message.receivedAt, policy);
      sessions.set(message.address, result.session);
      // Like the product: a tap counts when it scored; otherwise it changes and sends nothing.
      if (input.type === 'choice') {
        const scored = result.events.some((e) => e.type === 'scored');
        return scored ? { duplicate: false, replies: result.outbound, tap: { outcome: 'accepted' as const } } : { duplicate: false, replies: [], tap: { outcome: 'answered' as const, notice: 'You already answered this question.' } };
      }
      return { duplicate: false, replies: result.outbound };
    },
    async recordDelivery() {},
    async recordOptOut(channel, address, reason) {
      optOuts.push({ channel, address, reason });
    },
    async recordOptIn() {},
    async queueReplies() {
      throw new Error('this harness has no outbox: only the WhatsApp webhook queues replies');
    },
  };

  return {
    deps,
    inbound,
    optOuts,
    session: (address: string) => sessions.get(address),
    /** Open a survey for `address`; returns the invitation to send. */
    invite(address: string, kind: SurveyKind, surveyId = '65f0c0ffee0000000000abcd'): Outbound {
      const result = startDialog({ kind, locale: 'en', vars: { business: 'Acme' }, now: new Date() });
      sessions.set(address, result.session);
      return { ...result.outbound[0]!, surveyId };
    },
    failInbound(err: Error | undefined) {
      failWith = err;
    },
  };
}
