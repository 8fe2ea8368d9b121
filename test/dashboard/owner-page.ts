import type { FastifyInstance } from 'fastify';
import { say } from '../staff/web-chat.js';

/**
 * An owner's dashboard session as a browser gets it: `/dashboard` typed in the owner's web chat, the
 * link the bot answers with, the page behind the link and its Sign in form (posted as a browser posts
 * it). Returns the session cookie's value.
 */
export async function ownerSession(app: FastifyInstance, owner: string): Promise<string> {
  const replies = await say(app, owner, '/dashboard');
  const token = /https?:\/\/\S+\/dashboard\/login\/([A-Za-z0-9_-]+)/.exec(replies.join('\n'))?.[1];
  if (!token) throw new Error(`no sign-in link in the owner's chat: ${replies.join(' / ')}`);
  const linkPage = await app.inject({ method: 'GET', url: `/dashboard/login/${token}` });
  if (linkPage.statusCode !== 200 || !linkPage.body.includes(`value="${token}"`)) throw new Error(`the link's page answered ${linkPage.statusCode}`);
  const signIn = await app.inject({ method: 'POST', url: '/dashboard/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token }).toString() });
  const cookie = signIn.cookies.find((c) => c.name === 'dashboard_session');
  if (signIn.statusCode !== 303 || signIn.headers.location !== '/dashboard' || !cookie) throw new Error(`sign-in answered ${signIn.statusCode}`);
  return cookie.value;
}

/** The dashboard page as an owner opens it: signed in as `ownerSession` does, then `GET /dashboard` with the cookie. Returns the page's HTML. */
export async function ownerDashboardPage(app: FastifyInstance, owner: string, query = ''): Promise<string> {
  const session = await ownerSession(app, owner);
  const page = await app.inject({ method: 'GET', url: `/dashboard${query}`, cookies: { dashboard_session: session } });
  if (page.statusCode !== 200) throw new Error(`the dashboard answered ${page.statusCode}`);
  return page.body;
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** What the page's "Scores fell most" line names ("location Leeds after …"), or undefined when it has none. */
export function pageSegment(html: string): string | undefined {
  const what = /data-testid="segment">Scores fell most: (.*?), <bdi>-?[\d.]+<\/bdi> \(n=\d+\)/.exec(html)?.[1];
  return what === undefined ? undefined : unescape(what);
}
