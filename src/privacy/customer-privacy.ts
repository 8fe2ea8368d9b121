import { z } from 'zod';
import { isOpen } from '../dialogs/index.js';
import { channelFacts } from '../domain/channel-facts.js';
import type { ChannelName } from '../domain/channels.js';
import { NotFoundError } from '../errors.js';
import { erasedAddress, type CustomerRecord, type InvitationRecord, type Store, type SurveyRecord } from '../store/index.js';
import { erasedText, redactor, type Redactor } from './redact.js';

/** A customer id in a route: 24 hexadecimal digits, else a 400. */
export const customerIdParams = z.strictObject({ id: z.string().regex(/^[a-f0-9]{24}$/i, 'a customer id (24 hexadecimal digits)') });

export interface PrivacyDeps {
  store: Store;
  now: () => Date;
  /** End an open survey through the dialog, as a STOP would: its counts stay right and nothing more is sent for it. */
  endSurvey: (surveyId: string) => Promise<void>;
}

type Address = { channel: ChannelName; address: string };

/** One person as stored: their customer records (every linked address), where they are reached, and their surveys. */
interface Person {
  customers: CustomerRecord[];
  /** Live channel addresses: of the customer records, and of their surveys (an opt-out kept after an erasure has only a hash). */
  addresses: Address[];
  surveys: SurveyRecord[];
  invitations: InvitationRecord[];
}

/** What an erasure changed, per collection (documents changed or deleted). */
export interface ErasureReport {
  customerId: string;
  /** The customer and its linked addresses were tombstones already: this run only checked that nothing is left. */
  alreadyErased: boolean;
  customers: number;
  surveys: number;
  webMessages: number;
  inbound: number;
  outbox: number;
  teamsConversations: number;
  invitations: number;
  /** Webhook deliveries about their surveys whose body carried their comment, rewritten without it. */
  webhookDeliveries: number;
  /** Events from other systems about them (purchases, tickets, mentions). */
  events: number;
  /** Owner alerts, digests and staff chat lines that quoted the person, with those quotes replaced. */
  quotesRedacted: number;
  /** Addresses whose opt-out is kept as a one-way hash. */
  optOutsKept: number;
}

const isReal = (address: string) => !address.startsWith('#');

/**
 * A customer's data under the GDPR: everything stored about one person as JSON (access, Art. 15),
 * and its erasure (Art. 17). Business-scoped: a customer of another business is not found. Every
 * query goes through the repositories in `src/store`.
 */
export class CustomerPrivacy {
  constructor(private readonly deps: PrivacyDeps) {}

  private async person(businessId: string, customerId: string): Promise<Person> {
    const { store } = this.deps;
    const customers = await store.customers.person(businessId, customerId);
    if (!customers.length) throw new NotFoundError(`no customer ${customerId}`);
    // A person known only to other systems (channel `external`) is reached nowhere: no address to look for.
    const addresses: Address[] = customers.flatMap((c) => (!c.erasedAt && c.channel !== 'external' && isReal(c.address) ? [{ channel: c.channel, address: c.address }] : []));
    const ids = customers.map((c) => c.id);
    const surveys = await store.surveys.ofPerson(businessId, ids, addresses);
    for (const s of surveys) {
      if (isReal(s.address) && !addresses.some((a) => a.channel === s.channel && a.address === s.address)) addresses.push({ channel: s.channel, address: s.address });
    }
    const usedBy = addresses.map((a) => `${a.channel}:${a.address}`);
    const invitations = await store.invitations.ofPerson(businessId, ids, usedBy, surveys.map((s) => s.id));
    return { customers, addresses, surveys, invitations };
  }

  /** The person's own words and identifiers, to find where others' messages quote them. */
  private quotesOf(p: Person): Redactor {
    return redactor([
      ...p.addresses.map((a) => a.address),
      ...p.customers.map((c) => c.name),
      ...p.surveys.flatMap((s) => [s.comment, s.vars.customerName, s.vars.context, ...s.replies.map((r) => r.text)]),
      ...p.invitations.flatMap((i) => [i.name, i.context]),
    ]);
  }

