import { createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** One call the bot made to the Bot Connector REST API. */
export interface RecordedActivity {
  kind: 'send' | 'reply' | 'update';
  conversationId: string;
  /** The activity replied to or updated. */
  activityId?: string;
  /** The id the fake gave back. */
  id: string;
  activity: Record<string, unknown> & {
    type?: string;
    text?: string;
    replyToId?: string;
    attachments?: Array<{ contentType: string; content?: unknown; contentUrl?: string; name?: string }>;
  };
}

export interface AdaptiveCard {
  version: string;
  body: Array<{ type: string; text?: string; id?: string }>;
  actions: Array<{ type: string; title: string; data: Record<string, unknown> }>;
}

export interface Failure {
  status: number;
  /** Teams' error code in the body, e.g. ConversationBlockedByUser. */
  code?: string;
  retryAfter?: string;
  /** How many calls fail before the fake answers normally again (default 1). */
  times?: number;
}

export interface FakeBotConnector {
  /** Base URL, set as the activities' `serviceUrl` (with a trailing slash, as Teams sends it). */
  serviceUrl: string;
  /** The OpenID document and issuer the fake signs inbound tokens with. */
  openIdMetadataUrl: string;
  issuer: string;
  activities: RecordedActivity[];
  /** Adaptive Cards the bot sent (send, reply or update), in order. */
  cards(): Array<{ kind: RecordedActivity['kind']; activityId?: string; id: string; card: AdaptiveCard }>;
  /** Make the next send/reply/update calls fail. */
  failNext(failure: Failure): void;
  /** How many calls the programmed failures refused. */
  refused: number;
  /** Forget recorded activities and pending failures. */
  reset(): void;
  /**
   * A bearer token as the Bot Framework channel signs it; `claims` overrides, `key: 'other'` signs with a
   * key the fake does not publish, `header` overrides header fields, and `alg` forges the signature:
   * `none` (unsigned) or `HS256` keyed with the published public key (the algorithm-confusion attack).
   */
  token(appId: string, options?: TokenOptions): string;
  close(): Promise<void>;
}

export interface TokenOptions {
  claims?: Record<string, unknown>;
  key?: 'published' | 'other';
  header?: Record<string, unknown>;
  alg?: 'RS256' | 'none' | 'HS256';
}

const adaptiveCardType = 'application/vnd.microsoft.card.adaptive';

function rsaKey(): { privateKey: KeyObject; publicPem: string; jwk: { n: string; e: string } } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  return { privateKey, publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), jwk: { n: jwk.n!, e: jwk.e! } };
}

function signJwt(payload: Record<string, unknown>, key: ReturnType<typeof rsaKey>, kid: string, options: Pick<TokenOptions, 'header' | 'alg'> = {}): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const alg = options.alg ?? 'RS256';
  const data = `${part({ alg, typ: 'JWT', kid, ...options.header })}.${part(payload)}`;
  if (alg === 'none') return `${data}.`;
  if (alg === 'HS256') return `${data}.${createHmac('sha256', key.publicPem).update(data).digest('base64url')}`;
  return `${data}.${sign('RSA-SHA256', Buffer.from(data), key.privateKey).toString('base64url')}`;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A loopback Bot Connector: records what the bot sends, and publishes the keys inbound tokens are signed with. */
