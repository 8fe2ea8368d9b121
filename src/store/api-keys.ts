import { createHash, randomBytes } from 'node:crypto';
import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';

export const apiScopes = ['surveys:write', 'surveys:read', 'export', 'admin'] as const;
export type ApiScope = (typeof apiScopes)[number];

/**
 * The deployment's scope: an operator key creates, changes, disables and deletes businesses, and
 * nothing else. It belongs to no business: its owner is `deployment`, which no business id can be
 * (business ids have no `*`).
 */
export const operatorScope = 'operator';
export const deployment = '*';
export type KeyScope = ApiScope | typeof operatorScope;

/**
 * A REST API key of one business. Only the SHA-256 of the whole key is stored: the key itself is
 * shown once, when it is made. `lastUsedAt` is written at most once a minute per key and instance.
 * A key is found by its hash (unique), whatever its shape: made here (`sk_…`) or given by the
 * deployment (API_KEY, placed under a fixed id).
 */
const apiKeySchema = new Schema(
  {
    businessId: { type: String, required: true },
    name: { type: String, required: true },
    scopes: { type: [String], required: true },
    hash: { type: String, required: true },
    revokedAt: Date,
    lastUsedAt: Date,
  },
  { timestamps: { createdAt: true, updatedAt: false }, versionKey: false },
);
apiKeySchema.index({ businessId: 1, createdAt: -1 });
apiKeySchema.index({ hash: 1 }, { unique: true });

export interface ApiKeyRecord {
  id: string;
  businessId: string;
  name: string;
  scopes: KeyScope[];
  createdAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

type Doc = Record<string, unknown> & { _id: Types.ObjectId };

function toRecord(d: Doc): ApiKeyRecord {
  const opt = <T>(v: unknown) => (v === null || v === undefined ? undefined : (v as T));
  return {
    id: d._id.toString(),
    businessId: d.businessId as string,
    name: d.name as string,
    scopes: (d.scopes as KeyScope[] | undefined) ?? [],
    createdAt: d.createdAt as Date,
    revokedAt: opt(d.revokedAt),
    lastUsedAt: opt(d.lastUsedAt),
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** API keys: made, checked, listed and revoked per business. */
export class ApiKeyRepository {
  constructor(readonly model: AnyModel) {}

  static model(conn: Connection): AnyModel {
    return modelOn(conn, 'ApiKey', apiKeySchema, 'api_keys');
  }

  /** A new key; the returned `key` is the only time it exists outside the caller's hands. */
  async create(input: { businessId: string; name: string; scopes: readonly KeyScope[] }): Promise<ApiKeyRecord & { key: string }> {
    const _id = new Types.ObjectId();
    const key = `sk_${_id.toString()}_${randomBytes(32).toString('base64url')}`;
    const doc = await this.model.create({ _id, businessId: input.businessId, name: input.name, scopes: [...new Set(input.scopes)], hash: sha256(key) });
    return { ...toRecord(doc.toObject() as Doc), key };
  }

  /**
   * A key given from outside (the deployment's API_KEY) under a fixed id: written when absent or when
   * the key changed (valid again from `at`, the old key gone); false when it stood as it was, so a
   * revocation made since stands until the key itself changes.
   */
  async place(id: string, input: { businessId: string; name: string; scopes: readonly KeyScope[]; key: string }, at: Date): Promise<boolean> {
    const _id = new Types.ObjectId(id);
    const hash = sha256(input.key);
    const doc = await this.model.findOne({ _id }, { hash: 1 }).lean<Doc>();
    if (doc?.hash === hash) return false;
    const fields = { businessId: input.businessId, name: input.name, scopes: [...new Set(input.scopes)], hash, createdAt: at };
    try {
      await this.model.updateOne({ _id }, { $set: fields, $unset: { revokedAt: 1, lastUsedAt: 1 } }, { upsert: true, timestamps: false });
    } catch (err) {
      // Another instance starting at the same moment placed it first.
      if ((err as { code?: number }).code !== 11000) throw err;
    }
    return true;
  }

  /** The key's record when `key` is exactly a stored key (revoked ones included: the caller decides), else undefined. */
  async verify(key: string): Promise<ApiKeyRecord | undefined> {
    // Looked up by the hash, never the key: timing tells nothing of a stored key.
    const doc = await this.model.findOne({ hash: sha256(key) }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  async list(businessId: string): Promise<ApiKeyRecord[]> {
    const docs = await this.model.find({ businessId }, { hash: 0 }).sort({ createdAt: -1, _id: -1 }).lean<Doc[]>();
    return docs.map(toRecord);
  }

  /** Delete every key of a business (the business is being deleted). */
  async removeAll(businessId: string): Promise<void> {
    await this.model.deleteMany({ businessId });
  }

  /** Revoke one of the business's keys; false when it has no such key. Revoking twice keeps the first time. */
  async revoke(id: string, businessId: string, at: Date): Promise<ApiKeyRecord | undefined> {
    if (!/^[a-f0-9]{24}$/i.test(id)) return undefined;
    const _id = new Types.ObjectId(id);
    await this.model.updateOne({ _id, businessId, revokedAt: null }, { $set: { revokedAt: at } });
    const doc = await this.model.findOne({ _id, businessId }, { hash: 0 }).lean<Doc>();
    return doc ? toRecord(doc) : undefined;
  }

  /** Record a use; a revoked key's record is left as it was (another instance may still have it cached as valid). */
  async touch(id: string, at: Date): Promise<void> {
    await this.model.updateOne({ _id: new Types.ObjectId(id), revokedAt: null }, { $set: { lastUsedAt: at } });
  }
}
