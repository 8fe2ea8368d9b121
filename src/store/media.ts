import { createHash, randomBytes } from 'node:crypto';
import { Schema, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { WriteGuard } from './write-guard.js';

/**
 * Pictures served at an unguessable, expiring URL (the digest's chart, for a provider that takes a
 * picture only by URL). The token is 128 random bits and is never stored: the document is kept
 * under its SHA-256, so reading the collection gives no working URL. Past its expiry a picture is
 * never served; MongoDB's TTL index removes it, elsewhere the housekeeping does.
 */
function mediaSchema(server: WriteGuard['server']) {
  const schema = new Schema(
    {
      _id: { type: String, required: true },
      type: { type: String, required: true },
      body: { type: Buffer, required: true },
      expiresAt: { type: Date, required: true },
    },
    { versionKey: false },
  );
  // FerretDB v1 refuses the TTL option (and so the whole index build): there the housekeeping deletes.
  schema.index({ expiresAt: 1 }, server === 'ferretdb' ? { name: 'media_expiry' } : { expireAfterSeconds: 0, name: 'media_expiry' });
  return schema;
}

/** Where served pictures are, under the public URL: `/media/<token>.png`. */
export const mediaPath = '/media';

/** A token's shape: 128 bits as base64url, 22 characters. */
export const mediaTokenPattern = /^[A-Za-z0-9_-]{22}$/;

const idOf = (token: string) => createHash('sha256').update(`media:${token}`).digest('hex');

export class MediaRepository {
  constructor(private readonly model: AnyModel) {}

  static model(conn: Connection, server: WriteGuard['server']): AnyModel {
    return modelOn(conn, 'Media', mediaSchema(server), 'media');
  }

  /** Keeps the picture until `expiresAt`; the token that names it (only the caller ever has it). */
  async put(body: Buffer, type: string, expiresAt: Date): Promise<string> {
    const token = randomBytes(16).toString('base64url');
    await this.model.create({ _id: idOf(token), type, body, expiresAt });
    return token;
  }

  /** The picture named by `token`, if it exists and has not expired at `now`. */
  async get(token: string, now: Date): Promise<{ body: Buffer; type: string; expiresAt: Date } | undefined> {
    if (!mediaTokenPattern.test(token)) return undefined;
    const doc = await this.model.findById(idOf(token)).lean<{ body: Buffer | { buffer: Uint8Array }; type: string; expiresAt: Date }>();
    if (!doc || doc.expiresAt.getTime() <= now.getTime()) return undefined;
    const body = Buffer.isBuffer(doc.body) ? doc.body : Buffer.from(doc.body.buffer);
    return { body, type: doc.type, expiresAt: doc.expiresAt };
  }

  /** Pictures expired at `now` (the same edge `get` holds to). */
  async deleteExpired(now: Date): Promise<void> {
    await this.model.deleteMany({ expiresAt: { $lte: now } });
  }
}