export async function startFakeBotConnector(): Promise<FakeBotConnector> {
  const activities: RecordedActivity[] = [];
  const failures: Failure[] = [];
  const kid = `test-key-${randomUUID()}`;
  const published = rsaKey();
  const other = rsaKey();
  let base = '';

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (req.method === 'GET' && url.pathname === '/v1/.well-known/openid-configuration') {
        return json(res, 200, { issuer: `${base}/`, jwks_uri: `${base}/v1/keys`, id_token_signing_alg_values_supported: ['RS256'] });
      }
      if (req.method === 'GET' && url.pathname === '/v1/keys') {
        return json(res, 200, { keys: [{ kty: 'RSA', use: 'sig', kid, ...published.jwk, endorsements: ['msteams'] }] });
      }
      const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?$/.exec(url.pathname);
      const kind = !match ? undefined : req.method === 'PUT' && match[2] ? 'update' : req.method === 'POST' ? (match[2] ? 'reply' : 'send') : undefined;
      if (!match || !kind) return json(res, 404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } });
      const activity = await readJson(req);
      const failure = failures[0];
      if (failure) {
        fake.refused += 1;
        failure.times = (failure.times ?? 1) - 1;
        if (failure.times <= 0) failures.shift();
        const headers: Record<string, string> = failure.retryAfter ? { 'retry-after': failure.retryAfter } : {};
        return json(res, failure.status, { error: { code: failure.code ?? 'Failed', message: 'refused by the fake' } }, headers);
      }
      const conversationId = decodeURIComponent(match[1]!);
      const activityId = match[2] ? decodeURIComponent(match[2]) : undefined;
      const id = kind === 'update' ? activityId! : `fake-${activities.length + 1}`;
      activities.push({ kind, conversationId, ...(activityId ? { activityId } : {}), id, activity });
      return json(res, kind === 'update' ? 200 : 201, { id });
    })().catch((err: unknown) => json(res, 500, { error: { code: 'FakeFailed', message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const serviceUrl = `${base}/`;
  const issuer = `${base}/issuer`;

  const fake: FakeBotConnector = {
    serviceUrl,
    openIdMetadataUrl: `${base}/v1/.well-known/openid-configuration`,
    issuer,
    activities,
    cards() {
      return activities.flatMap((a) =>
        (a.activity.attachments ?? [])
          .filter((att) => att.contentType === adaptiveCardType)
          .map((att) => ({ kind: a.kind, ...(a.activityId ? { activityId: a.activityId } : {}), id: a.id, card: att.content as AdaptiveCard })),
      );
    },
    failNext(failure) {
      failures.push({ ...failure });
    },
    refused: 0,
    reset() {
      activities.length = 0;
      failures.length = 0;
      fake.refused = 0;
    },
    token(appId, options = {}) {
      const seconds = Math.floor(Date.now() / 1000);
      const payload = { iss: issuer, aud: appId, serviceurl: serviceUrl, nbf: seconds - 60, iat: seconds - 60, exp: seconds + 3600, ...options.claims };
      return signJwt(payload, options.key === 'other' ? other : published, kid, options);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return fake;
}

/** A Teams user as the channel describes one: an opaque 29: id plus the Entra object id. */
export interface TeamsUser {
  id: string;
  aadObjectId: string;
  name: string;
}

export function teamsUser(name = 'Ada Lovelace'): TeamsUser {
  return { id: `29:1${randomUUID().replace(/-/g, '')}`, aadObjectId: randomUUID(), name };
}

export const botAccount = { id: '28:test-bot', name: 'Survey Bot' };

interface ActivityOptions {
  user: TeamsUser;
  serviceUrl: string;
  /** 'personal' (a 1:1 chat, the default) or 'channel' (a team channel). */
  scope?: 'personal' | 'channel';
  id?: string;
}

function envelope({ user, serviceUrl, scope = 'personal', id }: ActivityOptions) {
  const conversation =
    scope === 'personal'
      ? { conversationType: 'personal', tenantId: 'tenant-1', id: `a:1${user.aadObjectId.replace(/-/g, '')}` }
      : { conversationType: 'channel', isGroup: true, tenantId: 'tenant-1', id: '19:general@thread.tacv2;messageid=1700000000000' };
  return {
    id: id ?? `1${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    conversation,
    recipient: botAccount,
    locale: 'en-US',
    channelData: { tenant: { id: 'tenant-1' }, ...(scope === 'channel' ? { team: { id: '19:team@thread.tacv2' }, channel: { id: '19:general@thread.tacv2' } } : {}) },
  };
}

/** A typed message. */
export function messageActivity(text: string, options: ActivityOptions) {
  return { ...envelope(options), type: 'message', textFormat: 'plain', text };
}

/** A message in a team channel that @mentions the bot, with the mention entity Teams adds. */
export function mentionActivity(text: string, options: ActivityOptions) {
  const mention = `<at>${botAccount.name}</at>`;
  return {
    ...messageActivity(`${mention} ${text}`, { ...options, scope: options.scope ?? 'channel' }),
    entities: [
      { type: 'mention', text: mention, mentioned: { id: botAccount.id, name: botAccount.name } },
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web' },
    ],
  };
}

/** An Adaptive Card Action.Submit: a message with no text, `value` = the button's data, `replyToId` = the card. */
export function cardSubmitActivity(value: Record<string, unknown>, replyToId: string, options: ActivityOptions) {
  return { ...envelope(options), type: 'message', replyToId, value };
}

/** The bot was installed: Teams sends conversationUpdate with the bot in membersAdded. */
export function installActivity(options: ActivityOptions) {
  return { ...envelope(options), type: 'conversationUpdate', membersAdded: [{ id: botAccount.id }] };
}

/** The app was uninstalled from the personal scope. */
export function uninstallActivity(options: ActivityOptions) {
  return { ...envelope(options), type: 'installationUpdate', action: 'remove' };
}

/** POST an activity to the bot the way the Bot Framework channel does. */
export function postActivity(app: FastifyInstance, activity: object, token?: string, basePath = ''): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `${basePath}/api/messages`,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: JSON.stringify(activity),
  });
}
