import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { BusinessOperations } from '../businesses/operations.js';
import type { ServedBusiness } from '../businesses/services.js';
import { currentWording, previewFor, shippedText, type WordingEntryInput } from '../content/wording-check.js';
import type { WordingKey } from '../dialogs/prompts/index.js';
import { localeSchema } from '../dialogs/languages.js';
import { surveyKinds, type Locale, type SurveyKind } from '../domain/surveys.js';
import { ValidationError, parseInput } from '../errors.js';
import type { BusinessSettings, DashboardSession } from '../store/index.js';
import { longMessages, readReasonPost, readWordingPost, reasonFormOf, wordingFromForm, type ReasonFormState, type TypedWording } from './wording-forms.js';
import { wordingPage, wordingWords, type WordingPageView } from './wording-page.js';

const pageQuery = z.strictObject({ kind: z.enum(surveyKinds).default('nps'), locale: localeSchema.optional(), saved: z.enum(['wording', 'reason']).optional() });
const forgedForm = { error: 'ForbiddenError', message: 'the form is from another session: reload the page' };
const notOwner = { error: 'ForbiddenError', message: 'only an owner of this business can change the survey wording and the reason question' };

interface Signed {
  id: string;
  session: DashboardSession;
  served: ServedBusiness;
}
export interface WordingRouteDeps {
  signedIn(request: FastifyRequest, reply: FastifyReply): Promise<Signed | undefined>;
  formToken(sessionId: string): string;
  stillOwner(session: DashboardSession): Promise<boolean>;
}

interface Draft {
  typed?: TypedWording;
  problems?: Partial<Record<WordingKey, string>>;
  /** The wording to preview and measure (what was typed and passed the rules); the stored one when absent. */
  entries?: readonly WordingEntryInput[];
  reason?: ReasonFormState;
  notice?: string;
  refused?: boolean;
  allowLong?: boolean;
  open?: boolean;
}

/**
 * The dashboard's wording page (`/dashboard/wording`): every message of a survey kind in a language,
 * previewed per channel with the SMS encoding and parts, saved through the content API's own checks;
 * and the reason question, checked by the settings API's schema. Only an owner saves.
 */
