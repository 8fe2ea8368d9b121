import type { FastifyInstance } from 'fastify';
import type { SecretBox } from '../security/secret-box.js';
import { StaffService } from '../staff/staff-service.js';
import type { BusinessSettings, Store } from '../store/index.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { toStored, type BusinessPatch, type businessInput } from './settings.js';
import type { z } from 'zod';

/**
 * Creating, changing, disabling and deleting businesses: the one code the operator API and the CLI
 * call. `changed` tells the running server (the directory of the instance making the change); the
 * CLI, outside the server, has none, and every instance sees its change within BUSINESS_REFRESH.
 */
export class BusinessOperations {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly now: () => Date,
    private readonly changed: (id: string) => Promise<unknown> = async () => undefined,
  ) {}

  /** The operations of a running server, which serves each change at once. */
  static of(app: FastifyInstance): BusinessOperations {
    return new BusinessOperations(app.store, app.secrets, app.now, (id) => app.businesses.changed(id));
  }

  list(): Promise<BusinessSettings[]> {
    return this.store.businesses.list();
  }

  async get(id: string): Promise<BusinessSettings> {
    const business = await this.store.businesses.get(id);
    if (!business) throw new NotFoundError(`no business ${id}`);
    return business;
  }

  /** A new business, served at once; with the one-time code its owner sends to the bot (`/claim <code>`). */
  async create(input: z.output<typeof businessInput>): Promise<{ business: BusinessSettings; claimCode: string }> {
    const { settings, sealed } = toStored(input, this.secrets);
    if (!(await this.store.businesses.create(settings, sealed))) throw new ConflictError(`business ${input.id} exists already`);
    const claimCode = (await new StaffService(this.store, input.id, this.now).issueOwnerCode())!;
    await this.changed(input.id);
    return { business: await this.get(input.id), claimCode };
  }

  /** Only the fields given; `channels` replaces the business's own identities. */
  async change(id: string, patch: BusinessPatch): Promise<BusinessSettings> {
    const current = await this.get(id);
    const { channels, ...fields } = patch;
    const next: BusinessSettings = { ...current, ...fields };
    const sealed = channels ? toStored({ ...next, digestSchedule: next.digestSchedule, channels }, this.secrets) : undefined;
    await this.store.businesses.save(sealed ? { ...next, channelNames: sealed.settings.channelNames } : next, sealed?.sealed);
    await this.changed(id);
    return this.get(id);
  }

  /** Stop serving a business (its routes answer 404, nothing is sent for it), or serve it again; its data stays. */
  async setDisabled(id: string, disabled: boolean): Promise<BusinessSettings> {
    if (!(await this.store.businesses.setDisabled(id, disabled))) throw new NotFoundError(`no business ${id}`);
    await this.changed(id);
    return this.get(id);
  }

  /**
   * Delete a disabled business's settings, channel identities and API keys. Its surveys, customers
   * and counters stay (erase customers through the privacy routes first when they must go).
   */
  async remove(id: string): Promise<void> {
    const business = await this.get(id);
    if (!business.disabled) throw new ConflictError(`business ${id} is served: disable it first`);
    await this.store.apiKeys.removeAll(id);
    await this.store.businesses.remove(id);
    await this.changed(id);
  }
}
