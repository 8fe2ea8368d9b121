import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { digestSchedule, sendWindow, timeZone } from './domain/business-fields.js';
import { exampleAddress } from './domain/channel-facts.js';
import { channelNames, type ChannelName } from './domain/channels.js';
import { cleanText } from './domain/text.js';
import { localeSchema, readLanguages, registerLanguages } from './dialogs/languages.js';
import { describeIssues } from './errors.js';
import { SecretBox } from './security/secret-box.js';
import { teamsAppTypes, teamsIdentityProblems, telegramToken, telegramWebhookSecret, twilioAccountSid, twilioSender, whatsappSender, whatsappTemplate } from './businesses/identities.js';

/** "90s", "30m", "24h", "3d", or a plain number of milliseconds. */
const duration = z
  .string()
  .trim()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'a duration such as 30m, 24h or 3d')
  .transform((v) => {
    const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v)!;
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? 'ms'];
    return Number(m[1]) * (unit ?? 1);
  });

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalText = z.string().trim().min(1).optional();

/**
 * Which proxies' X-Forwarded-For is believed: `false` (none, the default), a number of hops in front
 * of the server, or a comma-separated list of proxy addresses and CIDR ranges (or `loopback`,
 * `linklocal`, `uniquelocal`). Never every sender: then any client picks its own address.
 */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => /^(false|0|[1-9]\d?)$/.test(v) || v.split(',').every((p) => ['loopback', 'linklocal', 'uniquelocal'].includes(p.trim()) || ipaddr.isValid(p.trim()) || ipaddr.isValidCIDR(p.trim())),
    'false, a number of proxy hops such as 1, or proxy addresses and CIDR ranges such as 10.0.0.0/8,loopback (not true: any client could then choose its address)',
  )
  .transform((v): false | number | string[] => (v === 'false' || v === '0' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim())));

