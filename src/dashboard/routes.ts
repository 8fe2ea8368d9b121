import cookie from '@fastify/cookie';
import type { ServedBusiness } from '../businesses/services.js';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { csvLine } from '../domain/csv.js';
import type { Config } from '../config.js';
import { surveyKinds } from '../domain/surveys.js';
import { NotFoundError, parseInput } from '../errors.js';
import type { DashboardSession } from '../store/index.js';
import { acceptedLocale, screenWords } from '../content/screen-words.js';
import type { Locale } from '../domain/surveys.js';
import { linkMinutes, sessionMaxAgeSeconds } from './access.js';
import { dashboardPeriods, dashboardView, type DashboardPeriod } from './dashboard-data.js';
import { dashboardPage, signInPage, signInRefused, timelinePage } from './page.js';
import { linkActionBody, linkCodeParam, readLinkForm } from './link-forms.js';
import { wordingRoutes } from './wording-routes.js';
import { changeLink, createLink } from '../links/survey-links.js';
import { customerTimeline } from '../insights/index.js';

const cookieName = 'dashboard_session';
const viewQuery = z.strictObject({
  kind: z.enum(surveyKinds).default('nps'),
  days: z.coerce.number().pipe(z.union(dashboardPeriods.map((d) => z.literal(d)) as [z.ZodLiteral<7>, z.ZodLiteral<30>, z.ZodLiteral<90>])).default(30),
  replied: z.enum(['sent', 'queued', 'refused', 'not_found']).optional(),
  link: z.enum(['made', 'paused', 'resumed', 'not_found']).optional(),
});
const replyBody = z.strictObject({
  form: z.string(),
  surveyId: z.string().regex(/^[a-f0-9]{24}$/i, 'a survey id'),
  text: z.string().trim().min(1, 'a reply').max(1000),
  kind: z.enum(surveyKinds).default('nps'),
  days: z.string().optional(),
});
const customerParam = z.strictObject({ id: z.string().regex(/^[a-f0-9]{24}$/i, 'a customer id') });
const token = z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, 'a sign-in link token');
const tokenParam = z.strictObject({ token });
/** The business a sign-in link names (its id), for the page's language only: the token alone signs in. */
const businessRef = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional().catch(undefined);
const signInQuery = z.object({ business: businessRef });
const signInBody = z.strictObject({ token, business: businessRef });
// The notices' words by outcome (catalog keys under `screen.dashboard.notice.`).
const notices = { sent: 'sent', queued: 'queued', refused: 'refused', not_found: 'notFound' } as const;
const linkNotices = { made: 'linkMade', paused: 'linkPaused', resumed: 'linkResumed', not_found: 'linkNotFound' } as const;
const forgedForm = { error: 'ForbiddenError', message: 'the form is from another session: reload the page' };

function asset(file: string): string {
  return readFileSync(new URL(`./assets/${file}`, import.meta.url), 'utf8');
}

/**
 * The owner dashboard at /dashboard: sign-in by a one-time link from the `/dashboard` chat command,
 * a session cookie per business, one server-rendered page, replies through the customer's channel.
 * Everything (Chart.js included) is served by the app; the content security policy allows nothing else.
 */
