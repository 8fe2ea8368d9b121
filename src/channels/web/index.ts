import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { channelFacts } from '../../domain/channel-facts.js';
import { screenWords } from '../../content/screen-words.js';
import { surveyKinds, type Locale } from '../../domain/surveys.js';
import { cleanText, freeText } from '../../domain/text.js';
import { describeIssues } from '../../errors.js';
import type { TranscriptLine, WebSession } from '../../store/index.js';
import { receivers, type Channel, type ChannelDeps, type ChannelRoutes, type Outbound } from '../channel.js';
import { chatPage } from './page.js';
import { AnswerLimit, digestOf, VisitorLimit, type AnswerCounts } from './visitor-limit.js';
import { allowedOrigin, widgetRoutes } from './widget.js';
import { localeSchema } from '../../dialogs/languages.js';

/** Where the web chat keeps its conversation: the page shows and polls it. */
export interface Transcripts {
  append(visitorId: string, lines: readonly TranscriptLine[], at: Date): Promise<string[]>;
  list(visitorId: string): Promise<Array<TranscriptLine & { id: string }>>;
}

/** Chats opened and not answered yet (src/store/web-sessions.ts), for one business. */
export interface WebSessions {
  open(session: Omit<WebSession, 'startedAt'>, expiresAt: Date): Promise<void>;
  get(visitorId: string): Promise<WebSession | undefined>;
  claim(visitorId: string, at: Date): Promise<boolean>;
  steal(visitorId: string, staleBefore: Date, at: Date): Promise<boolean>;
  ready(visitorId: string, at: Date): Promise<void>;
  unclaim(visitorId: string): Promise<void>;
}

/** How long an opened chat waits for its first answer before it is forgotten. */
const sessionTtlMs = 86_400_000;
const maxText = channelFacts.web.maxTextLength;
const visitorId = z.string().regex(/^v_[a-f0-9]{32}$/, 'an id from POST /chat/api/visitors');
const newVisitorBody = z.object({
  kind: z.enum(surveyKinds).default('nps'),
  locale: localeSchema.optional(),
  name: freeText(60).optional(),
  /** The id the page keeps for this browser (its own storage, no cookie): answers are limited per device. */
  device: z.string().regex(/^d_[a-f0-9]{32}$/, 'a device id such as d_ and 32 hex digits').optional(),
  entry: z.enum(['web', 'widget']).default('web'),
  /** The survey link's code, when the page was opened at `/s/<code>`: the link's kind, language and context apply. */
  link: z.string().regex(/^[0-9A-Za-z]{1,40}$/, 'a survey link code').optional(),
  context: z.strictObject({ order: freeText(100).optional(), customer: freeText(100).optional() }).optional(),
});
const contactBody = z.object({ contact: z.string().trim().min(3, 'a phone number or e-mail address').max(200, 'at most 200 characters') });
// Each refusal is a plain sentence: the chat page shows it to the visitor as it is.
const messageBody = z
  .object({
    messageId: z.string('The message has no id.').trim().min(1, 'The message has no id.').max(100, 'The message id is longer than 100 characters.'),
    // Far above the comment cap (which the dialog applies and tells the visitor about); past it, a 400.
    text: z.string('The message is not text.').max(maxText).optional(), // its refusal is the catalog's screen.chat.tooLong
    choice: z.string('That is not one of the choices.').max(40, 'That is not one of the choices.').optional(),
  }, 'The message could not be read.')
  .refine((b) => b.text !== undefined || b.choice !== undefined, { message: 'Write a message or choose an answer.' });

function parse<T>(schema: z.ZodType<T>, value: unknown): { ok: true; data: T } | { ok: false; message: string } {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, message: describeIssues(r.error, 'body').join('; ') };
}

const line = (from: TranscriptLine['from'], m: Outbound | { text: string }): TranscriptLine => ({
  from,
  text: m.text,
  ...('choices' in m && m.choices ? { choices: m.choices } : {}),
  ...('dir' in m && m.dir ? { dir: m.dir } : {}),
});

const shown = ({ text, choices, dir }: Outbound) => ({ text, choices, dir });

/** What the web chat's routes need of one business's web chat. */
export interface WebReceiver {
  businessId: string;
  transcripts: Transcripts;
  sessions: WebSessions;
  limit: VisitorLimit;
  answers: AnswerLimit;
  /** Chats this process saw started (their session need not be read again). */
  started: Set<string>;
  visitorsPerHour: number;
  /** Websites that may show the business's widget. */
  widgetOrigins: readonly string[];
  /** The business's language: the chat page's words when no survey language is asked for. */
  locale: Locale;
  now: () => Date;
  deps: ChannelDeps;
}

const webReceivers = receivers<WebReceiver>();

export interface WebChannelOptions {
  businessId: string;
  timeZone: string;
  transcripts: Transcripts;
  sessions: WebSessions;
  counts: AnswerCounts;
  now: () => Date;
  visitorsPerHour: number;
  answersPerDevice: number;
  answersPerNetwork: number;
  widgetOrigins: readonly string[];
  /** The business's language (its pages' words). */
  locale: Locale;
  product?: ChannelDeps;
}

