import { createHash, randomBytes } from 'node:crypto';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import type { Identity, OwnerIdentity, StaffChange, StaffListing, StaffMember, StaffRole, Store } from '../store/index.js';

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

  /**
   * Give a channel address a role; an owner is never demoted here. Returns whether the address was
   * new. A new person or a promotion is recorded with who did it (`by`).
   */
  async add(identity: Identity, role: StaffRole, name?: string, by = 'the bot'): Promise<{ added: boolean; role: StaffRole }> {
    const before = await this.store.staff.identify(this.businessId, identity);
    const result = await this.store.staff.add(this.businessId, identity, role, name);
    if (result.added || before?.role !== result.role) {
      await this.store.staff.recordChange(this.businessId, { action: 'added', role: result.role, ...identity, by, at: this.now() });
    }
    return result;
  }

  /**
   * Take away a person's access (every address of theirs); the last owner stays. Their next command,
   * on any channel and any instance, is answered as a customer's: identify reads the store each time.
   */
  async remove(identity: Identity, by: string): Promise<'removed' | 'unknown' | 'last_owner'> {
    const { result, role } = await this.store.staff.remove(this.businessId, identity);
    if (result === 'removed' && role) await this.store.staff.recordChange(this.businessId, { action: 'removed', role, ...identity, by, at: this.now() });
    return result;
  }

  /** Owners and staff with their addresses, and the latest changes: what owners see. */
  async overview(): Promise<{ members: StaffListing[]; changes: StaffChange[] }> {
    const [members, changes] = await Promise.all([this.store.staff.list(this.businessId), this.store.staff.recentChanges(this.businessId)]);
    return { members, changes };
  }

  /**
   * The language a person reads the bot in, for every address of theirs; `null` goes back to the
   * business's. False when the address is no one's.
   */
  async setLocale(identity: Identity, locale: Locale | null): Promise<boolean> {
    const member = await this.store.staff.identify(this.businessId, identity);
    return member ? this.store.staff.setLocale(this.businessId, member.staffId, locale) : false;
  }

  /** Every channel address of every owner, with the owner's own language: where alerts and digests go. */
  ownerIdentities(): Promise<OwnerIdentity[]> {
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
    await this.add(identity, 'owner', name, 'the owner code');
    return true;
  }
}
