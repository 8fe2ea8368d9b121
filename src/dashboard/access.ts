import { createHash, randomBytes } from 'node:crypto';
import type { DashboardSession, Store } from '../store/index.js';

/** How long a sign-in link works. */
export const linkMinutes = 15;
const linkMs = linkMinutes * 60_000;
const sessionMs = 7 * 86_400_000;
const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

/** Magic-link sign-in: a one-time link from the `/dashboard` chat command, then a session cookie. */
export class DashboardAccess {
  constructor(
    private readonly store: Store,
    private readonly publicUrl: string,
    private readonly now: () => Date,
  ) {}

  /** A link that signs this staff member in to this business's dashboard: once, within 15 minutes. */
  async link(businessId: string, staffId: string): Promise<string> {
    const token = secret();
    await this.store.dashboardAccess.createLink(hash(token), businessId, staffId, new Date(this.now().getTime() + linkMs));
    // The business's id names it for the sign-in page's language; the token alone signs in.
    return `${this.publicUrl}/dashboard/login/${token}?business=${encodeURIComponent(businessId)}`;
  }

  /** Spend a link and open a session; undefined when the link is unknown, expired or used. */
  async signIn(token: string): Promise<{ sessionId: string; session: DashboardSession } | undefined> {
    const now = this.now();
    const spent = await this.store.dashboardAccess.spendLink(hash(token), now);
    if (!spent) return undefined;
    const sessionId = secret();
    const session = { ...spent, expiresAt: new Date(now.getTime() + sessionMs) };
    await this.store.dashboardAccess.createSession(hash(sessionId), session, now);
    return { sessionId, session };
  }

  session(sessionId: string): Promise<DashboardSession | undefined> {
    return this.store.dashboardAccess.findSession(hash(sessionId), this.now());
  }

  signOut(sessionId: string): Promise<void> {
    return this.store.dashboardAccess.revokeSession(hash(sessionId), this.now());
  }

  /** A form token bound to the session: a page from elsewhere cannot post a reply in its name. */
  formToken(sessionId: string): string {
    return hash(`form:${sessionId}`).slice(0, 32);
  }
}

export const sessionMaxAgeSeconds = sessionMs / 1000;
