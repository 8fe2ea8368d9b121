import type { FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';

/** The server's log to standard output: bytes gathered before one write, and the longest a line waits. */
export const logBuffer = { minLength: 4_096, flushMs: 1_000 };
let stdout: DestinationStream | undefined;

/**
 * Standard output written in blocks of about 4 KB (or every second), never from inside a request: a
 * write per line was a system call per line, two per request at `info`. pino flushes what is left
 * synchronously when the process exits, a crash included; a SIGKILL loses at most the last second.
 */
export function logDestination(): DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false, minLength: logBuffer.minLength, periodicFlush: logBuffer.flushMs });
  return stdout;
}

/** Phone numbers and numeric chat ids: seven or more digits, optionally with +, spaces, dots, dashes, brackets. */
const longNumber = /\+?\d[\d ().-]{5,}\d/g;

/** Keep the last two digits so support can still tell two people apart in a log. */
export function maskAddress(value: string): string {
  const digits = value.replace(/\D/g, '');
  return digits.length >= 2 ? `***${digits.slice(-2)}` : '***';
}

/** Web chat visitor ids: the only credential for a transcript, and part of the chat's URLs. */
const visitorId = /\bv_[A-Za-z0-9_-]{6,64}/g;

/** A dashboard sign-in link's token: whoever reads it within 15 minutes could sign in as the owner. */
const signInToken = /(\/dashboard\/login\/)[^/?#\s"]+/g;
/** A served picture's token: whoever reads it may fetch the picture until it expires. */
const mediaToken = /(\/media\/)[A-Za-z0-9_-]{8,}/g;
/** Stored API keys (`sk_<id>_<secret>`), wherever they appear. */
const storedKey = /\bsk_[A-Za-z0-9_-]{8,}/g;
/** Query parameters whose value is a credential (`?api_key=…`, `&token=…`): keys sent the wrong way are still keys. */
const credentialParam = /([?&;](?:[\w.-]*(?:key|token|secret|password|passwd|signature|sig|auth|session|code))=)[^&#\s"]*/gi;

/** Replace secrets, credentials in URLs, web chat visitor ids and phone-number-like runs in free text. */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('[secret]');
  out = out.replace(signInToken, '$1[redacted]').replace(mediaToken, '$1[redacted]').replace(credentialParam, '$1[redacted]').replace(storedKey, 'sk_[redacted]');
  out = out.replace(visitorId, 'v_***');
  return out.replace(longNumber, (m) => (m.replace(/\D/g, '').length >= 7 ? maskAddress(m) : m));
}

/** Fields that hold personal addresses anywhere in a log object. */
const addressFields = ['address', 'phone', 'to', 'from', 'chatId', 'userId', 'customerAddress', 'From', 'To', 'visitorId'];
const secretFields = ['token', 'authToken', 'password', 'apiKey', 'secret', 'appPassword', 'webhookSecret'];
const headerSecrets = ['authorization', 'cookie', 'x-twilio-signature', 'x-telegram-bot-api-secret-token', 'x-api-key'];

export const redactPaths = [
  ...addressFields,
  ...addressFields.map((f) => `*.${f}`),
  ...secretFields,
  ...secretFields.map((f) => `*.${f}`),
  ...headerSecrets.map((h) => `req.headers["${h}"]`),
];

function censor(value: unknown, path: string[]): unknown {
  const field = path[path.length - 1] ?? '';
  if (addressFields.includes(field) && (typeof value === 'string' || typeof value === 'number')) {
    return maskAddress(String(value));
  }
  return '[redacted]';
}

/**
 * pino options shared by the server and the tests: secrets and personal data never reach a log.
 * `stream` is where the server writes (Fastify reads it; a test passes its own stream instead).
 */
export function loggerOptions(level: string, secrets: readonly string[]): LoggerOptions & { stream: DestinationStream } {
  return {
    level,
    stream: logDestination(),
    redact: { paths: redactPaths, censor },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === 'string' ? redactText(a, secrets) : a));
        return method.apply(this, scrubbed as Parameters<typeof method>);
      },
    },
    serializers: {
      req(req: FastifyRequest) {
        return { method: req.method, url: redactText(req.url ?? '', secrets), remoteAddress: req.ip };
      },
      err(err: Error & { code?: unknown; statusCode?: number }) {
        return {
          type: err.name,
          message: redactText(err.message, secrets),
          code: err.code,
          statusCode: err.statusCode,
          stack: err.stack ? redactText(err.stack, secrets) : undefined,
        };
      },
    },
  };
}
