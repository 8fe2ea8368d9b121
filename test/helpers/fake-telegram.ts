import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { InlineKeyboardMarkup, Message, Update } from 'telegraf/types';
import { telegramWebhookPath } from '../../src/channels/telegram/index.js';
import { heldAnswer } from './held-answer.js';

/** One Bot API call as the fake received it (multipart fields are kept as strings, files as sizes). */
export interface TelegramCall {
  method: string;
  payload: Record<string, unknown>;
  /** When the call arrived (ms since the epoch). */
  at: number;
  /** What the fake answered in `result`, when the call succeeded. */
  result?: unknown;
}

export type TelegramFailure =
  | '429'
  | '403'
  | '500'
  | 'reset'
  | { status: number; body: { ok: false; error_code: number; description: string; parameters?: object } };

const failures = {
  '429': { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } } },
  '403': { status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } },
  '500': { status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } },
} as const;

export interface FakeTelegram {
  /** The apiRoot to give telegraf (TELEGRAM_API_ROOT). */
  url: string;
  token: string;
  calls: TelegramCall[];
  /** Messages the bot sent (sendMessage, sendPhoto), optionally to one chat, as Telegram returned them. */
  sent(chatId?: string | number): Message[];
  /** The next call (of `method`, when given) fails this way. Several queue up in order. */
  failNext(failure: TelegramFailure, method?: string): void;
  /**
   * The next call of `method` is taken (its message sent, as Telegram would) but its answer is held:
   * `arrived` resolves when it came, `release` then answers it 500, as an answer lost on the way.
   */
  holdNext(method: string): { arrived: Promise<void>; release: () => void };
  /** Updates for getUpdates (long polling). */
  queueUpdate(update: Update): void;
  /** TCP connections opened to this server so far. */
  connections(): number;
  /** Resolves when a call of `method` has arrived (already or later). */
  waitFor(method: string, timeoutMs?: number): Promise<TelegramCall>;
  reset(): void;
  close(): Promise<void>;
}

async function readPayload(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    const payload: Record<string, unknown> = {};
    const fields: Array<[string, FormDataEntryValue]> = [];
    form.forEach((value, key) => fields.push([key, value]));
    for (const [key, value] of fields) {
      // Files are kept as name, size and their first 8 bytes (enough to tell a PNG).
      payload[key] = typeof value === 'string' ? parseField(value) : { file: value.name, bytes: value.size, head: Buffer.from(await value.slice(0, 8).arrayBuffer()).toString('hex') };
    }
    return payload;
  }
  return body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
}

