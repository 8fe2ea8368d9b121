import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Schema, type Connection } from 'mongoose';
import { z } from 'zod';
import { locales, surveyKinds } from '../../dialogs/types.js';
import type { Channel, ChannelDeps, Outbound } from '../channel.js';
import { describeIssues } from '../../errors.js';
import { chatPage } from './page.js';

/** What the web channel needs beyond the common deps: it stores its transcript and starts demo surveys. */
export interface WebChannelDeps {
  db: Connection;
  startWebSurvey(input: { address: string; kind: (typeof surveyKinds)[number]; locale?: (typeof locales)[number]; name?: string }): Promise<{ status: string }>;
}

const messageSchema = new Schema(
  {
    visitorId: { type: String, required: true },
    from: { type: String, enum: ['bot', 'visitor'], required: true },
    text: { type: String, required: true },
    choices: [{ _id: false, label: String, value: String }],
    dir: String,
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
messageSchema.index({ visitorId: 1, _id: 1 });

const visitorId = z.string().regex(/^v_[a-f0-9]{32}$/, 'an id from POST /chat/api/visitors');
const newVisitorBody = z.object({
  kind: z.enum(surveyKinds).default('nps'),
  locale: z.enum(locales).optional(),
  name: z.string().trim().min(1).max(60).optional(),
});
const messageBody = z
  .object({
    messageId: z.string().trim().min(1).max(100),
    text: z.string().max(2000).optional(),
    choice: z.string().max(20).optional(),
  })
  .refine((b) => b.text !== undefined || b.choice !== undefined, { message: 'text or choice is required' });

function parse<T>(schema: z.ZodType<T>, value: unknown): { ok: true; data: T } | { ok: false; message: string } {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, data: r.data } : { ok: false, message: describeIssues(r.error, 'body').join('; ') };
}

/** A chat page at /chat so anyone can try a survey with no provider account. */
export function createWebChannel(deps: ChannelDeps & WebChannelDeps): Channel {
  const Messages = deps.db.model('WebMessage', messageSchema, 'web_messages');

  const record = (id: string, from: 'bot' | 'visitor', m: Outbound | { text: string }) =>
    Messages.create({ visitorId: id, from, text: m.text, choices: 'choices' in m ? m.choices : undefined, dir: 'dir' in m ? m.dir : undefined, at: new Date() });

  return {
    name: 'web',
    register(app: FastifyInstance) {
      app.get('/chat', async (_request, reply) => reply.type('text/html; charset=utf-8').send(chatPage));

      app.post('/chat/api/visitors', async (request, reply) => {
        const body = parse(newVisitorBody, request.body ?? {});
        if (!body.ok) return reply.code(400).send({ error: 'bad_request', message: body.message });
        const id = `v_${randomBytes(16).toString('hex')}`;
        const result = await deps.startWebSurvey({ address: id, ...body.data });
        return reply.code(201).send({ visitorId: id, status: result.status });
      });

      app.get('/chat/api/visitors/:id/messages', async (request, reply) => {
        const id = parse(visitorId, (request.params as { id: string }).id);
        if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
        const messages = await Messages.find({ visitorId: id.data }).sort({ _id: 1 }).limit(500).lean();
        return {
          messages: messages.map((m) => ({ id: m._id.toString(), from: m.from, text: m.text, choices: m.choices?.length ? m.choices : undefined, dir: m.dir ?? undefined })),
        };
      });

      app.post('/chat/api/visitors/:id/messages', async (request, reply) => {
        const id = parse(visitorId, (request.params as { id: string }).id);
        if (!id.ok) return reply.code(400).send({ error: 'bad_request', message: id.message });
        const body = parse(messageBody, request.body);
        if (!body.ok) return reply.code(400).send({ error: 'bad_request', message: body.message });
        const result = await deps.handleInbound({
          channel: 'web',
          address: id.data,
          providerMessageId: `${id.data}:${body.data.messageId}`,
          text: body.data.text,
          choice: body.data.choice,
          receivedAt: new Date(),
        });
        if (!result.duplicate) {
          const shown = body.data.text ?? body.data.choice ?? '';
          await record(id.data, 'visitor', { text: shown });
          for (const m of result.replies) await record(id.data, 'bot', m);
        }
        return { duplicate: result.duplicate, replies: result.replies.map(({ text, choices, dir }) => ({ text, choices, dir })) };
      });
    },
    async send(to, message) {
      const doc = await record(to, 'bot', message);
      return { status: 'sent', providerMessageId: doc._id.toString() };
    },
  };
}