/** A business's web chat: what it sends goes to the visitor's transcript, which the page polls. */
export function createWebChannel(o: WebChannelOptions): Channel {
  const channel: Channel = {
    name: 'web',
    local: true,
    async send(to, message) {
      const [id] = await o.transcripts.append(to, [line('bot', message)], o.now());
      return { status: 'sent', ...(id ? { providerMessageId: id } : {}) };
    },
  };
  if (o.product) {
    const answers = new AnswerLimit(o.counts, { id: o.businessId, timeZone: o.timeZone }, o.answersPerDevice, o.answersPerNetwork);
    const { businessId, transcripts, sessions, visitorsPerHour, widgetOrigins, locale, now } = o;
    webReceivers.add(channel, { businessId, transcripts, sessions, limit: new VisitorLimit(visitorsPerHour), answers, started: new Set(), visitorsPerHour, widgetOrigins, locale, now, deps: o.product });
  }
  return channel;
}

/** A browser's request from a page that is neither ours nor one of the business's websites: 403. */
function foreign(request: FastifyRequest, reply: FastifyReply, receiver: WebReceiver): FastifyReply | undefined {
  const origin = request.headers.origin;
  if (origin === undefined || allowedOrigin(request, origin, receiver.widgetOrigins)) return undefined;
  return reply.code(403).send({ error: 'forbidden', message: screenWords(receiver.locale).text('chat.notShown.text') });
}

/** The polite refusal of an answer past the day's limit, in the chat's language (the page shows it as the bot's answer). */
const refusal = (by: 'device' | 'network', locale: Locale) => screenWords(locale).text(`chat.limit.${by}`);

/** Chats remembered as started, oldest dropped first: memory stays bounded. */
const rememberedChats = 10_000;
const remember = (set: Set<string>, id: string) => {
  set.add(id);
  if (set.size > rememberedChats) set.delete(set.values().next().value!);
};

/** A claim older than this whose survey never appeared is taken over (its holder died in between; a live one takes well under a second). */
const staleClaimMs = 5_000;
/** How long an answer waits for another request that is starting the same chat's survey. */
const waitForStartMs = 10_000;

/**
 * The first answer of an opened chat starts its survey (a page view starts none): whichever request
 * claims the session takes the day's limits and starts it; answers arriving meanwhile wait until the
 * survey exists, so none is taken for a stranger's message and lost. `busy`: it did not appear in time
 * (the request answers 503 and nothing was recorded, so the page's retry is handled).
 */
