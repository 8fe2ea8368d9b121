import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import twilio from 'twilio';
import { countSegments } from '../../src/channels/sms/segments.js';
import { heldAnswer } from './held-answer.js';

/** One message the bot asked Twilio to send, as the API stored it. */
export interface FakeMessage {
  sid: string;
  /** How the bot sent it: the REST API, a TwiML reply to a webhook, or Twilio's own keyword answer. */
  via: 'api' | 'twiml' | 'auto-reply';
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  status: string;
  numSegments: number;
  dateCreated: Date;
}

/** `answer-lost`: the message is sent, but the create answers 500, as when the bot's connection died after Twilio took it. */
export type FakeFailure = 'rate-limit' | 'server-error' | 'unsubscribed' | 'answer-lost';

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
  /** The bot's PUBLIC_URL, which Twilio calls and signs; default https://bot.example.test. */
  publicUrl?: string;
  /** Answer each Messages.json request this long after it arrived, as a distant API does; default at once. */
  answerAfterMs?: number;
  /** Twilio's clock, for the messages' `date_created`; default the real one. */
  now?: () => Date;
  /**
   * Messaging services with Smart Encoding (on by default for new ones): a service's message is
   * sent, and listed, with curly quotes, long dashes and an ellipsis as their GSM-7 look-alikes.
   */
  smartEncoding?: boolean;
}

const smartEncoded = (text: string) => text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, '-').replace(/…/g, '...');

export interface InboundSms {
  from: string;
  body: string;
  /** Default: a fresh SM… id. Pass one to replay a webhook. */
  messageSid?: string;
  /** The bot's number; default +15005550006. */
  to?: string;
  /** Extra form fields (OptOutType, NumMedia …) or overrides; undefined removes a field. */
  extra?: Record<string, string | undefined>;
}

export interface FakeTwilio {
  /** Origin of the fake REST API, for TWILIO_API_BASE_URL. */
  baseUrl: string;
  /** Messages accepted by the API, in order. */
  messages: FakeMessage[];
  /** Every Messages.json request, accepted or refused. */
  attempts: number;
  /** When each of those requests arrived (ms since the epoch), for pacing checks. */
  attemptTimes: number[];
  /** Most Messages.json requests under way at once (arrived, not yet answered). */
  maxInFlight: number;
  /** The next `times` create calls fail: 429 (20429), 500 (20500, or sent and then 500) or 400 (21610). */
  failNext(failure: FakeFailure, times?: number): void;
  /** How many times the bot read its message list (a Messages.json GET); `refuse` of the next are answered 503. */
  lookups: { made: number; refuse: number };
  /**
   * The next create is answered only when `release` is called (with a 500), as when the bot's server
   * died while the request was under way: with `taken`, Twilio has the message (it went), without,
   * it never gets it. `arrived` settles once the request is in.
   */
  holdNext(options: { taken: boolean }): { arrived: Promise<void>; release: () => void };
  /** POST form params to a public URL of the app, signed as Twilio signs it (or with `signature`). */
  signedPost(app: FastifyInstance, url: string, params: Record<string, string>, signature?: string): Promise<LightMyRequestResponse>;
  /** An incoming text, as Twilio posts it to /webhooks/twilio/sms. Returns the response and the params sent. */
  postInbound(app: FastifyInstance, sms: InboundSms): Promise<LightMyRequestResponse & { params: Record<string, string> }>;
  /**
   * The whole of an incoming text as Twilio handles it by default: opt-out/opt-in keywords change
   * the block list and get Twilio's standard answer, HELP/INFO get the standard help, then the
   * webhook is called and the <Message>s of its TwiML are sent (unless the number is blocked).
   */
  receive(app: FastifyInstance, sms: InboundSms): Promise<LightMyRequestResponse & { params: Record<string, string> }>;
  /** Numbers that replied STOP and have not replied START since. */
  blocked: Set<string>;
  /** A status callback for a message the bot sent, to the statusCallback URL it gave. */
  postStatus(app: FastifyInstance, message: FakeMessage, status: string, errorCode?: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const failures: Record<FakeFailure, { status: number; code: number; message: string }> = {
  'rate-limit': { status: 429, code: 20429, message: 'Too Many Requests' },
  'server-error': { status: 500, code: 20500, message: 'Internal Server Error' },
  'answer-lost': { status: 500, code: 20500, message: 'Internal Server Error' },
  unsubscribed: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
};

/** Twilio's default keyword handling on long codes (whole body, any case). */
const optOutWords = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const optInWords = new Set(['START', 'UNSTOP', 'YES']);
const helpWords = new Set(['HELP', 'INFO']);
export const twilioDefaultReplies = {
  stop: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  start: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  help: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};
export const defaultBotNumber = '+15005550006';

const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

/** The texts of a TwiML document's <Message> verbs, unescaped. */
export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message>(.*?)<\/Message>/gs)].map((m) => (m[1] ?? '').replace(/&\w+;/g, (e) => entities[e] ?? e));
}

