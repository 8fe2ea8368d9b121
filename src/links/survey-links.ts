import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import { freeText } from '../domain/text.js';
import { AppError, NotFoundError } from '../errors.js';
import type { Store, SurveyLinkRecord } from '../store/index.js';
import { localeSchema } from '../dialogs/languages.js';

/*
 * Survey links: `/s/<code>` opens a business's web chat with a context (kind, language, location,
 * staff member, product, campaign), so the answers count in those cohorts and in the link's own
 * (`link:<code>`). The code is the only thing printed: 12 characters of base62 drawn from the
 * system's cryptographic random source (about 71 bits), so links cannot be guessed or listed.
 */

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const codeLength = 12;
export const codePattern = /^[0-9A-Za-z]{12}$/;

/** A new code: each character drawn uniformly (no modulo bias) from the crypto source. */
export function newCode(): string {
  let code = '';
  for (let i = 0; i < codeLength; i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

/** The session's entry for a visitor who came through a link: what the web chat hands the product. */
export const linkEntry = (code: string) => `link:${code}`;

/** An ISO 8601 moment, as the document says (a bare date is its midnight UTC). */
const moment = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'an ISO 8601 date and time, such as 2026-06-30T18:00:00Z' })
  .transform((v) => new Date(v));

export const linkInput = z.strictObject({
  kind: z.enum(surveyKinds).default('nps'),
  locale: localeSchema.optional().describe('The language the survey and the poster speak; the business\'s own when left out'),
  label: freeText(100).optional().describe('What the owner calls it ("Counter, Main Street")'),
  location: freeText(100).optional(),
  staff: freeText(100).optional(),
  product: freeText(100).optional(),
  campaign: freeText(50).optional().describe('Counted as a tag of each survey (the cohort `tag:<campaign>`)'),
  expiresAt: moment.optional().describe('After this moment the link shows a page saying it has ended (410)'),
});
export type LinkInput = z.output<typeof linkInput>;

/** Only the fields given change; an empty change reads the link as it is. */
export const linkChange = z.strictObject({
  paused: z.boolean().optional().describe('true: the link shows a page saying it is paused (410) until resumed'),
  expiresAt: moment.nullable().optional().describe('null: never expires'),
  label: freeText(100).optional(),
});
export type LinkChange = z.output<typeof linkChange>;

export type LinkState = 'active' | 'paused' | 'expired';

export function linkState(link: SurveyLinkRecord, now: Date): LinkState {
  if (link.pausedAt) return 'paused';
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** A link that exists but does not take answers now (paused or past its expiry). */
export class LinkGoneError extends AppError {
  override readonly statusCode = 410;
  override readonly expected = true;
}

/** Creates a link (input checked by `linkInput`) with a fresh code (another is drawn in the unlikely case it is taken). */
export async function createLink(store: Store, businessId: string, input: LinkInput, now: Date): Promise<SurveyLinkRecord> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const link = { code: newCode(), businessId, ...input, createdAt: now };
    if (await store.surveyLinks.insert(link)) return { ...link, opened: 0 };
  }
  throw new Error('no free link code after 5 draws');
}

/** Applies a change checked by `linkChange`. */
export async function changeLink(store: Store, businessId: string, code: string, change: LinkChange, now: Date): Promise<SurveyLinkRecord> {
  const updated = await store.surveyLinks.update(businessId, code, {
    ...(change.paused === undefined ? {} : { pausedAt: change.paused ? now : null }),
    ...(change.expiresAt === undefined ? {} : { expiresAt: change.expiresAt }),
    ...(change.label === undefined ? {} : { label: change.label }),
  });
  if (!updated) throw new NotFoundError(`no link ${code}`);
  return updated;
}

/** What a survey opened through a link starts with. */
export interface LinkStart {
  code: string;
  kind: SurveyKind;
  locale?: Locale;
  context: { location?: string; staff?: string; product?: string };
  tags?: string[];
}

/**
 * The survey an entry `link:<code>` starts for the business whose web chat it came through: 404 for
 * an unknown code or one of another business, 410 for a paused or expired link.
 */
export async function linkStart(store: Store, businessId: string, entry: string, now: Date): Promise<LinkStart> {
  const code = entry.startsWith('link:') ? entry.slice(5) : '';
  const link = codePattern.test(code) ? await store.surveyLinks.byCode(code) : undefined;
  if (!link || link.businessId !== businessId) throw new NotFoundError('This survey link does not exist.');
  const state = linkState(link, now);
  if (state !== 'active') throw new LinkGoneError(state === 'paused' ? 'This survey is paused.' : 'This survey has ended.');
  const context = Object.fromEntries((['location', 'staff', 'product'] as const).flatMap((k) => (link[k] ? [[k, link[k]]] : [])));
  return { code, kind: link.kind, ...(link.locale ? { locale: link.locale } : {}), context, ...(link.campaign ? { tags: [link.campaign] } : {}) };
}
