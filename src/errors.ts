import type { z } from 'zod';

/**
 * Errors that carry an HTTP status. `expected` marks a business refusal (bad input, opted out,
 * throttled) that is answered to the caller and not reported as a crash.
 */
export class AppError extends Error {
  readonly statusCode: number = 500;
  readonly expected: boolean = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  override readonly statusCode = 400;
  override readonly expected = true;
}

export class UnauthorizedError extends AppError {
  override readonly statusCode = 401;
  override readonly expected = true;
}

export class ForbiddenError extends AppError {
  override readonly statusCode = 403;
  override readonly expected = true;
}

export class NotFoundError extends AppError {
  override readonly statusCode = 404;
  override readonly expected = true;
}

export class ConflictError extends AppError {
  override readonly statusCode = 409;
  override readonly expected = true;
}

/**
 * A business that is stored but cannot be served as stored (its identities do not open or are no
 * longer accepted): its routes answer 503 with the reason, which names no secret, until it is mended.
 */
export class ServiceUnavailableError extends AppError {
  override readonly statusCode = 503;
  override readonly expected = true;
}

/** One `path: message` line per zod issue; issues at the root are labelled `root`, or bare when it is omitted. */
export function describeIssues(error: z.ZodError, root?: string): string[] {
  return error.issues.map((i) => {
    const where = i.path.join('.') || root;
    return where ? `${where}: ${i.message}` : i.message;
  });
}

/** `schema.parse` that throws a ValidationError (400) with one `path: message` per bad field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, root: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(describeIssues(parsed.error, root).join('; '));
  return parsed.data;
}
