import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, ValidationError } from '../../errors.js';
import { MethodNotAllowedError } from './methods.js';

/** RFC 9457 problem details: the one error shape under /api/v1. */
export const problemSchema = z
  .object({
    type: z.string().describe('A URI naming the kind of problem'),
    title: z.string().describe('The kind of problem in words (the same for every problem of a type)'),
    status: z.number().int(),
    detail: z.string().describe('What went wrong this time'),
    instance: z.string().describe('The path of the request'),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('For a 400: each wrong field and why'),
  })
  .meta({ id: 'Problem' });
export type Problem = z.output<typeof problemSchema>;
export const problemContentType = 'application/problem+json';

/** A 400 that names its fields (from a zod error, or given). */
export class InvalidFieldsError extends ValidationError {
  constructor(
    message: string,
    readonly fields: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }

  static fromZod(error: z.ZodError, root = 'body'): InvalidFieldsError {
    const fields = error.issues.flatMap((i) => fieldsOf(i.path.map(String), i.code, i.message, (i as { keys?: string[] }).keys, root));
    return new InvalidFieldsError(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
  }
}

/** One entry per wrong field; an unknown key names itself. */
function fieldsOf(path: string[], code: string, message: string, keys: string[] | undefined, root: string) {
  if (code === 'unrecognized_keys' && keys?.length) return keys.map((k) => ({ field: [...path, k].join('.'), message: 'unknown field' }));
  return [{ field: path.join('.') || root, message }];
}

const slugs: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  503: 'service-unavailable',
};

export function problem(request: FastifyRequest, status: number, detail: string, errors?: Problem['errors']): Problem {
  return {
    type: `urn:survey-bot:problem:${slugs[status] ?? (status >= 500 ? 'internal-error' : 'client-error')}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    ...(errors?.length ? { errors } : {}),
  };
}

/** Sent as text so no route's response schema reshapes it. */
export function sendProblem(reply: FastifyReply, p: Problem) {
  return reply.code(p.status).type(problemContentType).send(JSON.stringify(p));
}

/** Field-by-field errors of a plain ValidationError whose message reads `field: message; …`, else the whole body. */
function fieldsFromMessage(message: string, root: string) {
  const parts = message.split('; ').map((part) => /^([\w.[\]]+): (.+)$/.exec(part));
  if (parts.every((m) => m)) return parts.map((m) => ({ field: m![1]!, message: m![2]! }));
  return [{ field: root, message }];
}

const contexts: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'headers' };

/** The v1 error handler: every refusal and failure as problem+json; 5xx details stay in the log. */
export function problemHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const root = contexts[err.validationContext ?? 'body'] ?? 'body';
    const fields = err.validation.flatMap((v) => {
      const path = v.instancePath.split('/').filter(Boolean);
      return fieldsOf(path, v.keyword, v.message ?? 'invalid', (v.params as { keys?: string[] }).keys, root);
    });
    request.log.info({ err: { message: 'request validation failed', fields: fields.map((f) => f.field) } }, 'request refused');
    return sendProblem(reply, problem(request, 400, fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields));
  }
  const status = err instanceof AppError ? err.statusCode : (err.statusCode ?? 500);
  // An expected 5xx (a business that cannot be served as stored) says why; any other keeps its details in the log.
  if (status >= 500 && !(err instanceof AppError && err.expected)) {
    request.log.error({ err }, 'request failed');
    return sendProblem(reply, problem(request, status, 'Something went wrong on our side.'));
  }
  request.log.info({ err: { message: err.message } }, 'request refused');
  if (err instanceof MethodNotAllowedError) void reply.header('allow', err.allow.join(', '));
  let errors: Problem['errors'];
  if (err instanceof InvalidFieldsError) errors = err.fields;
  else if (status === 400) errors = fieldsFromMessage(err.message, 'body');
  return sendProblem(reply, problem(request, status, detailOf(err, status), errors));
}

/**
 * Refusals Fastify makes before any route is found (a path segment longer than the router takes,
 * a URL it cannot decode): problem details under /api/v1, elsewhere Fastify's own shape.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 400;
  const detail = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The URL could not be read.';
  if (request.url.startsWith('/api/v1/')) return sendProblem(reply, problem(request, status, detail));
  return reply.code(status).send({ error: STATUS_CODES[status], code: err.code, message: detail, statusCode: status });
}

/** Fastify's own refusals in words a client can act on. */
function detailOf(err: FastifyError, status: number): string {
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return 'Unsupported content type: send application/json (or text/csv where a route says so).';
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'The request body is too large.';
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'The body is empty but the content type says JSON.';
  if (status === 400 && (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError)) return `The body is not valid JSON: ${err.message}`;
  return err.message;
}
