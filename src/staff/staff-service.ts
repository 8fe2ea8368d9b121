import { createHash, randomBytes } from 'node:crypto';
import type { ChannelName } from '../domain/channels.js';
import type { Identity, StaffMember, StaffRole, Store } from '../store/index.js';

export type { Identity, StaffMember } from '../store/index.js';

const codeLetters = 'abcdefghjkmnpqrstuvwxyz';
const hash = (code: string) => createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

/** Who speaks for the business, on which channel addresses, and with what role. */
export class StaffService {
  constructor(
    private readonly store: Store,
    private readonly businessId: string,
    private readonly now: () => Date,
  ) {}

  /** The staff member behind a channel address, or undefined for everyone else (customers). */
  identify(channel: ChannelName, address: string): Promise<StaffMember | undefined> {
    return this.store.staff.identify(this.businessId, { channel, address });
  }

  /** Give a channel address a role; an owner is never demoted here. Returns whether the address was new. */
  add(identity: Identity, role: StaffRole, name?: string): Promise<{ added: boolean; role: StaffRole }> {
    return this.store.staff.add(this.businessId, identity, role, name);
  }

  /** Every channel address of every owner: where alerts and digests go. */
  ownerIdentities(): Promise<Identity[]> {
    return this.store.staff.ownerIdentities(this.businessId);
  }

  hasOwner(): Promise<boolean> {
    return this.store.staff.hasOwner(this.businessId);
  }

  /**
   * A new one-time owner code when the business has no owner yet; the previous unused code stops
   * working. Only the hash is stored. Returns undefined when an owner exists.
   */
  async issueOwnerCode(): Promise<string | undefined> {
    if (await this.hasOwner()) return undefined;
    // Letters only: the logger masks long digit runs as phone numbers.
    const code = [...randomBytes(10)].map((b) => codeLetters[b % codeLetters.length]).join('');
    await this.store.staff.setOwnerCode(this.businessId, hash(code));
    return code;
  }

  /** Spend the owner code (once, whatever the concurrency) and make this address an owner. */
  async claimOwnership(identity: Identity, code: string, name?: string): Promise<boolean> {
    if (!(await this.store.staff.spendOwnerCode(this.businessId, hash(code), this.now()))) return false;
    await this.add(identity, 'owner', name);
    return true;
  }
}