  /** Addresses on channels whose chats our database keeps (web chat transcripts). */
  private static transcriptAddresses = (p: Person) => p.addresses.filter((a) => channelFacts[a.channel].transcript).map((a) => a.address);
  /** Addresses on channels whose adapter keeps a conversation reference (Teams). */
  private static referenceAddresses = (p: Person) => p.addresses.filter((a) => channelFacts[a.channel].conversationReferences).map((a) => a.address);
  private static messageIds = (p: Person) => p.surveys.flatMap((s) => s.inbound.map((providerMessageId) => ({ channel: s.channel, providerMessageId })));

  /** Everything stored about the person behind `customerId` (and their linked addresses), as JSON. */
  async exportCustomer(businessId: string, customerId: string) {
    const { store, now } = this.deps;
    const p = await this.person(businessId, customerId);
    const quotes = this.quotesOf(p);
    const web = CustomerPrivacy.transcriptAddresses(p);
    const [transcript, inbound, outbox, teams, staff, digests, webhooks, events] = await Promise.all([
      store.webTranscripts.linesOf(businessId, web),
      store.inbound.ofPerson(businessId, web, CustomerPrivacy.messageIds(p)),
      store.outbox.ofPerson(businessId, p.addresses, p.surveys.map((s) => s.id)),
      store.teamsConversations.ofAddresses(businessId, CustomerPrivacy.referenceAddresses(p)),
      store.staff.identitiesAt(businessId, p.addresses),
      quotes.pattern ? store.outbox.matching(businessId, 'digest', quotes.pattern) : [],
      store.webhookDeliveries.ofPerson(businessId, p.surveys.map((s) => s.id), p.customers.map((c) => c.id)),
      store.events.ofCustomers(businessId, p.customers.map((c) => c.id)),
    ]);
    return {
      exportedAt: now(),
      businessId,
      customerId,
      customers: p.customers.map(({ businessId: _b, ...c }) => c),
      surveys: p.surveys.map((s) => ({
        id: s.id,
        customerId: s.customerId,
        channel: s.channel,
        address: s.address,
        kind: s.kind,
        state: s.state,
        locale: s.locale,
        trigger: s.trigger,
        score: s.score ?? null,
        band: s.band ?? null,
        comment: s.comment ?? null,
        customerName: s.vars.customerName ?? null,
        context: s.vars.context ?? null,
        tags: s.tags,
        invitedAt: s.invitedAt,
        remindedAt: s.remindedAt ?? null,
        answeredAt: s.answeredAt ?? null,
        completedAt: s.completedAt ?? null,
        endedAt: s.endedAt ?? null,
        replies: s.replies,
        firstReplyAt: s.firstReplyAt ?? null,
        messageIds: s.inbound,
      })),
      webTranscript: transcript.map(({ id: _id, ...line }) => line),
      inbound,
      outbox: outbox.map((o) => ({
        id: o.id,
        channel: o.channel,
        address: o.address,
        purpose: o.purpose,
        surveyId: o.surveyId ?? null,
        text: o.message.text,
        state: o.state,
        deliveryStatus: o.deliveryStatus ?? null,
        createdAt: o.createdAt ?? null,
      })),
      teamsConversations: teams,
      invitations: p.invitations.map(({ id: _hash, businessId: _b, ...i }) => i),
      digests: digests
        .map((d) => ({ outboxId: d.id, createdAt: d.createdAt ?? null, lines: d.text.split('\n').filter((line) => quotes.quotes(line)) }))
        .filter((d) => d.lines.length),
      staffIdentities: staff,
      webhookDeliveries: webhooks.map(({ id: _id, body, ...d }) => ({ ...d, body: JSON.parse(body) as unknown })),
      events: events.map(({ businessId: _b, ...e }) => e),
    };
  }