export function newSid(prefix: 'SM' | 'MG' | 'AC'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** An error as Twilio's APIs answer one (`code`, `message`, `more_info`). */
export function errorJson(res: ServerResponse, status: number, code: number, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

/** A held create's answer when released: a 500, as Twilio answers one whose answer was lost. */
export const twilioAnswerLost = (res: ServerResponse) => errorJson(res, 500, 20500, 'Internal Server Error');

/** A Messages.json read as Twilio answers it: filtered by `To` and `From`, newest first, one page (`PageSize`). */
export function listMessages<M extends { to: string; from: string | null }>(res: ServerResponse, query: URLSearchParams, messages: readonly M[], resourceOf: (m: M) => object, uri: string): void {
  const to = query.get('To');
  const from = query.get('From');
  const size = Math.min(Number(query.get('PageSize') ?? 50) || 50, 1_000);
  const found = messages.filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse().slice(0, size);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ messages: found.map(resourceOf), start: 0, end: found.length - 1, page: 0, page_size: size, first_page_uri: null, next_page_uri: null, previous_page_uri: null, uri }));
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The form Twilio posts for an inbound SMS, as Twilio fills it in. */
export function inboundSmsParams(accountSid: string, sms: InboundSms): Record<string, string> {
  const sid = sms.messageSid ?? newSid('SM');
  const all: Record<string, string | undefined> = {
    ToCountry: 'US',
    SmsMessageSid: sid,
    NumMedia: '0',
    SmsSid: sid,
    SmsStatus: 'received',
    Body: sms.body,
    To: sms.to ?? defaultBotNumber,
    NumSegments: String(countSegments(sms.body).segments),
    MessageSid: sid,
    AccountSid: accountSid,
    From: sms.from,
    ApiVersion: '2010-04-01',
    ...sms.extra,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The headers Twilio sends with a webhook to `url`: the form's signature with the account's auth token. */
export function twilioWebhookHeaders(authToken: string, url: string, params: Record<string, string>, signature?: string): Record<string, string> {
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-twilio-signature': signature ?? twilio.getExpectedTwilioSignature(authToken, url, params),
    'user-agent': 'TwilioProxy/1.1',
  };
}

/** POST form params to a public URL of the app, signed as Twilio signs its webhooks with `authToken` (or with `signature`). */
export function signedTwilioPost(app: FastifyInstance, authToken: string, url: string, params: Record<string, string>, signature?: string): Promise<LightMyRequestResponse> {
  const { pathname, search } = new URL(url);
  return app.inject({ method: 'POST', url: pathname + search, headers: twilioWebhookHeaders(authToken, url, params, signature), payload: new URLSearchParams(params).toString() });
}

/** A loopback Twilio REST API (Messages create) that records what the bot sent. */
export async function startFakeTwilio(options: FakeTwilioOptions): Promise<FakeTwilio> {
  const { accountSid, authToken } = options;
  const publicUrl = (options.publicUrl ?? 'https://bot.example.test').replace(/\/+$/, '');
  const messages: FakeMessage[] = [];
  const queued: FakeFailure[] = [];
  const blocked = new Set<string>();
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messagesPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
  let attempts = 0;
  const attemptTimes: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const lookups = { made: 0, refuse: 0 };
  const held: Array<{ taken: boolean; keep: (res: ServerResponse) => void }> = [];
  const now = options.now ?? (() => new Date());

  const record = (m: Pick<FakeMessage, 'via' | 'to' | 'from' | 'body'> & Partial<FakeMessage>): FakeMessage => {
    const message: FakeMessage = {
      sid: newSid('SM'),
      messagingServiceSid: null,
      statusCallback: null,
      status: m.messagingServiceSid ? 'accepted' : 'queued',
      numSegments: countSegments(m.body).segments,
      dateCreated: now(),
      ...m,
    };
    if (options.smartEncoding && message.messagingServiceSid) message.body = smartEncoded(message.body);
    messages.push(message);
    return message;
  };

  /** A message as the API shows it. */
  const resourceOf = (message: FakeMessage) => {
    const date = message.dateCreated.toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}`;
    return {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: message.body,
      date_created: date,
      date_sent: null,
      date_updated: date,
      direction: message.via === 'api' ? 'outbound-api' : 'outbound-reply',
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: '0',
      num_segments: String(message.numSegments),
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      status: message.status,
      subresource_uris: { media: `${uri}/Media.json` },
      to: message.to,
      uri: `${uri}.json`,
    };
  };

  const list = (res: ServerResponse, query: URLSearchParams) => {
    lookups.made += 1;
    if (lookups.refuse > 0 && lookups.refuse--) return errorJson(res, 503, 20503, 'Service Unavailable');
    listMessages(res, query, messages, resourceOf, messagesPath);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = new URLSearchParams(await readBody(req));
      const path = (req.url ?? '').split('?')[0];
      if ((req.method !== 'POST' && req.method !== 'GET') || !/^\/2010-04-01\/Accounts\/[^/]+\/Messages\.json$/.test(path ?? '')) {
        return errorJson(res, 404, 20404, 'The requested resource was not found');
      }
      if (req.headers.authorization !== expectedAuth) return errorJson(res, 401, 20003, 'Authenticate');
      if (path !== messagesPath) return errorJson(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'GET') return list(res, new URL(req.url ?? '/', 'http://fake').searchParams);
      attempts += 1;
      attemptTimes.push(Date.now());
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      res.once('close', () => inFlight--);
      if (options.answerAfterMs) await new Promise((resolve) => setTimeout(resolve, options.answerAfterMs));
      const hold = held.shift();
      if (hold) {
        if (hold.taken && body.get('To') && body.get('Body')) record({ via: 'api', to: body.get('To')!, from: body.get('From'), messagingServiceSid: body.get('MessagingServiceSid'), body: body.get('Body')!, statusCallback: body.get('StatusCallback') });
        return hold.keep(res);
      }
      const failure = queued.shift();
      if (failure === 'answer-lost' && body.get('To') && body.get('Body')) record({ via: 'api', to: body.get('To')!, from: body.get('From'), messagingServiceSid: body.get('MessagingServiceSid'), body: body.get('Body')! });
      if (failure) {
        const f = failures[failure];
        return errorJson(res, f.status, f.code, f.message);
      }
      const to = body.get('To');
      const from = body.get('From');
      const messagingServiceSid = body.get('MessagingServiceSid');
      const text = body.get('Body');
      if (!to) return errorJson(res, 400, 21604, "A 'To' phone number is required.");
      if (!from && !messagingServiceSid) return errorJson(res, 400, 21603, "A 'From' phone number is required.");
      if (!text) return errorJson(res, 400, 21602, 'Message body is required.');
      if (blocked.has(to)) return errorJson(res, 400, 21610, failures.unsubscribed.message);

      const message = record({ via: 'api', to, from, messagingServiceSid, body: text, statusCallback: body.get('StatusCallback') });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify(resourceOf(message)));
    })().catch((err: unknown) => errorJson(res, 500, 20500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const signedPost: FakeTwilio['signedPost'] = (app, url, params, signature) => signedTwilioPost(app, authToken, url, params, signature);

  const postInbound: FakeTwilio['postInbound'] = async (app, sms) => {
    const params = inboundSmsParams(accountSid, sms);
    const response = await signedPost(app, `${publicUrl}/webhooks/twilio/sms`, params);
    return Object.assign(response, { params });
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    messages,
    lookups,
    get attempts() {
      return attempts;
    },
    attemptTimes,
    get maxInFlight() {
      return maxInFlight;
    },
    holdNext({ taken }) {
      const hold = heldAnswer(twilioAnswerLost);
      held.push({ taken, keep: hold.keep });
      return { arrived: hold.arrived, release: hold.release };
    },
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) queued.push(failure);
    },
    signedPost,
    postInbound,
    blocked,
    async receive(app, sms) {
      const customer = sms.from;
      const bot = sms.to ?? defaultBotNumber;
      const keyword = sms.body.trim().toUpperCase();
      const autoReply = (body: string) => record({ via: 'auto-reply', to: customer, from: bot, body });
      if (optOutWords.has(keyword)) {
        autoReply(twilioDefaultReplies.stop);
        blocked.add(customer);
      } else if (optInWords.has(keyword)) {
        blocked.delete(customer);
        autoReply(twilioDefaultReplies.start);
      } else if (helpWords.has(keyword) && !blocked.has(customer)) {
        autoReply(twilioDefaultReplies.help);
      }
      const response = await postInbound(app, sms);
      if (response.statusCode === 200 && !blocked.has(customer)) {
        for (const body of twimlMessages(response.body)) record({ via: 'twiml', to: customer, from: bot, body });
      }
      return response;
    },
    postStatus(app, message, status, errorCode) {
      if (!message.statusCallback) throw new Error(`message ${message.sid} was sent without a statusCallback`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        From: message.from ?? defaultBotNumber,
        MessageSid: message.sid,
        MessageStatus: status,
        SmsSid: message.sid,
        SmsStatus: status,
        To: message.to,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        ...(errorCode ? { ErrorCode: errorCode } : {}),
      };
      return signedPost(app, message.statusCallback, params);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