async function startOnFirstAnswer(r: WebReceiver, id: string, network: string): Promise<{ refused?: 'device' | 'network'; locale?: Locale; busy?: true }> {
  // A chat this process saw started needs no read of its session again (every later message of it).
  if (r.started.has(id)) return {};
  const until = Date.now() + waitForStartMs;
  for (let wait = 10; Date.now() < until; wait = Math.min(wait * 2, 200)) {
    const session = await r.sessions.get(id);
    if (!session) return {}; // a chat opened before sessions existed: its survey was started then
    if (session.readyAt) {
      remember(r.started, id);
      return {};
    }
    const now = r.now();
    if (!session.startedAt && (await r.sessions.claim(id, now))) return startClaimed(r, session, network, true);
    if (session.startedAt && session.startedAt.getTime() < now.getTime() - staleClaimMs && (await r.sessions.steal(id, new Date(now.getTime() - staleClaimMs), now))) {
      return startClaimed(r, session, network, false);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  return { busy: true };
}

/** Start the survey of a session this request claimed: the day's limits first (unless a died claim already took them). */
async function startClaimed(r: WebReceiver, session: WebSession, network: string, takeLimit: boolean): Promise<{ refused?: 'device' | 'network'; locale?: Locale }> {
  const id = session.visitorId;
  try {
    if (takeLimit) {
      const allowed = await r.answers.take({ entry: session.entry, ...(session.device ? { device: session.device } : {}), network, at: r.now() });
      if (!allowed.ok) {
        await r.sessions.unclaim(id);
        return { refused: allowed.by, ...(session.locale ? { locale: session.locale } : {}) };
      }
    }
    const { kind, locale, name, context } = session;
    await r.deps.startWebSurvey({ address: id, kind, entry: session.entry, ...(locale ? { locale } : {}), ...(name ? { name } : {}), ...(context ? { context } : {}) });
    await r.sessions.ready(id, r.now());
    remember(r.started, id);
    return {};
  } catch (err) {
    await r.sessions.unclaim(id).catch(() => {});
    throw err;
  }
}

/** A chat page at /chat (under each business's path) so anyone can try a survey with no provider account. */
export const webRoutes: ChannelRoutes = {
  name: 'web',
  register(app, channelOf) {
    const receiverOf = (request: Parameters<typeof channelOf>[0]) => webReceivers.of(channelOf, request);

    app.get('/chat', async (request, reply) => {
      const { locale } = await receiverOf(request);
      return reply.type('text/html; charset=utf-8').send(chatPage({ locale }));
    });
    widgetRoutes(app, receiverOf);

    // Opens a chat: stores its session and shows the first question; no customer and no survey yet.
    app.post('/chat/api/visitors', async (request, reply) => {
      const receiver = await receiverOf(request);
      const { limit, now, visitorsPerHour, deps, sessions, businessId } = receiver;
      const body = parse(newVisitorBody, request.body ?? {});
      if (!body.ok) return reply.code(400).send({ error: 'bad_request', message: body.message });
      const refused = foreign(request, reply, receiver);
      if (refused) return refused;
      const allowed = limit.take(request.ip, now());
      if (!allowed.ok) {
        const minutes = Math.ceil(allowed.retryAfterSeconds / 60);
        const message = `at most ${visitorsPerHour} new chats an hour from one network address; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
        return reply.code(429).header('retry-after', String(allowed.retryAfterSeconds)).send({ error: 'too_many_requests', message });
      }
      const { kind, locale, name, device, link, context } = body.data;
      // A survey link's answers are limited, and counted, as the link's own entry point.
      const entry = link ? `link:${link}` : body.data.entry;
      const id = `v_${randomBytes(16).toString('hex')}`;
      const at = now();
      const about = context && (context.order || context.customer) ? context : undefined;
      // The question first: a paused, ended or unknown link is refused (410, 404) before anything is stored.
      const question = await deps.webQuestion({ kind, entry, ...(locale ? { locale } : {}), ...(about ? { context: about } : {}) });
      await sessions.open({ visitorId: id, kind, entry, openedAt: at, ...(locale ? { locale } : {}), ...(name ? { name } : {}), ...(about ? { context: about } : {}), ...(device ? { device: digestOf(businessId, device) } : {}) }, new Date(at.getTime() + sessionTtlMs));
      return reply.code(201).send({ visitorId: id, status: 'opened', question: question.map(shown) });
    });

    // The optional last step: a phone number or e-mail, so the business can answer the visitor.
    app.post('/chat/api/visitors/:id/contact', async (request, reply) => {
      const receiver = await receiverOf(request);
      const id = parse(visitorId, (request.params as { id: string }).id);
      if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
      const body = parse(contactBody, request.body ?? {});
      if (!body.ok) return reply.code(400).send({ error: 'bad_request', message: body.message });
      const refused = foreign(request, reply, receiver);
      if (refused) return refused;
      return receiver.deps.identifyWebVisitor({ channel: 'web', address: id.data, contact: body.data.contact });
    });

    app.get('/chat/api/visitors/:id/messages', async (request, reply) => {
      const { transcripts } = await receiverOf(request);
      const id = parse(visitorId, (request.params as { id: string }).id);
      if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
      return { messages: await transcripts.list(id.data) };
    });

    app.post('/chat/api/visitors/:id/messages', async (request, reply) => {
      const receiver = await receiverOf(request);
      const { transcripts, now, deps } = receiver;
      const id = parse(visitorId, (request.params as { id: string }).id);
      if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
      const body = messageBody.safeParse(request.body ?? {});
      if (!body.success) {
        // The reason a visitor most often meets (a long paste) in the chat's language.
        const tooLong = screenWords(receiver.locale).text('chat.tooLong', { limit: maxText });
        const reasons = body.error.issues.map((i) => (i.code === 'too_big' && i.path[0] === 'text' ? tooLong : i.message));
        return reply.code(400).send({ error: 'bad_request', message: [...new Set(reasons)].join(' ') });
      }
      const refused = foreign(request, reply, receiver);
      if (refused) return refused;
      const started = await startOnFirstAnswer(receiver, id.data, request.ip);
      if (started.refused) return reply.code(429).send({ error: 'too_many_requests', message: refusal(started.refused, started.locale ?? receiver.locale) });
      if (started.busy) return reply.code(503).header('retry-after', '1').send({ error: 'unavailable', message: screenWords(receiver.locale).text('chat.starting') });
      const result = await deps.handleInbound({
        channel: 'web',
        address: id.data,
        providerMessageId: `${id.data}:${body.data.messageId}`,
        text: body.data.text,
        choice: body.data.choice,
        receivedAt: deps.now(),
      });
      // A tapped button that did not count says why, as the bot's answer (the page has no toast).
      const replies = result.tap?.notice ? [{ text: result.tap.notice }, ...result.replies] : result.replies;
      if (!result.duplicate) {
        // The visitor's line (cleaned as every stored text is) and the bot's answers, in one write.
        const said = cleanText(body.data.text ?? body.data.choice ?? '');
        await transcripts.append(id.data, [line('visitor', { text: said }), ...replies.map((m) => line('bot', m))], now());
      }
      return { duplicate: result.duplicate, replies: replies.map(shown) };
    });
  },
};