export async function dashboardRoutes(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const secure = config.publicUrl.startsWith('https://');
  await app.register(cookie);
  await app.register(formbody);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    hsts: secure,
  });
  // Guessing links is hopeless (32 random bytes) and still limited, per client address.
  const signInLimit = { rateLimit: { max: config.rateLimits.signIn, timeWindow: 60_000 } };
  const chartJs = readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js'), 'utf8');
  const assets: Record<string, { body: string; type: string }> = {
    'chart.umd.min.js': { body: chartJs, type: 'text/javascript; charset=utf-8' },
    'dashboard.js': { body: asset('dashboard.js'), type: 'text/javascript; charset=utf-8' },
    'dashboard.css': { body: asset('dashboard.css'), type: 'text/css; charset=utf-8' },
  };
  const access = app.dashboardAccess;

  const setSession = (reply: FastifyReply, value: string, maxAge: number) =>
    reply.setCookie(cookieName, value, { path: '/dashboard', httpOnly: true, sameSite: 'lax', secure, maxAge });

  /** The signed-in session, or a 401 page saying how to get a link. */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<{ id: string; session: DashboardSession; served: ServedBusiness } | undefined> => {
    const id = request.cookies[cookieName];
    const session = id ? await access.session(id) : undefined;
    const served = session && (await app.businesses.get(session.businessId));
    if (id && session && served) return { id, session, served };
    await reply.code(401).type('text/html; charset=utf-8').send(signInRefused(acceptedLocale(request.headers['accept-language']), linkMinutes));
    return undefined;
  };

  app.get('/dashboard/assets/:file', async (request, reply) => {
    const found = assets[(request.params as { file: string }).file];
    if (!found) return reply.code(404).send({ error: 'NotFoundError', message: 'no such asset' });
    return reply.type(found.type).header('cache-control', 'public, max-age=3600').send(found.body);
  });

  /**
   * The sign-in pages' language: the business's when the link names one that exists, else the
   * browser's Accept-Language among the shipped languages, else English.
   */
  const signInLocale = async (request: FastifyRequest, business: string | undefined): Promise<Locale | undefined> =>
    (business ? (await app.businesses.get(business))?.settings.locale : undefined) ?? acceptedLocale(request.headers['accept-language']);

  // A link preview (chat apps fetch links) must not spend the link: opening it shows a button, the button signs in.
  app.get('/dashboard/login/:token', { config: signInLimit }, async (request, reply) => {
    const { token } = parseInput(tokenParam, request.params, 'link');
    const { business } = signInQuery.parse(request.query ?? {});
    return reply.type('text/html; charset=utf-8').header('referrer-policy', 'no-referrer').send(signInPage(token, await signInLocale(request, business), business));
  });

  app.post('/dashboard/login', { config: signInLimit }, async (request, reply) => {
    const { token, business } = parseInput(signInBody, request.body ?? {}, 'body');
    const signed = await access.signIn(token);
    if (!signed) return reply.code(401).type('text/html; charset=utf-8').send(signInRefused(await signInLocale(request, business), linkMinutes));
    request.log.info({ business: signed.session.businessId }, 'dashboard sign-in');
    setSession(reply, signed.sessionId, sessionMaxAgeSeconds);
    return reply.redirect('/dashboard', 303);
  });

  app.get('/dashboard', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const query = parseInput(viewQuery, request.query, 'query');
    const business = signed.served.settings;
    const view = await dashboardView(app.store, business, query.kind, query.days as DashboardPeriod, app.now());
    const notice = query.replied ? notices[query.replied] : query.link ? linkNotices[query.link] : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(dashboardPage(view, { formToken: access.formToken(signed.id), notice: notice && screenWords(business.locale).text(`dashboard.notice.${notice}`) }));
  });

  // Survey links, made and changed by the API's own code. Each form carries the session's form token:
  // the cookie's SameSite=Lax keeps it off other sites' POSTs in current browsers, the token also
  // stops a page on a sibling subdomain (same site) and browsers that ignore SameSite.
  // A session lasts a week; one of someone since removed from the business, or no longer an owner, changes no link.
  const stillOwner = async (session: DashboardSession) =>
    (await app.store.staff.list(session.businessId)).some((m) => m.staffId === session.staffId && m.role === 'owner');
  const notOwner = { error: 'ForbiddenError', message: 'only an owner of this business can make or change survey links' };
  const backTo = (view: string, days: string, notice: keyof typeof linkNotices) =>
    `/dashboard?kind=${view}&days=${dashboardPeriods.find((d) => String(d) === days) ?? 30}&link=${notice}`;

  wordingRoutes(app, { signedIn, formToken: (id) => access.formToken(id), stillOwner });

  app.post('/dashboard/links', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const posted = readLinkForm(request.body);
    if (posted.form !== access.formToken(signed.id)) return reply.code(403).send(forgedForm);
    if (!(await stillOwner(signed.session))) return reply.code(403).send(notOwner);
    if (!posted.ok) {
      const days = (dashboardPeriods.find((d) => String(d) === posted.days) ?? 30) as DashboardPeriod;
      const view = await dashboardView(app.store, signed.served.settings, posted.view, days, app.now());
      const notice = screenWords(view.business.locale).text('dashboard.notice.linkNotMade', { reason: posted.reason });
      const page = dashboardPage(view, { formToken: access.formToken(signed.id), notice, linkForm: posted.state });
      return reply.code(400).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
    }
    const link = await createLink(app.store, signed.session.businessId, posted.input, app.now());
    request.log.info({ business: signed.session.businessId, link: link.code }, 'survey link made on the dashboard');
    return reply.redirect(backTo(posted.view, posted.days, 'made'), 303);
  });

  app.post('/dashboard/links/:code', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const { code } = parseInput(linkCodeParam, request.params, 'link');
    const body = parseInput(linkActionBody, request.body ?? {}, 'body');
    if (body.form !== access.formToken(signed.id)) return reply.code(403).send(forgedForm);
    if (!(await stillOwner(signed.session))) return reply.code(403).send(notOwner);
    let outcome: keyof typeof linkNotices = body.action === 'pause' ? 'paused' : 'resumed';
    try {
      await changeLink(app.store, signed.session.businessId, code, { paused: body.action === 'pause' }, app.now());
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      outcome = 'not_found';
    }
    return reply.redirect(backTo(body.view ?? 'nps', body.days ?? '30', outcome), 303);
  });

  app.get('/dashboard/customers/:id', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const { id } = parseInput(customerParam, request.params, 'params');
    const business = signed.served.settings;
    const timeline = await customerTimeline(app.store, business.id, id);
    if (!timeline) return reply.code(404).type('text/html; charset=utf-8').send(signInRefused(business.locale, linkMinutes, 'noCustomer'));
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(timelinePage(business.name, timeline, business.locale));
  });

  app.post('/dashboard/reply', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const body = parseInput(replyBody, request.body ?? {}, 'body');
    if (body.form !== access.formToken(signed.id)) return reply.code(403).send(forgedForm);
    const commands = signed.served.commands;
    const result = await commands.replyTo(body.surveyId, body.text, signed.session.staffId);
    const days = dashboardPeriods.find((d) => String(d) === body.days) ?? 30;
    return reply.redirect(`/dashboard?kind=${body.kind}&days=${days}&replied=${result.status}`, 303);
  });

  app.get('/dashboard/export.csv', async (request, reply) => {
    const signed = await signedIn(request, reply);
    if (!signed) return reply;
    const { kind, days } = parseInput(viewQuery, request.query, 'query');
    const business = signed.served.settings;
    const view = await dashboardView(app.store, business, kind, days as DashboardPeriod, app.now());
    let out = csvLine(['section', 'key', 'score', 'low', 'high', 'n', 'response_rate', 'abandonment_rate', 'band', 'flagged']);
    for (const w of view.trend) out += csvLine(['trend', w.week, w.score, w.lower, w.upper, w.n, w.responseRate, w.abandonmentRate, null, null]);
    for (const d of view.distribution) out += csvLine(['distribution', d.score, null, null, null, d.count, null, null, d.band, null]);
    for (const c of view.cohorts) out += csvLine(['group', c.cohort, c.score, c.marginOfError === null || c.score === null ? null : c.score - c.marginOfError, c.marginOfError === null || c.score === null ? null : c.score + c.marginOfError, c.n, null, null, null, c.flagged]);
    for (const s of view.waiting.surveys) out += csvLine(['waiting', s.surveyId, s.score, null, null, null, null, null, 'detractor', null]);
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="dashboard-${kind}-${days}d.csv"`).send(out);
  });

  app.post('/dashboard/logout', async (request, reply) => {
    const id = request.cookies[cookieName];
    if (id) await access.signOut(id);
    setSession(reply, '', 0);
    return reply.redirect('/dashboard', 303);
  });
}
