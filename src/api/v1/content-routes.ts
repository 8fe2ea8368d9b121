import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { maxSmsSegments } from '../../content/preview.js';
import { checkWording, currentWording, messagesInput, previewFor, tooLong, type WordingMessages } from '../../content/wording-check.js';
import { placeholders, wordingKeys } from '../../dialogs/prompts/index.js';
import { surveyKinds, type Locale, type SurveyKind } from '../../domain/surveys.js';
import { freeText } from '../../domain/text.js';
import type { WordingEntry } from '../../store/index.js';
import { InvalidFieldsError } from './problems.js';
import { problems } from './schemas.js';
import { localeSchema } from '../../dialogs/languages.js';

const params = z.strictObject({ kind: z.enum(surveyKinds), locale: localeSchema });
const sampleInput = z
  .strictObject({ name: freeText(100), context: freeText(200), product: freeText(100), order: freeText(100), location: freeText(100) })
  .partial()
  .describe('Values to fill the placeholders with in the preview (the business name is its own)');

const wordingSchema = z
  .object({
    kind: z.enum(surveyKinds),
    locale: localeSchema,
    messages: z.array(z.object({ key: z.enum(wordingKeys), text: z.string(), custom: z.boolean().describe("true: the business's own; false: the shipped wording") })),
    placeholders: z.record(z.string(), z.string()).describe('What each placeholder holds'),
  })
  .meta({ id: 'Wording' });

const previewSchema = z
  .object({
    kind: z.enum(surveyKinds),
    locale: localeSchema,
    maxSmsSegments: z.number().int(),
    messages: z.array(
      z.object({
        key: z.string(),
        flags: z.array(z.string()).describe('What to look at before saving (an SMS over maxSmsSegments segments)'),
        channels: z.object({
          sms: z.object({ text: z.string(), encoding: z.enum(['GSM-7', 'UCS-2']), segments: z.number().int(), characters: z.number().int() }),
          telegram: z.object({ text: z.string(), keyboard: z.array(z.array(z.string())) }),
          teams: z.object({ text: z.string(), buttons: z.array(z.string()), commentBox: z.object({ placeholder: z.string(), send: z.string(), skip: z.string() }).nullable() }),
          web: z.object({ text: z.string(), buttons: z.array(z.string()), dir: z.enum(['ltr', 'rtl']) }),
        }),
      }),
    ),
  })
  .meta({ id: 'WordingPreview' });

/** The business's own messages for one kind and language, checked: 400 naming each refused one. */
function checked(kind: SurveyKind, locale: Locale, messages: WordingMessages) {
  const { entries, refused } = checkWording(kind, locale, messages);
  const fields = refused.map((r) => ({ field: `messages.${r.key}`, message: r.reason }));
  if (fields.length) throw new InvalidFieldsError(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
  return entries;
}

function wordingJson(kind: SurveyKind, locale: Locale, entries: readonly WordingEntry[]) {
  return {
    kind,
    locale,
    messages: currentWording(kind, locale, entries),
    placeholders: { ...placeholders, question: 'the question, in the invitation and the reminder' },
  };
}

/** A business's own wording of its surveys (scope admin): read, preview, replace. */
export function contentRoutes(app: FastifyInstance): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['content'];

  api.get('/content/:kind/:locale', {
    config: { scope: 'admin' },
    schema: { summary: 'The wording of a survey kind in a language', description: 'Every message a business may word, its own or the shipped one. Scope: admin.', tags, params, response: { 200: wordingSchema, ...problems() } },
    handler: async (request) => wordingJson(request.params.kind, request.params.locale, await app.store.wordings.of(request.businessId)),
  });

  api.post('/content/:kind/:locale/preview', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Preview a wording before saving it',
      description: `Every message as each channel shows it, with the SMS encoding and segments; a message over ${maxSmsSegments} SMS segments is flagged. Nothing is saved. Scope: admin.`,
      tags,
      params,
      body: z.strictObject({ messages: messagesInput.default({}), sample: sampleInput.optional() }),
      response: { 200: previewSchema, ...problems(415) },
    },
    handler: async (request) => {
      const { kind, locale } = request.params;
      const entries = checked(kind, locale, request.body.messages);
      return { kind, locale, maxSmsSegments, messages: previewFor(request.business, kind, locale, entries, request.body.sample) };
    },
  });

  api.put('/content/:kind/:locale', {
    config: { scope: 'admin' },
    schema: {
      summary: 'Replace the wording of a survey kind in a language',
      description: `The business's own messages for this kind and language; a key left out goes back to the shipped wording ({} resets them all). Each is ICU MessageFormat: an unknown placeholder, a question without {min} and {max}, or a broken plural or select form is refused with 400 naming it. A message over ${maxSmsSegments} SMS segments is refused unless allowLong is true. Applies to the next message a survey sends. Scope: admin.`,
      tags,
      params,
      body: z.strictObject({ messages: messagesInput, allowLong: z.boolean().default(false) }),
      response: { 200: wordingSchema, ...problems(415) },
    },
    handler: async (request) => {
      const { kind, locale } = request.params;
      const entries = checked(kind, locale, request.body.messages);
      if (!request.body.allowLong) {
        const fields = tooLong(request.business, kind, locale, entries).map((m) => ({ field: `messages.${m.key}`, message: `${m.reason}: shorten it, or send allowLong: true to save it anyway` }));
        if (fields.length) throw new InvalidFieldsError(fields.map((f) => `${f.field}: ${f.message}`).join('; '), fields);
      }
      await app.store.wordings.replace(request.businessId, kind, locale, entries.map(({ key, text }) => ({ key, text })), new Date());
      request.log.info({ business: request.businessId, kind, locale, keys: entries.map((e) => e.key) }, 'survey wording changed');
      return wordingJson(kind, locale, await app.store.wordings.of(request.businessId));
    },
  });
}
