import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { errorJson, listMessages, newSid, readBody, signedTwilioPost, twilioAnswerLost, twilioWebhookHeaders } from './fake-twilio.js';
import { heldAnswer } from './held-answer.js';

/**
 * A loopback Twilio for WhatsApp: the Messages API as it treats `whatsapp:` addresses and the
 * Content API (content SIDs, approval, variables). It keeps each customer's 24-hour window from the
 * messages they send through it, refuses free-form messages and unapproved content outside it
 * (63016, counted), enforces the button (3) and list-row (10) limits, records a free-form message's
 * picture (`MediaUrl`, one, https, caption up to 1,024 characters), and posts signed webhooks,
 * statuses and taps (ButtonPayload, ListId) as Twilio does.
 */

export type Approval = 'approved' | 'pending' | 'rejected' | 'unsubmitted';

export interface FakeContent {
  sid: string;
  types: Record<string, { body?: string; button?: string; actions?: Array<{ id?: string; title: string }>; items?: Array<{ id: string; item: string }> }>;
  approval: Approval;
}

export interface FakeWhatsappMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  /** The text as the customer sees it (a content's body with its variables put in). */
  body: string;
  contentSid: string | null;
  /** How it went: text, an approved template, or an interactive session message. */
  kind: 'text' | 'template' | 'quick-reply' | 'list-picker';
  buttons: Array<{ id: string; title: string }>;
  items: Array<{ id: string; item: string }>;
  /** The pictures' URLs (`MediaUrl`), as Twilio would fetch them. */
  mediaUrls: string[];
  statusCallback: string | null;
  dateCreated: Date;
}

export interface FakeWhatsappOptions {
  accountSid: string;
  authToken: string;
  publicUrl?: string;
  /** The clock the window is kept on (the server's, in tests that move time). */
  now?: () => Date;
  /** Where the business's routes are (`/b/<id>`); default the un-prefixed ones. */
  basePath?: string;
}

export interface WhatsappTap {
  /** A quick reply's id and title, or a list row's. */
  buttonPayload?: string;
  listId?: string;
  title: string;
}

export interface FakeWhatsapp {
  baseUrl: string;
  messages: FakeWhatsappMessage[];
  contents: Map<string, FakeContent>;
  /** Sends refused because they were free-form (or unapproved content) outside the window: error 63016. */
  refusals: { outsideWindow: number; limits: number; unapproved: number };
  /** How many times the bot listed the messages it sent (a Messages.json read). */
  lookups: { made: number; refuse: number };
  /** An approved template the business registered with WhatsApp (its body with {{1}}, {{2}} …). */
  addTemplate(body: string, approval?: Approval): string;
  /** The next free-form send is refused with 63016 whatever the window says (our reading was wrong). */
  closeWindowOf(customer: string): void;
  /** The next `times` messages (to `to` alone, `+E164`, when given) are sent, but their create answers 500: as when the bot's connection died after Twilio took them. */
  loseAnswers(times?: number, to?: string): void;
  /** The next `times` message creates are refused with 503 and nothing is sent: Twilio unavailable for a moment. */
  refuseNext(times?: number): void;
  /**
   * While on, a content message sent through a messaging service is answered and listed with an
   * empty body, as Twilio answers such a create (twilio-node#1081); off, with its text.
   */
  blankServiceContent(on: boolean): void;
  /** A message another sender of the same Twilio account (another shop's number or messaging service) sent `to` (`+E164`). */
  sentByAnother(to: string, body: string, sender: { from: string } | { messagingServiceSid: string }): void;
  /** The next `times` content fetches (`GET /v1/Content/{sid}`) are refused with 503: the Content API down for a moment. */
  refuseContentReads(times?: number): void;
  /**
   * The next create is answered only when `release` is called (with a 500), as when the bot's server
   * died while the request was under way: Twilio has the message (it went), or with `taken: false`
   * never gets it. `taken` settles once the request is in.
   */
  holdAnswer(options?: { taken: boolean }): { taken: Promise<void>; release: () => void };
  /** A message from the customer (`+E164`) as Twilio would post it, without posting it: the webhook's URL and signed form. It opens their window. */
  inbound(from: string, what: string | WhatsappTap, options?: { messageSid?: string }): { url: string; params: Record<string, string>; headers: Record<string, string> };
  /** A message from the customer (`+E164`), text or a tap, as Twilio posts it; it opens their window. */
  receive(app: FastifyInstance, from: string, what: string | WhatsappTap, options?: { messageSid?: string; signature?: string }): Promise<LightMyRequestResponse>;
  /** A tap on one of a message's buttons or list rows (by its title). */
  tap(app: FastifyInstance, message: FakeWhatsappMessage, title: string): Promise<LightMyRequestResponse>;
  postStatus(app: FastifyInstance, message: FakeWhatsappMessage, status: string, errorCode?: string): Promise<LightMyRequestResponse>;
  to(customer: string): FakeWhatsappMessage[];
  close(): Promise<void>;
}

