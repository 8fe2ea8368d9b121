import type { Store } from '../store/index.js';
import type { ServedBusiness } from './services.js';

/**
 * Every business this deployment serves, by id. Which businesses exist (and their channel
 * identities) is read at start; their other settings are read again by `refresh`, so a change of
 * name, time zone or send window through the API or the CLI takes effect without a restart.
 */
export class BusinessDirectory {
  private readonly byId: ReadonlyMap<string, ServedBusiness>;

  constructor(all: readonly ServedBusiness[]) {
    this.byId = new Map(all.map((b) => [b.settings.id, b]));
  }

  get(id: string): ServedBusiness | undefined {
    return this.byId.get(id);
  }

  all(): ServedBusiness[] {
    return [...this.byId.values()];
  }

  /** Read the served businesses' settings again; returns the ids stored since start (served after a restart). */
  async refresh(store: Store): Promise<string[]> {
    const added: string[] = [];
    for (const stored of await store.businesses.list()) {
      const live = this.byId.get(stored.id);
      if (!live) added.push(stored.id);
      // In place: every service of the business holds this very object.
      else Object.assign(live.settings, stored);
    }
    return added;
  }
}
