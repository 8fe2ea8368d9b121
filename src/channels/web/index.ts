import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { channelFacts } from '../../domain/channel-facts.js';
import { locales, surveyKinds } from '../../domain/surveys.js';
import { cleanText, freeText } from '../../domain/text.js';
import { describeIssues } from '../../errors.js';
import type { TranscriptLine } from '../../store/index.js';
import { receivers, type Channel, type ChannelDeps, type ChannelRoutes, type Outbound } from '../channel.js';
import { chatPage } from './page.js';
import { VisitorLimit } from './visitor-limit.js';

/** Where the web chat keeps its conversation: the page shows and polls it. */
export interface Transcripts {
  append(visitorId: string, lines: readonly TranscriptLine[], at: Date): Promise<string[]>;
  list(visitorId: string): Promise<Array<TranscriptLine & { id: string }>>;
}

const maxText = channelFacts.web.maxTextLength;
const visitorId = z.string().regex(/^v_[a-f0-9]{32}$/, 'an id from POST /chat/api/visitors');
const newVisitorBody = z.object({
  kind: z.enum(surveyKinds).default('nps'),
  locale: z.enum(locales).optional(),
  name: freeText(60).optional(),
  /** The survey link's code, when the page was opened at `/s/<code>`. */
  link: z.string().regex(/^[0-9A-Za-z]{1,40}$/, 'a survey link code').optional(),
});
// Each refusal is a plain sentence: the chat page shows it to the visitor as it is.
const messageBody = z
  .object({
    messageId: z.string('The message has no id.').trim().min(1, 'The message has no id.').max(100, 'The message id is longer than 100 characters.'),
    // Far above the comment cap (which the dialog applies and tells the visitor about); past it, a 400.
    text: z.string('The message is not text.').max(maxText, `This message is longer than ${maxText.toLocaleString('en')} characters: shorten it and send it again.`).optional(),
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

/** What the web chat's routes need of one business's web chat. */
interface WebReceiver {
  transcripts: Transcripts;
  limit: VisitorLimit;
  visitorsPerHour: number;
  now: () => Date;
  deps: ChannelDeps;
}

const webReceivers = receivers<WebReceiver>();

/** A business's web chat: what it sends goes to the visitor's transcript, which the page polls. */
export function createWebChannel({ transcripts, now, visitorsPerHour, product }: { transcripts: Transcripts; now: () => Date; visitorsPerHour: number; product?: ChannelDeps }): Channel {
  const channel: Channel = {
    name: 'web',
    local: true,
    async send(to, message) {
      const [id] = await transcripts.append(to, [line('bot', message)], now());
      return { status: 'sent', ...(id ? { providerMessageId: id } : {}) };
    },
  };
  if (product) webReceivers.add(channel, { transcripts, limit: new VisitorLimit(visitorsPerHour), visitorsPerHour, now, deps: product });
  return channel;
}

/** A chat page at /chat (under each business's path) so anyone can try a survey with no provider account. */
export const webRoutes: ChannelRoutes = {
  name: 'web',
  register(app, channelOf) {
    const receiverOf = (request: Parameters<typeof channelOf>[0]) => webReceivers.of(channelOf, request);

    app.get('/chat', async (request, reply) => {
      await receiverOf(request);
      return reply.type('text/html; charset=utf-8').send(chatPage);
    });

    app.post('/chat/api/visitors', async (request, reply) => {
      const { limit, now, visitorsPerHour, deps } = await receiverOf(request);
      const body = parse(newVisitorBody, request.body ?? {});
      if (!body.ok) return reply.code(400).send({ error: 'bad_request', message: body.message });
      const allowed = limit.take(request.ip, now());
      if (!allowed.ok) {
        const minutes = Math.ceil(allowed.retryAfterSeconds / 60);
        const message = `at most ${visitorsPerHour} new chats an hour from one network address; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
        return reply.code(429).header('retry-after', String(allowed.retryAfterSeconds)).send({ error: 'too_many_requests', message });
      }
      const id = `v_${randomBytes(16).toString('hex')}`;
      const { link, ...asked } = body.data;
      const result = await deps.startWebSurvey({ address: id, ...asked, ...(link ? { entry: `link:${link}` } : {}) });
      return reply.code(201).send({ visitorId: id, status: result.status });
    });

    app.get('/chat/api/visitors/:id/messages', async (request, reply) => {
      const { transcripts } = await receiverOf(request);
      const id = parse(visitorId, (request.params as { id: string }).id);
      if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
      return { messages: await transcripts.list(id.data) };
    });

    app.post('/chat/api/visitors/:id/messages', async (request, reply) => {
      const { transcripts, now, deps } = await receiverOf(request);
      const id = parse(visitorId, (request.params as { id: string }).id);
      if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
      const body = messageBody.safeParse(request.body ?? {});
      if (!body.success) return reply.code(400).send({ error: 'bad_request', message: [...new Set(body.error.issues.map((i) => i.message))].join(' ') });
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
        const shown = cleanText(body.data.text ?? body.data.choice ?? '');
        await transcripts.append(id.data, [line('visitor', { text: shown }), ...replies.map((m) => line('bot', m))], now());
      }
      return { duplicate: result.duplicate, replies: replies.map(({ text, choices, dir }: Outbound) => ({ text, choices, dir })) };
    });
  },
};
