import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ServedBusiness } from '../businesses/services.js';
import { basePathOf } from '../businesses/settings.js';
import { chatPage } from '../channels/web/page.js';
import type { Config } from '../config.js';
import { escapeHtml, screenWords } from '../content/screen-words.js';
import { anonymousChannel } from '../domain/channel-facts.js';
import type { Locale } from '../domain/surveys.js';
import { businessWording } from '../content/wording.js';
import type { SurveyLinkRecord } from '../store/index.js';
import { linkQuestion, linkUrl, posterPage, posterSizes, qrPng, qrSvg } from '../links/printables.js';
import { codePattern, linkState } from '../links/survey-links.js';

const posterQuery = z.strictObject({ size: z.enum(posterSizes).default('a4') });

const notes = { missing: 404, paused: 410, expired: 410 } as const;

/**
 * A friendly page instead of the chat: an unknown link (404), a paused or ended one (410). In the
 * link's language, else its business's; an unknown link names no business: English.
 */
function notePage(reply: FastifyReply, which: keyof typeof notes, about?: { businessName: string; locale: Locale }) {
  const w = screenWords(about?.locale);
  const title = escapeHtml(w.text(`link.${which}.title`));
  const html = `<!doctype html><html lang="${w.locale}" dir="${w.dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;display:flex;justify-content:center;padding:48px 16px;color:#1f2328}main{max-width:420px;text-align:center}</style></head>
<body><main data-testid="link-note">${about ? `<h1>${escapeHtml(about.businessName)}</h1>` : ''}<h2>${title}</h2><p>${escapeHtml(w.text(`link.${which}.text`))}</p></main></body></html>`;
  return reply.code(notes[which]).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** The language of a link's pages: the link's own, else its business's. */
const linkLocale = (link: SurveyLinkRecord, business: ServedBusiness): Locale => link.locale ?? business.settings.locale;

/** The web chat page opened for a link: in the link's language, under the business's name, the link's code for the page's script. */
function linkChatPage(link: SurveyLinkRecord, business: ServedBusiness): string {
  return chatPage({ locale: linkLocale(link, business), header: business.settings.name, link: { code: link.code, basePath: basePathOf(business.settings.id) } });
}

/**
 * The public side of survey links, at the top level (the code names the business): `/s/<code>`
 * opens the web chat with the link's context, and its QR code and posters, which show nothing the
 * printed code does not already give away.
 */
export async function linkRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  /** The link and its business when both exist and the business has a web chat. */
  const find = async (code: string) => {
    const link = codePattern.test(code) ? await app.store.surveyLinks.byCode(code) : undefined;
    const business = link && (await app.businesses.get(link.businessId));
    // Survey links open the web chat, the channel of anonymous visitors.
    return link && business?.channels.get(anonymousChannel) ? { link, business } : undefined;
  };
  const codeOf = (params: unknown) => (params as { code: string }).code;

  app.get('/s/:code', async (request, reply) => {
    const found = await find(codeOf(request.params));
    if (!found) return notePage(reply, 'missing');
    const state = linkState(found.link, app.now());
    if (state !== 'active') return notePage(reply, state, { businessName: found.business.settings.name, locale: linkLocale(found.link, found.business) });
    // A HEAD (a link checker, a preview) is no opening.
    if (request.method === 'GET') await app.store.surveyLinks.countOpened(found.link.code);
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(linkChatPage(found.link, found.business));
  });

  app.get('/s/:code/qr.svg', async (request, reply) => {
    const found = await find(codeOf(request.params));
    if (!found) return notePage(reply, 'missing');
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(await qrSvg(linkUrl(config.publicUrl, found.link.code)));
  });

  app.get('/s/:code/qr.png', async (request, reply) => {
    const found = await find(codeOf(request.params));
    if (!found) return notePage(reply, 'missing');
    return reply.type('image/png').header('cache-control', 'public, max-age=86400').send(await qrPng(linkUrl(config.publicUrl, found.link.code)));
  });

  app.get('/s/:code/poster', async (request, reply) => {
    const query = posterQuery.safeParse(request.query ?? {});
    if (!query.success) return reply.code(400).send({ error: 'bad_request', message: 'size: a4 or a6' });
    const found = await find(codeOf(request.params));
    if (!found) return notePage(reply, 'missing');
    const { link, business } = found;
    const question = linkQuestion(link, business.settings, await businessWording(app.store, business.settings.id));
    const html = await posterPage({ size: query.data.size, url: linkUrl(config.publicUrl, link.code), businessName: business.settings.name, question: question.text, locale: question.locale, dir: question.dir, ...(link.label ? { label: link.label } : {}) });
    return reply.type('text/html; charset=utf-8').send(html);
  });
}
