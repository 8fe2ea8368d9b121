import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../errors.js';
import { deployment, type BusinessSettings, type KeyScope } from '../../store/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key that authenticated this request (v1 routes): its id and scopes. */
    apiKey?: { id: string; scopes: readonly KeyScope[] };
    /** An operator key (the deployment's, no business's): it reaches only the routes of scope `operator`. */
    operator?: boolean;
    /** The business the key belongs to: every v1 route reads and writes only its data. */
    businessId: string;
    business: BusinessSettings;
  }
  interface FastifyContextConfig {
    /** The scope a v1 route requires. */
    scope?: KeyScope;
  }
}

/** The key from `x-api-key` or `Authorization: Bearer …`. */
export function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = request.headers.authorization;
  const m = auth ? /^Bearer\s+(\S+)$/i.exec(auth) : null;
  return m?.[1];
}

const digest = (s: string) => createHash('sha256').update(s).digest();
/** How long a verified key is reused without reading it again. */
const cacheMs = 10_000;
/** How often a key's lastUsedAt is written at most (per key and instance). */
const touchEveryMs = 60_000;

interface Identified {
  key: { id: string; scopes: readonly KeyScope[] };
  businessId: string;
}

/**
 * API keys of v1, all from the store (found by their SHA-256; API_KEY is stored there at start like any
 * other key). Verified keys are cached for a few seconds (a revocation on this instance takes effect at once, on another
 * within `cacheMs`); a business's settings are kept while its revision stays the same.
 */
export class ApiKeyAuth {
  private readonly keys = new Map<string, { found: Identified & { revoked: boolean }; until: number }>();
  private readonly businesses = new Map<string, { settings: BusinessSettings | undefined; revision: number }>();
  private readonly touched = new Map<string, number>();

  constructor(private readonly app: FastifyInstance) {}

  /** onRequest: who is calling (no refusal yet, so the rate limit can count refused callers by address). */
  async identify(request: FastifyRequest): Promise<void> {
    if (request.is404) return;
    const key = presentedKey(request);
    if (!key) return;
    const found = await this.lookup(key);
    if (!found || found.revoked) return;
    if (found.businessId === deployment) {
      request.apiKey = found.key;
      request.operator = true;
      return;
    }
    const business = await this.business(found.businessId);
    // A disabled business's keys are refused like unknown ones (401), as is a deleted business's.
    if (!business || business.disabled) return;
    request.apiKey = found.key;
    request.businessId = business.id;
    request.business = business;
  }

  /** preParsing: 401 without a valid key, 403 without the route's scope. */
  require(request: FastifyRequest): void {
    if (request.is404) return;
    if (!request.apiKey) throw new UnauthorizedError('a valid API key is required (x-api-key header or Authorization: Bearer)');
    const scope = request.routeOptions.config.scope;
    // Each key reaches its own side only: an operator key no business's data, a business's key no other business.
    if (request.operator && scope !== 'operator') throw new ForbiddenError("an operator key manages businesses only: use a key of the business");
    if (scope && !request.apiKey.scopes.includes(scope)) throw new ForbiddenError(`this API key lacks the scope ${scope}`);
  }

  /** Forget a key at once (after revoking it here). */
  forget(id: string): void {
    for (const [hash, entry] of this.keys) if (entry.found.key.id === id) this.keys.delete(hash);
  }

  private async lookup(key: string): Promise<(Identified & { revoked: boolean }) | undefined> {
    const hash = digest(key);
    const now = Date.now();
    const cached = this.keys.get(hash.toString('hex'));
    if (cached && cached.until > now) {
      // A revoked key stays cached (so it costs no read) but is not being used: its lastUsedAt stays.
      if (!cached.found.revoked) this.touch(cached.found.key.id);
      return cached.found;
    }
    const record = await this.app.store.apiKeys.verify(key);
    if (!record) return undefined;
    const found = { key: { id: record.id, scopes: record.scopes }, businessId: record.businessId, revoked: !!record.revokedAt };
    this.keys.set(hash.toString('hex'), { found, until: now + cacheMs });
    if (!found.revoked) this.touch(record.id);
    return found;
  }

  /**
   * The business's settings as the directory serves it: disabled or deleted here at once when this
   * instance made the change, on another within BUSINESS_REFRESH, as its routes are. Read again when
   * its revision moves (a business whose channels cannot be served keeps its API, to be mended).
   */
  private async business(id: string): Promise<BusinessSettings | undefined> {
    const stamp = this.app.businesses.stamp(id);
    if (!stamp || stamp.disabled) return undefined;
    const cached = this.businesses.get(id);
    if (cached && cached.revision === stamp.revision) return cached.settings;
    const settings = await this.app.store.businesses.get(id);
    this.businesses.set(id, { settings, revision: stamp.revision });
    return settings;
  }

  /** lastUsedAt, written in the background at most once a minute: no round trip on the request's path. */
  private touch(id: string): void {
    const now = this.app.now();
    const last = this.touched.get(id);
    if (last !== undefined && now.getTime() - last < touchEveryMs) return;
    this.touched.set(id, now.getTime());
    this.app.store.apiKeys.touch(id, now).catch((err: unknown) => this.app.log.warn({ err, apiKeyId: id }, 'could not record when an API key was last used'));
  }
}