const windowMs = 24 * 3_600_000;

const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{(\d+)\}\}/g, (_, n: string) => vars[n] ?? `{{${n}}}`);

export async function startFakeWhatsapp(options: FakeWhatsappOptions): Promise<FakeWhatsapp> {
  const { accountSid, authToken } = options;
  const publicUrl = (options.publicUrl ?? 'https://bot.example.test').replace(/\/+$/, '');
  const basePath = options.basePath ?? '';
  const now = options.now ?? (() => new Date());
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const messages: FakeWhatsappMessage[] = [];
  const contents = new Map<string, FakeContent>();
  const lastInbound = new Map<string, number>();
  const forcedClosed = new Set<string>();
  const refusals = { outsideWindow: 0, limits: 0, unapproved: 0 };
  let answersToLose = 0;
  let loseTo: string | undefined;
  let toRefuse = 0;
  let contentReadsToRefuse = 0;
  let blankContent = false;
  let held: { taken: boolean; keep: (res: ServerResponse) => void } | undefined;
  const answerHeld = (res: ServerResponse) => {
    const { keep } = held!;
    held = undefined;
    keep(res);
  };
  const lookups = { made: 0, refuse: 0 };
  const contentSid = () => `HX${randomBytes(16).toString('hex')}`;

  const createContent = (res: ServerResponse, json: { types?: FakeContent['types'] }) => {
    const types = json.types ?? {};
    const quick = types['twilio/quick-reply'];
    const list = types['twilio/list-picker'];
    if (!quick && !list && !types['twilio/text']) return errorJson(res, 400, 20001, 'types: one content type is required');
    if (quick && (!quick.actions?.length || quick.actions.length > 3)) return (refusals.limits++, errorJson(res, 400, 20001, 'twilio/quick-reply: 1 to 3 actions'));
    if (list && (!list.items?.length || list.items.length > 10)) return (refusals.limits++, errorJson(res, 400, 20001, 'twilio/list-picker: 1 to 10 items'));
    if (list && (!list.button || list.button.length > 20)) return errorJson(res, 400, 20001, 'twilio/list-picker: button of 1 to 20 characters');
    const content: FakeContent = { sid: contentSid(), types, approval: 'unsubmitted' };
    contents.set(content.sid, content);
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ sid: content.sid, account_sid: accountSid, types, language: 'en', date_created: now().toISOString() }));
  };

  const createMessage = (res: ServerResponse, body: URLSearchParams) => {
    if (toRefuse > 0) {
      toRefuse -= 1;
      return errorJson(res, 503, 20503, 'Service Unavailable');
    }
    const to = body.get('To') ?? '';
    const from = body.get('From');
    const messagingServiceSid = body.get('MessagingServiceSid');
    if (!/^whatsapp:\+\d{7,15}$/.test(to)) return errorJson(res, 400, 21211, "Invalid 'To' WhatsApp address");
    if (!messagingServiceSid && !/^whatsapp:\+\d{7,15}$/.test(from ?? '')) return errorJson(res, 400, 63007, 'No WhatsApp sender for the From address');
    const customer = to.slice('whatsapp:'.length);
    const last = lastInbound.get(customer);
    const open = last !== undefined && now().getTime() - last < windowMs && !forcedClosed.has(customer);
    const sid = body.get('ContentSid');
    let vars: Record<string, string> = {};
    try {
      vars = JSON.parse(body.get('ContentVariables') ?? '{}') as Record<string, string>;
    } catch {
      return errorJson(res, 400, 21656, 'The ContentVariables Parameter is invalid');
    }
    let message: Omit<FakeWhatsappMessage, 'sid' | 'dateCreated' | 'statusCallback' | 'to' | 'from' | 'messagingServiceSid'>;
    if (sid) {
      const content = contents.get(sid);
      if (!content) return errorJson(res, 404, 20404, 'Content not found');
      if (!open && content.approval !== 'approved') {
        refusals.outsideWindow++;
        if (content.approval !== 'unsubmitted') refusals.unapproved++;
        return errorJson(res, 400, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.');
      }
      const [type, shape] = Object.entries(content.types)[0]!;
      const text = fill(shape.body ?? '', vars);
      if (/\{\{\d+\}\}/.test(text) || Object.values(vars).some((v) => v === '')) return errorJson(res, 400, 21656, 'The ContentVariables Parameter is invalid');
      const buttons = (shape.actions ?? []).map((a) => ({ id: fill(a.id ?? a.title, vars), title: fill(a.title, vars) }));
      const items = (shape.items ?? []).map((i) => ({ id: fill(i.id, vars), item: fill(i.item, vars) }));
      const kind = content.approval === 'approved' ? 'template' : type === 'twilio/list-picker' ? 'list-picker' : type === 'twilio/quick-reply' ? 'quick-reply' : 'text';
      message = { body: text, contentSid: sid, kind, buttons, items, mediaUrls: [] };
    } else {
      const text = body.get('Body') ?? '';
      const mediaUrls = body.getAll('MediaUrl');
      if (!text && !mediaUrls.length) return errorJson(res, 400, 21602, 'Message body is required.');
      // WhatsApp fetches a picture by URL from the public internet: https only; a caption of at most 1,024 characters.
      if (mediaUrls.some((u) => !/^https:\/\/[^/]+\/./.test(u))) return errorJson(res, 400, 21620, 'Invalid media URL(s)');
      if (mediaUrls.length > 1) return errorJson(res, 400, 21623, 'WhatsApp takes one media per message');
      if (mediaUrls.length && text.length > 1_024) return errorJson(res, 400, 63005, 'Caption too long for a media message');
      if (!open) {
        refusals.outsideWindow++;
        return errorJson(res, 400, 63016, 'Failed to send freeform message because you are outside the allowed window. Please use a Template.');
      }
      message = { body: text, contentSid: null, kind: 'text', buttons: [], items: [], mediaUrls };
    }
    if (held && !held.taken) return answerHeld(res);
    const recorded: FakeWhatsappMessage = { sid: newSid('SM'), to, from, messagingServiceSid, statusCallback: body.get('StatusCallback'), dateCreated: now(), ...message };
    messages.push(recorded);
    if (held) return answerHeld(res);
    if (answersToLose > 0 && (!loseTo || to === `whatsapp:${loseTo}`)) {
      answersToLose -= 1;
      return errorJson(res, 500, 20500, 'Internal Server Error');
    }
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify(resourceOf(recorded)));
  };

  const resourceOf = (m: FakeWhatsappMessage) => {
    const date = m.dateCreated.toUTCString().replace('GMT', '+0000');
    const body = blankContent && m.contentSid && m.messagingServiceSid ? '' : m.body;
    return { account_sid: accountSid, sid: m.sid, to: m.to, from: m.from, body, status: 'queued', messaging_service_sid: m.messagingServiceSid, direction: 'outbound-api', num_segments: '1', date_created: date, date_updated: date };
  };

  const list = (res: ServerResponse, query: URLSearchParams) => {
    lookups.made += 1;
    if (lookups.refuse > 0 && lookups.refuse--) return errorJson(res, 503, 20503, 'Service Unavailable');
    listMessages(res, query, messages, resourceOf, `/2010-04-01/Accounts/${accountSid}/Messages.json`);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.headers.authorization !== expectedAuth) return errorJson(res, 401, 20003, 'Authenticate');
      if (req.method === 'POST' && path === '/v1/Content') return createContent(res, JSON.parse(raw) as { types?: FakeContent['types'] });
      const fetched = /^\/v1\/Content\/(HX[0-9a-f]{32})$/.exec(path);
      if (req.method === 'GET' && fetched) {
        if (contentReadsToRefuse > 0) {
          contentReadsToRefuse -= 1;
          return errorJson(res, 503, 20503, 'Service Unavailable');
        }
        const content = contents.get(fetched[1]!);
        if (!content) return errorJson(res, 404, 20404, 'Content not found');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ sid: content.sid, account_sid: accountSid, friendly_name: 'template', language: 'en', variables: {}, types: content.types, url: `https://content.twilio.com/v1/Content/${content.sid}` }));
      }
      const approval = /^\/v1\/Content\/(HX[0-9a-f]{32})\/ApprovalRequests$/.exec(path);
      if (req.method === 'GET' && approval) {
        const content = contents.get(approval[1]!);
        if (!content) return errorJson(res, 404, 20404, 'Content not found');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ sid: content.sid, account_sid: accountSid, whatsapp: { status: content.approval, type: 'whatsapp', category: 'UTILITY' } }));
      }
      if (req.method === 'POST' && path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) return createMessage(res, new URLSearchParams(raw));
      if (req.method === 'GET' && path === `/2010-04-01/Accounts/${accountSid}/Messages.json`) return list(res, new URL(req.url ?? '/', 'http://fake').searchParams);
      return errorJson(res, 404, 20404, 'The requested resource was not found');
    })().catch((err: unknown) => errorJson(res, 500, 20500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const signedPost = (app: FastifyInstance, url: string, params: Record<string, string>, signature?: string) => signedTwilioPost(app, authToken, url, params, signature);

  const inbound: FakeWhatsapp['inbound'] = (from, what, opts = {}) => {
    lastInbound.set(from, now().getTime());
    forcedClosed.delete(from);
    const sid = opts.messageSid ?? newSid('SM');
    const tap = typeof what === 'string' ? undefined : what;
    const params: Record<string, string> = {
      SmsMessageSid: sid,
      NumMedia: '0',
      ProfileName: 'Customer',
      MessageType: tap ? (tap.listId ? 'interactive' : 'button') : 'text',
      SmsSid: sid,
      WaId: from.slice(1),
      SmsStatus: 'received',
      Body: tap ? tap.title : (what as string),
      To: 'whatsapp:+15005550006',
      NumSegments: '1',
      ReferralNumMedia: '0',
      MessageSid: sid,
      AccountSid: accountSid,
      From: `whatsapp:${from}`,
      ApiVersion: '2010-04-01',
      ...(tap?.buttonPayload ? { ButtonPayload: tap.buttonPayload, ButtonText: tap.title } : {}),
      ...(tap?.listId ? { ListId: tap.listId, ListTitle: tap.title } : {}),
    };
    const url = `${publicUrl}${basePath}/webhooks/twilio/whatsapp`;
    return { url, params, headers: twilioWebhookHeaders(authToken, url, params) };
  };

  const receive: FakeWhatsapp['receive'] = (app, from, what, opts = {}) => {
    const { url, params } = inbound(from, what, opts);
    return signedPost(app, url, params, opts.signature);
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    messages,
    contents,
    refusals,
    lookups,
    addTemplate(body, approval = 'approved') {
      const content: FakeContent = { sid: contentSid(), types: { 'twilio/text': { body } }, approval };
      contents.set(content.sid, content);
      return content.sid;
    },
    closeWindowOf: (customer) => void forcedClosed.add(customer),
    loseAnswers: (times = 1, only?: string) => void ((answersToLose += times), (loseTo = only)),
    refuseNext: (times = 1) => void (toRefuse += times),
    refuseContentReads: (times = 1) => void (contentReadsToRefuse += times),
    blankServiceContent: (on) => void (blankContent = on),
    sentByAnother(to, body, sender) {
      messages.push({
        sid: newSid('SM'),
        to: `whatsapp:${to}`,
        from: 'from' in sender ? sender.from : null,
        messagingServiceSid: 'messagingServiceSid' in sender ? sender.messagingServiceSid : null,
        body,
        contentSid: null,
        kind: 'text',
        buttons: [],
        items: [],
        mediaUrls: [],
        statusCallback: null,
        dateCreated: now(),
      });
    },
    holdAnswer({ taken } = { taken: true }) {
      const hold = heldAnswer(twilioAnswerLost);
      held = { taken, keep: hold.keep };
      return { taken: hold.arrived, release: hold.release };
    },
    inbound,
    receive,
    tap(app, message, title) {
      const button = message.buttons.find((b) => b.title === title);
      const row = message.items.find((i) => i.item === title);
      if (!button && !row) throw new Error(`no button or row "${title}" on message ${message.sid}`);
      return receive(app, message.to.slice('whatsapp:'.length), button ? { buttonPayload: button.id, title } : { listId: row!.id, title });
    },
    postStatus(app, message, status, errorCode) {
      if (!message.statusCallback) throw new Error(`message ${message.sid} was sent without a statusCallback`);
      const params: Record<string, string> = { AccountSid: accountSid, MessageSid: message.sid, MessageStatus: status, SmsSid: message.sid, SmsStatus: status, To: message.to, From: message.from ?? '', ChannelPrefix: 'whatsapp', ...(errorCode ? { ErrorCode: errorCode } : {}) };
      return signedPost(app, message.statusCallback, params);
    },
    to: (customer) => messages.filter((m) => m.to === `whatsapp:${customer}`),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