/** telegraf sends reply_markup and other objects as JSON strings inside multipart bodies. */
function parseField(value: string): unknown {
  if (!/^[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** A loopback Bot API server: answers like Telegram, records every call, fails on request. */
export async function startFakeTelegram({ token }: { token: string }): Promise<FakeTelegram> {
  const botId = Number(token.split(':')[0]);
  const me = { id: botId, is_bot: true, first_name: 'Survey Bot', username: 'survey_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };
  const calls: TelegramCall[] = [];
  const queued: Array<{ failure: TelegramFailure; method?: string }> = [];
  const updates: Update[] = [];
  const waiters: Array<{ method: string; resolve: (call: TelegramCall) => void }> = [];
  const holds: Array<{ method: string; hold: ReturnType<typeof heldAnswer> }> = [];
  const messages = new Map<string, Message>();
  let nextMessageId = 100;

  const chatOf = (chatId: unknown) => {
    const id = Number(chatId);
    return { id, first_name: 'Ada', type: 'private' as const };
  };
  const markup = (payload: Record<string, unknown>) =>
    payload.reply_markup ? { reply_markup: payload.reply_markup as InlineKeyboardMarkup } : {};

  const results: Record<string, (p: Record<string, unknown>) => unknown | Promise<unknown>> = {
    getMe: () => me,
    setWebhook: () => true,
    deleteWebhook: () => true,
    answerCallbackQuery: () => true,
    // A short long-poll: answer as soon as an update is queued, else an empty list after 100 ms.
    getUpdates: async () => {
      for (let i = 0; i < 10 && updates.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      return updates.splice(0, updates.length);
    },
    sendMessage: (p) => {
      const message = { message_id: nextMessageId++, from: me, chat: chatOf(p.chat_id), date: Math.floor(Date.now() / 1000), text: String(p.text), ...markup(p) } as Message;
      messages.set(`${Number(p.chat_id)}:${message.message_id}`, message);
      return message;
    },
    sendPhoto: (p) => {
      const photo = [{ file_id: `AgAC${nextMessageId}`, file_unique_id: `AQAD${nextMessageId}`, width: 800, height: 400, file_size: 20_000 }];
      const message = { message_id: nextMessageId++, from: me, chat: chatOf(p.chat_id), date: Math.floor(Date.now() / 1000), photo, ...(p.caption ? { caption: String(p.caption) } : {}), ...markup(p) } as Message;
      messages.set(`${Number(p.chat_id)}:${message.message_id}`, message);
      return message;
    },
    editMessageText: (p) => {
      const old = messages.get(`${Number(p.chat_id)}:${Number(p.message_id)}`);
      if (!old) return undefined;
      return { ...old, text: String(p.text), reply_markup: undefined, edit_date: Math.floor(Date.now() / 1000), ...markup(p) };
    },
    editMessageCaption: (p) => {
      const old = messages.get(`${Number(p.chat_id)}:${Number(p.message_id)}`);
      if (!old) return undefined;
      return { ...old, caption: String(p.caption), reply_markup: undefined, edit_date: Math.floor(Date.now() / 1000), ...markup(p) };
    },
  };

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    void (async () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (!m || m[1] !== token) return answer(res, m ? 401 : 404, { ok: false, error_code: m ? 401 : 404, description: m ? 'Unauthorized' : 'Not Found' });
      const method = m[2]!;
      const call: TelegramCall = { method, payload: await readPayload(req), at: Date.now() };
      calls.push(call);
      for (const w of waiters.filter((x) => x.method === method)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
      const index = queued.findIndex((q) => q.method === undefined || q.method === method);
      if (index >= 0) {
        const [{ failure }] = queued.splice(index, 1) as [{ failure: TelegramFailure }];
        if (failure === 'reset') return req.socket.destroy();
        const { status, body } = typeof failure === 'string' ? failures[failure] : failure;
        return answer(res, status, body);
      }
      const result = await results[method]?.(call.payload);
      call.result = result;
      const held = holds.findIndex((h) => h.method === method);
      if (held >= 0) return holds.splice(held, 1)[0]!.hold.keep(res);
      if (result === undefined) {
        const description = results[method] ? 'Bad Request: message to edit not found' : 'Not Found: method not found';
        return answer(res, results[method] ? 400 : 404, { ok: false, error_code: results[method] ? 400 : 404, description });
      }
      answer(res, 200, { ok: true, result });
    })().catch((err: unknown) => answer(res, 500, { ok: false, error_code: 500, description: String(err) }));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    calls,
    sent: (chatId) =>
      calls
        .filter((c) => c.method === 'sendMessage' || c.method === 'sendPhoto')
        .filter((c) => c.result !== undefined && (chatId === undefined || Number(c.payload.chat_id) === Number(chatId)))
        .map((c) => c.result as Message),
    connections: () => connections,
    failNext: (failure, method) => void queued.push({ failure, method }),
    holdNext: (method) => {
      const hold = heldAnswer((res) => answer(res, 500, failures['500'].body));
      holds.push({ method, hold });
      return { arrived: hold.arrived, release: hold.release };
    },
    queueUpdate: (update) => void updates.push(update),
    waitFor: (method, timeoutMs = 5_000) => {
      const seen = calls.find((c) => c.method === method);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${method} call within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ method, resolve: (call) => (clearTimeout(timer), resolve(call)) });
      });
    },
    reset: () => {
      calls.length = 0;
      queued.length = 0;
      holds.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/* Updates exactly as Telegram posts them to a webhook. */

let updateSeq = 700_000_000 + randomInt(1_000_000);
let inboundMessageSeq = 1;

export interface Person {
  chatId: number;
  firstName?: string;
  languageCode?: string;
}

function userOf(person: Person) {
  return { id: person.chatId, is_bot: false, first_name: person.firstName ?? 'Ada', language_code: person.languageCode ?? 'en' };
}

export function nextUpdateId(): number {
  return updateSeq++;
}

/** The person blocked (`kicked`) or unblocked (`member`) the bot in their private chat. */
export function blockUpdate(person: Person, status: 'kicked' | 'member', chatType = 'private', updateId = nextUpdateId()): Update {
  const from = userOf(person);
  const bot = { id: 555_000_000, is_bot: true, first_name: 'Survey Bot', username: 'survey_test_bot' };
  return {
    update_id: updateId,
    my_chat_member: {
      chat: chatType === 'private' ? { id: person.chatId, first_name: from.first_name, type: 'private' } : { id: -person.chatId, title: 'Team', type: chatType },
      from,
      date: Math.floor(Date.now() / 1000),
      old_chat_member: { status: status === 'kicked' ? 'member' : 'kicked', user: bot },
      new_chat_member: { status, user: bot, ...(status === 'kicked' ? { until_date: 0 } : {}) },
    },
  } as Update;
}

/** A private-chat text message; commands carry the bot_command entity Telegram adds. */
export function textUpdate(person: Person, text: string, updateId = nextUpdateId()): Update {
  const command = /^\/\w+(@\w+)?/.exec(text);
  const from = userOf(person);
  return {
    update_id: updateId,
    message: {
      message_id: inboundMessageSeq++,
      from,
      chat: { id: person.chatId, first_name: from.first_name, type: 'private' },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(command ? { entities: [{ offset: 0, length: command[0].length, type: 'bot_command' as const }] } : {}),
    },
  } as Update;
}

/** A text message from `person` in a group chat (`groupId`, negative as Telegram's are). */
export function groupTextUpdate(person: Person, groupId: number, text: string, updateId = nextUpdateId()): Update {
  const update = textUpdate(person, text, updateId) as Update & { message: { chat: unknown } };
  update.message.chat = { id: groupId, title: 'Acme team', type: 'group' };
  return update;
}

/** A tap on an inline keyboard button of `message` (a message the bot sent, as the fake returned it). */
export function callbackUpdate(person: Person, message: Message, data: string, updateId = nextUpdateId()): Update {
  return {
    update_id: updateId,
    callback_query: {
      id: String(BigInt(person.chatId) * 1000n + BigInt(updateId % 1000)),
      from: userOf(person),
      message,
      chat_instance: String(-4_000_000_000_000_000_000n - BigInt(person.chatId)),
      data,
    },
  } as Update;
}

/** The callback_data of the button labelled `label` in `message`'s inline keyboard. */
export function buttonData(message: Message, label: string): string {
  const keyboard = (message as { reply_markup?: InlineKeyboardMarkup }).reply_markup?.inline_keyboard ?? [];
  for (const row of keyboard) {
    for (const button of row) if (button.text === label && 'callback_data' in button) return button.callback_data;
  }
  throw new Error(`no button "${label}" in message ${message.message_id}`);
}

/** POST an update to the app's webhook the way Telegram does, with the secret header (or a given one). */
export function postUpdate(
  app: FastifyInstance,
  webhookSecret: string,
  update: unknown,
  headers: Record<string, string> = { 'x-telegram-bot-api-secret-token': webhookSecret },
  basePath = '',
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `${basePath}${telegramWebhookPath(webhookSecret)}`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof update === 'string' ? update : JSON.stringify(update),
  });
}