const ownerPair = `(${channelNames.join('|')}):[^,\\s]+`;
const ownerAddresses = z
  .string()
  .regex(new RegExp(`^\\s*${ownerPair}(\\s*,\\s*${ownerPair})*\\s*$`), `comma-separated channel:address pairs such as ${channelNames.slice(0, 2).map(exampleAddress).join(',')}`)
  .transform((v) =>
    v.split(',').map((pair) => {
      const [channel, ...rest] = pair.trim().split(':');
      return { channel: channel as ChannelName, address: rest.join(':') };
    }),
  );

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PUBLIC_URL: z.url({ message: 'the public https URL of this server, e.g. https://bot.example.com' }).optional(),
    MONGODB_URI: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'a MongoDB connection string starting with mongodb:// or mongodb+srv://')
      .optional(),
    DATA_DIR: z.string().default('.data'),
    BUSINESS_NAME: z.string().overwrite(cleanText).min(1).default('Our shop'),
    BUSINESS_TIME_ZONE: timeZone.default('UTC'),
    LANGUAGES_DIR: optionalText,
    DEFAULT_LOCALE: localeSchema.default('en'),
    DEFAULT_COUNTRY: z
      .string()
      .regex(/^[A-Z]{2}$/, 'a two-letter country code such as US')
      .default('US'),
    SEND_WINDOW: sendWindow.prefault('09:00-20:00'),
    REMINDER_AFTER: duration.prefault('24h'),
    SURVEY_TTL: duration.prefault('72h'),
    THROTTLE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
    SWEEP_INTERVAL: duration.prefault('30s'),
    BUSINESS_REFRESH: duration.prefault('5s'),
    ANALYSIS_LIVE_ANSWERS: z.coerce.number().int().min(0).max(10_000_000).optional(),
    API_KEY: z.string().min(16, 'at least 16 characters').optional(),
    METRICS_ENABLED: bool.default(true),
    METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    TRACING_ENABLED: bool.default(false),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).optional(),
    OTEL_SERVICE_NAME: z.string().trim().min(1).default('survey-bot'),
    API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
    RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
    SIGN_IN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
    TRUST_PROXY: trustProxy.default(false),
    SECRETS_KEY: z
      .string()
      .refine((v) => SecretBox.parseKey(v) !== undefined, '32 random bytes as 64 hex digits or base64 (openssl rand -base64 32)')
      .optional(),

    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .regex(/^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$/, 'comma-separated host names or IP addresses such as 127.0.0.1,crm.internal')
      .transform((v) => v.split(',').map((h) => h.trim()))
      .optional(),

    /** Off by default in production: anyone may open it, and each visitor is a customer and a survey. */
    WEB_CHAT_ENABLED: bool.optional(),
    /** Web chat visitors one network address may start an hour (each is a customer and a survey). */
    WEB_CHAT_VISITORS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
    /** Web answers (surveys started) one device may give per entry point, business and day; past it they are refused and counted. */
    WEB_ANSWERS_PER_DEVICE: z.coerce.number().int().min(1).max(100_000).default(3),
    /** The same per network address (a shop's guest Wi-Fi is one address for all its customers). */
    WEB_ANSWERS_PER_NETWORK: z.coerce.number().int().min(1).max(1_000_000).default(30),
    OWNER_ADDRESSES: ownerAddresses.optional(),
    DIGEST_SCHEDULE: digestSchedule.prefault('mon 09:00'),

    // The environment's business's identities: the same field rules as a stored business's (identities.ts).
    TWILIO_ACCOUNT_SID: twilioAccountSid.optional(),
    TWILIO_AUTH_TOKEN: optionalText,
    TWILIO_FROM: twilioSender.optional(),
    TWILIO_API_BASE_URL: z.url().optional(),
    SMS_RATE_PER_SECOND: z.coerce.number().positive().max(100).default(1),
    /** The environment's business's WhatsApp sender (same account as SMS): whatsapp:+E164 or MG…. */
    TWILIO_WHATSAPP_FROM: whatsappSender.optional(),
    WHATSAPP_RATE_PER_SECOND: z.coerce.number().positive().max(80).default(80),
    /** Its approved templates, a JSON array of {purpose, kind?, locale, contentSid, variables}. */
    WHATSAPP_TEMPLATES: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not JSON: a JSON array of templates' });
          return z.NEVER;
        }
      })
      .pipe(z.array(whatsappTemplate))
      .optional(),

    TELEGRAM_BOT_TOKEN: telegramToken.optional(),
    TELEGRAM_WEBHOOK_SECRET: telegramWebhookSecret.optional(),
    TELEGRAM_API_ROOT: z.url().optional(),
    TELEGRAM_POLLING: bool.default(false),

    TEAMS_APP_ID: optionalText,
    TEAMS_APP_PASSWORD: optionalText,
    TEAMS_APP_TYPE: z.enum(teamsAppTypes).default('SingleTenant'),
    TEAMS_TENANT_ID: optionalText,
    TEAMS_AUTH_DISABLED: bool.default(false),
    TEAMS_OPENID_METADATA_URL: z.url({ message: 'the URL of an OpenID configuration document' }).optional(),
    TEAMS_TOKEN_ISSUER: optionalText,
  })
  .superRefine((env, ctx) => {
    const need = (cond: boolean, names: (keyof typeof env)[], why: string) => {
      if (!cond) return;
      for (const name of names) {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required ${why}` });
      }
    };
    need(env.TWILIO_ACCOUNT_SID !== undefined && env.TWILIO_WHATSAPP_FROM === undefined, ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'PUBLIC_URL'], 'when TWILIO_ACCOUNT_SID is set (SMS enabled)');
    need(env.TWILIO_WHATSAPP_FROM !== undefined, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'PUBLIC_URL'], 'when TWILIO_WHATSAPP_FROM is set (WhatsApp enabled)');
    need(env.TELEGRAM_BOT_TOKEN !== undefined, ['TELEGRAM_WEBHOOK_SECRET'], 'when TELEGRAM_BOT_TOKEN is set (Telegram enabled)');
    need(env.TELEGRAM_BOT_TOKEN !== undefined && !env.TELEGRAM_POLLING, ['PUBLIC_URL'], 'for the Telegram webhook');
    if (env.TEAMS_APP_ID !== undefined) {
      const teams = { appType: env.TEAMS_APP_TYPE, appPassword: env.TEAMS_APP_PASSWORD ?? (env.TEAMS_AUTH_DISABLED ? '-' : undefined), tenantId: env.TEAMS_TENANT_ID };
      for (const { field, message } of teamsIdentityProblems(teams)) {
        ctx.addIssue({ code: 'custom', path: [field === 'tenantId' ? 'TEAMS_TENANT_ID' : 'TEAMS_APP_PASSWORD'], message });
      }
    }
    // Either both or neither: a key set from one place and an issuer from another would check nothing.
    need(env.TEAMS_OPENID_METADATA_URL !== undefined, ['TEAMS_TOKEN_ISSUER'], 'when TEAMS_OPENID_METADATA_URL is set');
    need(env.TEAMS_TOKEN_ISSUER !== undefined, ['TEAMS_OPENID_METADATA_URL'], 'when TEAMS_TOKEN_ISSUER is set');
    if (env.NODE_ENV === 'production' && env.TEAMS_OPENID_METADATA_URL !== undefined && !env.TEAMS_OPENID_METADATA_URL.startsWith('https://')) {
      ctx.addIssue({ code: 'custom', path: ['TEAMS_OPENID_METADATA_URL'], message: 'must be an https URL when NODE_ENV=production' });
    }
    // These would send every business's provider credentials to another host.
    for (const name of ['TWILIO_API_BASE_URL', 'TELEGRAM_API_ROOT'] as const) {
      if (env.NODE_ENV === 'production' && env[name] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: 'must not be set when NODE_ENV=production (it redirects provider traffic and credentials; for tests only)' });
      }
    }
    if (env.TEAMS_AUTH_DISABLED && env.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['TEAMS_AUTH_DISABLED'], message: 'must not be true when NODE_ENV=production' });
    }
    if (env.NODE_ENV === 'production' && env.SECRETS_KEY === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SECRETS_KEY'], message: 'required when NODE_ENV=production (it encrypts the stored channel secrets)' });
    }
    if (env.NODE_ENV === 'production' && env.MONGODB_URI === undefined) {
      ctx.addIssue({ code: 'custom', path: ['MONGODB_URI'], message: 'required when NODE_ENV=production (the embedded database is for trying the bot)' });
    }
  });

export type Env = z.input<typeof envSchema>;

function toConfig(env: z.output<typeof envSchema>) {
  return {
    nodeEnv: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, ''),
    mongodbUri: env.MONGODB_URI,
    dataDir: env.DATA_DIR,
    business: {
      name: env.BUSINESS_NAME,
      timeZone: env.BUSINESS_TIME_ZONE,
      locale: env.DEFAULT_LOCALE,
      country: env.DEFAULT_COUNTRY,
      sendWindow: env.SEND_WINDOW,
      throttleDays: env.THROTTLE_DAYS,
    },
    survey: { reminderAfterMs: env.REMINDER_AFTER, ttlMs: env.SURVEY_TTL, sweepIntervalMs: env.SWEEP_INTERVAL },
    /** How often each instance reads every business's revision, to serve what another instance changed (0: never). */
    businessRefreshMs: env.BUSINESS_REFRESH,
    /** A week with more answers than this is analysed by the sweeper, its reports served the last analysis meanwhile (the store's default when unset). */
    liveAnalysisAnswers: env.ANALYSIS_LIVE_ANSWERS,
    apiKey: env.API_KEY,
    /** Prometheus metrics at /metrics; with a token, only for `Authorization: Bearer <token>`. */
    metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN },
    /** OpenTelemetry traces, off by default; exported over OTLP/HTTP when an endpoint is set. */
    tracing: { enabled: env.TRACING_ENABLED, otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
    /** Requests a minute per API key (per address before a key is known) on /api/v1. */
    apiRateLimit: env.API_RATE_LIMIT,
    /** Requests a minute per client address: every route outside /api/v1 and the providers' webhooks, and the dashboard sign-in. */
    rateLimits: { perAddress: env.RATE_LIMIT, signIn: env.SIGN_IN_RATE_LIMIT },
    /** Fastify's `trustProxy`: whose X-Forwarded-For names the client (false: the connection's address). */
    trustProxy: env.TRUST_PROXY,
    /** Encrypts secrets at rest; without it (not in production) a key file in DATA_DIR is made. */
    secretsKey: env.SECRETS_KEY,
    /** Hosts outbound webhooks may reach though they are internal (tests' loopback receivers, an operator's own systems). */
    webhookAllowedHosts: env.WEBHOOK_ALLOWED_HOSTS ?? [],
    owners: { addresses: env.OWNER_ADDRESSES ?? [], digestSchedule: env.DIGEST_SCHEDULE },
    web: { enabled: env.WEB_CHAT_ENABLED ?? env.NODE_ENV !== 'production', visitorsPerHour: env.WEB_CHAT_VISITORS_PER_HOUR, answersPerDevice: env.WEB_ANSWERS_PER_DEVICE, answersPerNetwork: env.WEB_ANSWERS_PER_NETWORK },
    /** Stand-ins for the providers' APIs for every business's clients (tests; refused in production). */
    providers: { twilioApiBaseUrl: env.TWILIO_API_BASE_URL, telegramApiRoot: env.TELEGRAM_API_ROOT },
    twilio:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_FROM
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_FROM,
            ratePerSecond: env.SMS_RATE_PER_SECOND,
          }
        : undefined,
    whatsapp:
      env.TWILIO_ACCOUNT_SID && env.TWILIO_AUTH_TOKEN && env.TWILIO_WHATSAPP_FROM
        ? {
            accountSid: env.TWILIO_ACCOUNT_SID,
            authToken: env.TWILIO_AUTH_TOKEN,
            from: env.TWILIO_WHATSAPP_FROM,
            ratePerSecond: env.WHATSAPP_RATE_PER_SECOND,
            templates: env.WHATSAPP_TEMPLATES ?? [],
          }
        : undefined,
    telegram:
      env.TELEGRAM_BOT_TOKEN && env.TELEGRAM_WEBHOOK_SECRET
        ? {
            token: env.TELEGRAM_BOT_TOKEN,
            webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
            polling: env.TELEGRAM_POLLING,
          }
        : undefined,
    teams: env.TEAMS_APP_ID !== undefined || env.TEAMS_AUTH_DISABLED
      ? {
          appId: env.TEAMS_APP_ID ?? '',
          appPassword: env.TEAMS_APP_PASSWORD ?? '',
          appType: env.TEAMS_APP_TYPE,
          tenantId: env.TEAMS_TENANT_ID,
          authDisabled: env.TEAMS_AUTH_DISABLED,
          tokenValidation:
            env.TEAMS_OPENID_METADATA_URL && env.TEAMS_TOKEN_ISSUER
              ? { openIdMetadataUrl: env.TEAMS_OPENID_METADATA_URL, issuer: env.TEAMS_TOKEN_ISSUER }
              : undefined,
        }
      : undefined,
  };
}

export type Config = ReturnType<typeof toConfig>;

/** A start-up configuration problem: one line per bad or missing variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parse the environment once. Empty strings count as unset, as in most .env tooling. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  // A deployer's languages, read before the rest so DEFAULT_LOCALE may name one of them.
  const extra = present.LANGUAGES_DIR ? readLanguages(resolve(present.LANGUAGES_DIR)) : { languages: [], problems: [] };
  if (extra.problems.length > 0) throw new ConfigError(extra.problems.map((p) => `LANGUAGES_DIR: ${p}`));
  registerLanguages(extra.languages);
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, 'environment'));
  return toConfig(parsed.data);
}

/** The values of those variables in a parsed configuration, for the log redaction. */
export function secretValues(config: Config): string[] {
  const values = [config.twilio?.authToken, config.whatsapp?.authToken, config.telegram?.token, config.telegram?.webhookSecret, config.teams?.appPassword, config.apiKey, config.mongodbUri, config.secretsKey, config.metrics.token];
  return values.filter((v): v is string => !!v);
}
