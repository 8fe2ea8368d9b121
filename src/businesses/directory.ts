import { AppError } from '../errors.js';
import type { BusinessStamp } from '../store/index.js';
import type { ServedBusiness } from './services.js';

/** Where the directory reads businesses: their stamps, and one business's services built from what is stored. */
export interface BusinessSource {
  stamps(): Promise<Map<string, BusinessStamp>>;
  stamp(id: string): Promise<BusinessStamp | undefined>;
  /** The business's services as stored now (undefined when it is gone); `announce` tells providers where its webhooks are. */
  build(id: string, options: { announce: boolean }): Promise<ServedBusiness | undefined>;
  /** Release what a business's services hold (its channels' timers and sockets) once they are replaced. */
  release(served: ServedBusiness): Promise<void>;
  onError(err: unknown, id: string): void;
}

interface Entry {
  revision: number;
  served: Promise<ServedBusiness | undefined>;
}

/**
 * Every business this deployment serves, by id, read from the store: each request, sweep and send asks
 * it for the business it is about. A business's services are built when first asked for and kept
 * while its stored revision stays the same; a change made here is seen at once (`changed`), one made
 * by another instance at the next `refresh` (every BUSINESS_REFRESH). A disabled or deleted business
 * is not served: `get` answers undefined, and its old services are released.
 */
export class BusinessDirectory {
  private stamps = new Map<string, BusinessStamp>();
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: BusinessSource) {}

  /** The served business with this id; undefined when none is stored, or it is disabled. */
  get(id: string): Promise<ServedBusiness | undefined> {
    const stamp = this.stamps.get(id);
    // An id no stored business has costs no database read: a scan of made-up ids reads nothing.
    if (!stamp || stamp.disabled) return Promise.resolve(undefined);
    return this.entry(id, stamp, false).served;
  }

  /** What this instance knows of a business's stored revision (at once after its own change, else since the last refresh). */
  stamp(id: string): BusinessStamp | undefined {
    return this.stamps.get(id);
  }

  /** The ids of every served business. */
  ids(): string[] {
    return [...this.stamps].filter(([, stamp]) => !stamp.disabled).map(([id]) => id);
  }

  /** Every served business (all stored businesses but the disabled ones, and those that cannot be served now). */
  async all(): Promise<ServedBusiness[]> {
    const served = await Promise.allSettled(this.ids().map((id) => this.get(id)));
    return served.flatMap((b) => (b.status === 'fulfilled' && b.value ? [b.value] : []));
  }

  /** Read every business's stamp again; services of a business changed, disabled or deleted since are released. */
  async refresh(): Promise<void> {
    const stamps = await this.source.stamps();
    this.stamps = stamps;
    for (const [id, entry] of this.entries) {
      const stamp = stamps.get(id);
      if (!stamp || stamp.disabled || stamp.revision !== entry.revision) this.drop(id);
    }
  }

  /**
   * A business was created, changed, disabled or deleted by this instance: served accordingly at once.
   * Its services are built now (telling providers where its webhooks are), not at its first request.
   */
  async changed(id: string): Promise<ServedBusiness | undefined> {
    const stamp = await this.source.stamp(id);
    this.drop(id);
    if (!stamp) this.stamps.delete(id);
    else this.stamps.set(id, stamp);
    if (!stamp || stamp.disabled) return undefined;
    // A business whose services cannot be built (logged by `onError`) is stored all the same; each request tries again.
    return this.entry(id, stamp, true).served.catch(() => undefined);
  }

  /** Refresh every `intervalMs` (0: never); the first refresh is awaited. */
  async start(intervalMs: number, onError: (err: unknown) => void): Promise<void> {
    await this.refresh();
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
    this.timer.unref();
  }

  /** Stop refreshing; the built services, for a last drain before they are released. */
  async stop(): Promise<ServedBusiness[]> {
    clearInterval(this.timer);
    const built = await Promise.all([...this.entries.values()].map((e) => e.served.catch(() => undefined)));
    return built.filter((b): b is ServedBusiness => b !== undefined);
  }

  /** Release every built business's services. */
  async close(): Promise<void> {
    for (const served of await this.stop()) await this.source.release(served);
    this.entries.clear();
  }

  private entry(id: string, stamp: BusinessStamp, announce: boolean): Entry {
    const current = this.entries.get(id);
    if (current && current.revision === stamp.revision) return current;
    if (current) this.drop(id);
    const served = this.source.build(id, { announce });
    const entry: Entry = { revision: stamp.revision, served };
    this.entries.set(id, entry);
    // A build that failed by chance (the database away) is tried again by the next request; one that
    // cannot succeed as stored (an expected refusal) stays until the business changes, logged once.
    served.catch((err: unknown) => {
      if (this.entries.get(id) === entry && !(err instanceof AppError && err.expected)) this.entries.delete(id);
      this.source.onError(err, id);
    });
    return entry;
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    void entry.served.then((served) => served && this.source.release(served)).catch((err: unknown) => this.source.onError(err, id));
  }
}
