import type { FastifyInstance, FastifyRequest } from 'fastify';
import { escapeHtml, screenWords, shippedLocale } from '../../content/screen-words.js';
import type { Locale } from '../../domain/surveys.js';
import { chatPage } from './page.js';
import { widgetScript } from './widget-assets.js';

/** This server's own origin as the browser sees it (behind a proxy, as Fastify's `trustProxy` gives it). */
const ownOrigin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** Whether a page of `origin` may use the business's web chat: our own pages, and the websites it lists. */
export function allowedOrigin(request: FastifyRequest, origin: string, widgetOrigins: readonly string[]): boolean {
  return origin === ownOrigin(request) || widgetOrigins.includes(origin);
}

const originOf = (url: string | undefined): string | undefined => {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return 'null';
  }
};

/**
 * The embeddable widget: `/widget.js`, the one script a business pastes into its website, puts an
 * iframe of `/embed` on the page; the embed page is the web chat opened at once, with what the
 * website passed (an order, its own customer number) as the survey's context. Only the business's
 * listed websites may frame it: `frame-ancestors` names them (the browser enforces it), and an embed
 * or chat request whose Referer or Origin is another website is refused. Every other page keeps
 * framing refused (`frame-ancestors 'none'`, `X-Frame-Options: DENY`).
 */
export function widgetRoutes(app: FastifyInstance, receiverOf: (request: FastifyRequest) => Promise<{ widgetOrigins: readonly string[]; locale: Locale }>): void {
  app.get('/widget.js', async (request, reply) => {
    const { locale } = await receiverOf(request);
    // Loaded by other websites' pages: a script any page may load (it only adds the iframe).
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', 'public, max-age=300')
      .send(widgetScript(locale));
  });

  app.get('/embed', async (request, reply) => {
    const { widgetOrigins, locale: businessLocale } = await receiverOf(request);
    // The page speaks the survey's language: the one the website asked for, else the business's.
    const locale = shippedLocale((request.query as { locale?: unknown }).locale) ?? businessLocale;
    const from = originOf(request.headers.referer);
    const ancestors = widgetOrigins.length ? widgetOrigins.join(' ') : "'none'";
    // Helmet wrote the app's refusal to the raw response; this page's own policy replaces it.
    reply.raw.removeHeader('x-frame-options');
    reply.header('content-security-policy', `frame-ancestors ${ancestors}`);
    if (from !== undefined && from !== ownOrigin(request) && !widgetOrigins.includes(from)) {
      const w = screenWords(locale);
      return reply
        .code(403)
        .type('text/html; charset=utf-8')
        .send(`<!doctype html><html lang="${w.locale}" dir="${w.dir}"><meta charset="utf-8"><title>${escapeHtml(w.text('chat.notShown.title'))}</title><p data-testid="refused">${escapeHtml(w.text('chat.notShown.text'))}</p></html>`);
    }
    return reply.type('text/html; charset=utf-8').send(chatPage({ entry: 'widget', locale }));
  });
}