export function wordingRoutes(app: FastifyInstance, deps: WordingRouteDeps): void {
  const html = (reply: FastifyReply, code: number, body: string) => reply.code(code).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  async function page(signed: Signed, kind: SurveyKind, locale: Locale, draft: Draft = {}): Promise<string> {
    const business: BusinessSettings = signed.served.settings;
    const stored = (await app.store.wordings.of(business.id)).filter((e) => e.kind === kind && e.locale === locale) as WordingEntryInput[];
    const entries = draft.entries ?? stored;
    const previews = new Map(previewFor(business, kind, locale, entries).map((p) => [p.key, p]));
    const long = longMessages(business, kind, locale, entries);
    const view: WordingPageView = {
      business: { name: business.name, locale: business.locale },
      kind,
      locale,
      messages: currentWording(kind, locale, stored).map((m) => ({
        ...m,
        text: draft.typed?.[m.key] ?? m.text,
        ...(draft.problems?.[m.key] ? { problem: draft.problems[m.key] } : {}),
        ...(previews.get(m.key) ? { preview: previews.get(m.key)! } : {}),
        long: long.has(m.key) && !draft.problems?.[m.key],
      })),
      canSave: await deps.stillOwner(signed.session),
      formToken: deps.formToken(signed.id),
      ...(draft.notice ? { notice: draft.notice } : {}),
      refused: draft.refused ?? false,
      allowLong: draft.allowLong ?? false,
      open: draft.open ?? false,
      reason: draft.reason ?? reasonFormOf(business.reasonQuestion),
    };
    return wordingPage(view);
  }

  app.get('/dashboard/wording', async (request, reply) => {
    const signed = await deps.signedIn(request, reply);
    if (!signed) return reply;
    const query = parseInput(pageQuery, request.query, 'query');
    const words = wordingWords(signed.served.settings.locale);
    const notice = query.saved === 'wording' ? words('saved') : query.saved === 'reason' ? words('reason.saved') : undefined;
    return html(reply, 200, await page(signed, query.kind, query.locale ?? signed.served.settings.locale, notice ? { notice } : {}));
  });

  app.post('/dashboard/wording', async (request, reply) => {
    const signed = await deps.signedIn(request, reply);
    if (!signed) return reply;
    const posted = readWordingPost(request.body);
    if (posted.form !== deps.formToken(signed.id)) return reply.code(403).send(forgedForm);
    if (!posted.ok) throw new ValidationError(posted.reason);
    const { kind, locale, action, typed, allowLong } = posted;
    const business = signed.served.settings;
    const words = wordingWords(business.locale);
    // A preview saves nothing: anyone signed in may look. Saving and resetting are an owner's.
    if (action !== 'preview' && !(await deps.stillOwner(signed.session))) return reply.code(403).send(notOwner);

    if (action.startsWith('reset:')) {
      const key = action.slice('reset:'.length) as WordingKey;
      const kept = (await app.store.wordings.of(business.id)).filter((e) => e.kind === kind && e.locale === locale && e.key !== key);
      await app.store.wordings.replace(business.id, kind, locale, kept.map(({ key, text }) => ({ key, text })), app.now());
      request.log.info({ business: business.id, kind, locale, key }, 'survey wording reset on the dashboard');
      const label = words(`message.${key}`);
      return html(reply, 200, await page(signed, kind, locale, { typed: { ...typed, [key]: shippedText(kind, locale, key) }, notice: words('resetDone', { message: label }), allowLong }));
    }

    const { entries, problems } = wordingFromForm(kind, locale, typed);
    const refused = Object.keys(problems).length > 0;
    if (action === 'preview') {
      return html(reply, refused ? 400 : 200, await page(signed, kind, locale, { typed, problems, entries, allowLong, open: true, notice: refused ? words('notSaved') : words('previewed'), refused }));
    }
    if (refused) return html(reply, 400, await page(signed, kind, locale, { typed, problems, entries, allowLong, notice: words('notSaved'), refused: true }));
    if (!allowLong && longMessages(business, kind, locale, entries).size) {
      return html(reply, 400, await page(signed, kind, locale, { typed, entries, allowLong, notice: words('tooLong'), refused: true }));
    }
    await app.store.wordings.replace(business.id, kind, locale, entries.map(({ key, text }) => ({ key, text })), app.now());
    request.log.info({ business: business.id, kind, locale, keys: entries.map((e) => e.key) }, 'survey wording changed on the dashboard');
    return reply.redirect(`/dashboard/wording?kind=${kind}&locale=${locale}&saved=wording`, 303);
  });

  app.post('/dashboard/wording/reason', async (request, reply) => {
    const signed = await deps.signedIn(request, reply);
    if (!signed) return reply;
    const posted = readReasonPost(request.body);
    if (posted.form !== deps.formToken(signed.id)) return reply.code(403).send(forgedForm);
    if (!(await deps.stillOwner(signed.session))) return reply.code(403).send(notOwner);
    const business = signed.served.settings;
    const locale = posted.locale ?? business.locale;
    if (!posted.ok) {
      const notice = `${wordingWords(business.locale)('reason.notSaved')} ${posted.reason}`;
      return html(reply, 400, await page(signed, posted.kind, locale, { reason: posted.state, notice, refused: true }));
    }
    await BusinessOperations.of(app).change(business.id, { reasonQuestion: posted.question });
    request.log.info({ business: business.id, enabled: posted.question.enabled, choices: posted.question.choices.map((c) => c.key) }, 'reason question changed on the dashboard');
    return reply.redirect(`/dashboard/wording?kind=${posted.kind}&locale=${locale}&saved=reason`, 303);
  });
}
