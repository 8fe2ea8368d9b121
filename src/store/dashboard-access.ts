import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { WriteGuard } from './write-guard.js';

/**
 * Sign-in to the owner dashboard. A link is made by the `/dashboard` chat command and works once,
 * for 15 minutes; opening it makes a session (the browser's cookie). Both are stored under the
 * SHA-256 of their secret, so a copy of the database opens nothing. Sessions are per business and
 * revocable.
 */
const linkSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    staffId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    usedAt: Date,
  },
  { versionKey: false },
);
linkSchema.index({ expiresAt: 1 });

const sessionSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    staffId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
    revokedAt: Date,
  },
  { versionKey: false },
);
sessionSchema.index({ expiresAt: 1 });

export interface DashboardSession {
  businessId: string;
  staffId: string;
  expiresAt: Date;
}

export class DashboardAccessRepository {
  readonly links: AnyModel;
  readonly sessions: AnyModel;

  constructor(
    conn: Connection,
    private readonly guard: WriteGuard,
  ) {
    this.links = modelOn(conn, 'DashboardLink', linkSchema, 'dashboard_links');
    this.sessions = modelOn(conn, 'DashboardSession', sessionSchema, 'dashboard_sessions');
  }

  async createLink(hash: string, businessId: string, staffId: string, expiresAt: Date): Promise<void> {
    await this.links.create({ _id: hash, businessId, staffId, expiresAt });
  }

  /** Use a link: once, before it expires, whatever the concurrency. */
  async spendLink(hash: string, now: Date): Promise<{ businessId: string; staffId: string } | undefined> {
    const doc = await this.guard.exclusive({ collection: 'dashboard_links', id: hash, version: 'spend' }, () =>
      this.links.findOneAndUpdate({ _id: hash, usedAt: null, expiresAt: { $gt: now } }, { $set: { usedAt: now } }, { returnDocument: 'after' }).lean<{ businessId: string; staffId: string }>(),
    );
    return doc ? { businessId: doc.businessId, staffId: doc.staffId } : undefined;
  }

  async createSession(hash: string, session: DashboardSession, now: Date): Promise<void> {
    await this.sessions.create({ _id: hash, ...session, createdAt: now });
  }

  async findSession(hash: string, now: Date): Promise<DashboardSession | undefined> {
    const doc = await this.sessions.findOne({ _id: hash, revokedAt: null, expiresAt: { $gt: now } }).lean<DashboardSession>();
    return doc ? { businessId: doc.businessId, staffId: doc.staffId, expiresAt: doc.expiresAt } : undefined;
  }

  async revokeSession(hash: string, now: Date): Promise<void> {
    await this.sessions.updateOne({ _id: hash }, { $set: { revokedAt: now } });
  }

  async deleteExpiredBefore(before: Date): Promise<void> {
    await this.links.deleteMany({ expiresAt: { $lt: before } });
    await this.sessions.deleteMany({ expiresAt: { $lt: before } });
  }
}