  /**
   * Erase the person behind `customerId` and their linked addresses from every collection: surveys
   * are kept anonymised (so counts match; the rollup counters are not touched), the customer records
   * become tombstones, and an opt-out is kept as a one-way hash of the address. Runs again safely:
   * the customer records are erased last, so an erasure cut short is finished by the next call.
   */
  async eraseCustomer(businessId: string, customerId: string): Promise<ErasureReport> {
    const { store, now, endSurvey } = this.deps;
    let p = await this.person(businessId, customerId);
    const open = p.surveys.filter((s) => isOpen(s.state));
    if (open.length) {
      for (const s of open) await endSurvey(s.id);
      p = await this.person(businessId, customerId);
    }
    const live = p.customers.filter((c) => !c.erasedAt);
    const quotes = this.quotesOf(p);
    const web = CustomerPrivacy.transcriptAddresses(p);
    const surveyIds = p.surveys.map((s) => s.id);

    const webMessages = await store.webTranscripts.deleteVisitors(businessId, web);
    const inbound = await store.inbound.deleteOfPerson(businessId, web, CustomerPrivacy.messageIds(p));
    const teamsConversations = await store.teamsConversations.deleteAddresses(businessId, CustomerPrivacy.referenceAddresses(p));
    const outbox = await store.outbox.erase(businessId, p.addresses, surveyIds, erasedText, erasedAddress);
    const quotesRedacted = await this.redactQuotes(businessId, quotes);
    const webhookDeliveries = await this.eraseWebhookComments(businessId, surveyIds);
    const invitations = await store.invitations.erase(businessId, p.invitations.map((i) => i.id));
    const surveys = await store.surveys.anonymise(businessId, surveyIds);
    const events = await store.events.deleteOfCustomers(businessId, p.customers.map((c) => c.id));
    await store.chatWindows.forget(businessId, live);
    let optOutsKept = 0;
    let customers = 0;
    for (const c of live) {
      if (!c.optedOutAt || c.channel === 'external') continue;
      if (isReal(c.address)) {
        await store.customers.keepOptOut({ businessId, channel: c.channel, address: c.address }, c.optedOutAt, c.optOutReason);
        optOutsKept++;
        continue;
      }
      // An opt-out kept from an earlier erasure, surveyed since: it becomes a tombstone like the rest and a
      // fresh opt-out, tied to no survey, is kept for each address it was reached at; reached nowhere, it stays.
      const reached = [...new Set(p.surveys.filter((s) => s.customerId === c.id && isReal(s.address)).map((s) => s.address))];
      if (reached.length) customers += await store.customers.erase(businessId, [c.id], now());
      else customers += await store.customers.strip(businessId, c.id);
      for (const address of reached) await store.customers.keepOptOut({ businessId, channel: c.channel, address }, c.optedOutAt, c.optOutReason);
      optOutsKept += Math.max(1, reached.length);
    }
    const rest = live.filter((c) => !c.optedOutAt || isReal(c.address));
    customers += await store.customers.erase(businessId, rest.map((c) => c.id), now());
    return { customerId, alreadyErased: live.length === 0, customers, surveys, webMessages, inbound, outbox, teamsConversations, invitations, webhookDeliveries, events, quotesRedacted, optOutsKept };
  }

  /**
   * Webhook bodies carry ids, kind, score and band, and the comment (`survey.completed`): the comment
   * becomes null, in a delivery still to go as in the record of one sent. The rest names no one.
   */
  private async eraseWebhookComments(businessId: string, surveyIds: readonly string[]): Promise<number> {
    let rewritten = 0;
    for (const d of await this.deps.store.webhookDeliveries.ofPerson(businessId, surveyIds, [])) {
      const body = JSON.parse(d.body) as { data?: { comment?: unknown } };
      if (body.data?.comment === undefined || body.data.comment === null) continue;
      body.data.comment = null;
      await this.deps.store.webhookDeliveries.setBody(businessId, d.id, JSON.stringify(body));
      rewritten++;
    }
    return rewritten;
  }

  /** Replace the person's words where digests and staff chats (owner alerts, command answers) quote them. */
  private async redactQuotes(businessId: string, quotes: Redactor): Promise<number> {
    const { store } = this.deps;
    if (!quotes.pattern) return 0;
    let redacted = 0;
    for (const item of await store.outbox.matching(businessId, 'digest', quotes.pattern)) {
      const text = quotes.redact(item.text);
      if (text === item.text) continue;
      await store.outbox.setText(item.id, text);
      redacted++;
    }
    for (const line of await store.webTranscripts.matching(businessId, await store.staff.webAddresses(businessId), quotes.pattern)) {
      const text = quotes.redact(line.text);
      if (text === line.text) continue;
      await store.webTranscripts.setText(businessId, line.id, text);
      redacted++;
    }
    return redacted;
  }
}
