import { z } from 'zod';
import { channelNames } from '../../domain/channels.js';
import { surveyKinds, surveyTriggers } from '../../domain/surveys.js';
import { problemSchema } from './problems.js';

/** Shapes the v1 routes share; each with an id becomes a component of the OpenAPI document. */
export const objectIdParam = z.strictObject({ id: z.string().describe('A 24-character hex id') });

const state = z.enum(['invited', 'awaiting_reason', 'awaiting_comment', 'completed', 'expired', 'opted_out']);
const band = z.enum(['detractor', 'passive', 'promoter']);
const reply = z.object({ text: z.string(), at: z.date(), by: z.string() });

export const surveySchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    kind: z.enum(surveyKinds),
    channel: z.enum(channelNames),
    address: z.string(),
    state,
    score: z.number().nullable(),
    band: band.nullable(),
    reason: z.string().nullable().describe("The key of the reason chosen (the business's optional reason question)"),
    comment: z.string().nullable(),
    customerName: z.string().nullable(),
    context: z.string().nullable(),
    product: z.string().nullable(),
    order: z.string().nullable(),
    location: z.string().nullable(),
    staff: z.string().nullable().describe('The staff member the survey is about (its context)'),
    trigger: z.enum(surveyTriggers),
    identity: z.enum(['anonymous', 'identified']).describe('anonymous: started by a visitor of the public web chat, who is no known customer'),
    tags: z.array(z.string()),
    invitedAt: z.date(),
    answeredAt: z.date().nullable(),
    completedAt: z.date().nullable(),
    delivery: z.unknown().optional().describe('The invitation\'s delivery state (single survey only)'),
    replies: z.array(reply),
    firstReplyAt: z.date().nullable(),
    timeToFirstReplyMs: z.number().nullable(),
  })
  .meta({ id: 'Survey' });

export const surveyPage = z.object({
  items: z.array(surveySchema),
  next: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last page'),
});

export const surveyFilterQuery = z.strictObject({
  kind: z.enum(surveyKinds).optional(),
  channel: z.enum(channelNames).optional(),
  state: state.optional(),
  band: band.optional(),
  tag: z.string().min(1).max(50).optional(),
  customerId: z.string().regex(/^[a-f0-9]{24}$/i, 'a customer id (24 hex characters)').optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('invitedAt at or after (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).optional().describe('invitedAt before (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // The last id of a page (12 bytes) in base64url: 16 characters.
  cursor: z.string().regex(/^[A-Za-z0-9_-]{16}$/, 'not a cursor from a previous page').optional(),
});

export const startResult = z
  .object({
    ok: z.literal(true),
    status: z.enum(['sent', 'queued', 'opted_out', 'already_open', 'throttled']),
    surveyId: z.string().optional(),
    sendAt: z.date().optional(),
    until: z.date().optional(),
    delivery: z.string().optional(),
  })
  .meta({ id: 'StartResult' });

export const bulkResult = z.object({
  results: z.array(z.union([startResult.extend({ row: z.number().int() }), z.object({ row: z.number().int(), ok: z.literal(false), error: z.string() })])),
  accepted: z.number().int(),
  rejected: z.number().int(),
});

export const customerSchema = z
  .object({
    id: z.string(),
    channel: z.enum([...channelNames, 'external']).describe('external: known only to other systems (by external id or e-mail), reachable on no channel'),
    address: z.string(),
    name: z.string().nullable(),
    locale: z.string().nullable(),
    tags: z.array(z.string()),
    optedOut: z.boolean(),
    lastSurveyedAt: z.date().nullable(),
  })
  .meta({ id: 'Customer' });

export const statsSchema = z
  .object({
    days: z.number(),
    fromWeek: z.string().describe('First week counted (its Monday, business time zone)'),
    toWeek: z.string(),
    kinds: z.array(
      z.object({
        kind: z.enum(surveyKinds),
        n: z.number().describe('Surveys that got a score'),
        score: z.number().nullable(),
        marginOfError: z.number().nullable().describe('95 % margin of error of the score'),
        sent: z.number(),
        responseRate: z.number().nullable(),
        completionRate: z.number().nullable(),
        abandonmentRate: z.number().nullable(),
      }),
    ),
    reasons: z
      .array(z.object({ reason: z.string().describe('The key of a choice of the reason question'), count: z.number().describe('Answers that gave it') }))
      .describe('Answers per reason over these weeks (the optional reason question), most given first; from the reason:<key> cohort counters'),
  })
  .meta({ id: 'Stats' });

/** The problem responses every v1 route may give, for the document. */
export function problems(...statuses: number[]) {
  const content = { [`application/problem+json`]: { schema: problemSchema } };
  return Object.fromEntries([400, 401, 403, 429, ...statuses].map((s) => [s, { description: 'Problem details (RFC 9457)', content }]));
}
