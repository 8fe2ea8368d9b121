import { createHash, randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { ChannelName } from '../channels/channel.js';
import { claim, isDuplicateKey, type Store } from '../store/index.js';
import type { StaffRole } from '../store/staff.js';

export interface StaffMember {
  staffId: Types.ObjectId;
  role: StaffRole;
  name?: string;
}

export interface Identity {
  channel: ChannelName;
  address: string;
}

const codeLetters = 'abcdefghjkmnpqrstuvwxyz';
const hash = (code: string) => createHash('sha256').update(code.trim().toLowerCase()).digest('hex');

/** Who speaks for the business, on which channel addresses, and with what role. */
export class StaffService {
  constructor(
    private readonly store: Store,
    private readonly businessId: string,
  ) {}

  /** The staff member behind a channel address, or undefined for everyone else (customers). */
  async identify(channel: ChannelName, address: string): Promise<StaffMember | undefined> {
    const identity = await this.store.staffIdentities.findOne({ businessId: this.businessId, channel, address }, { staffId: 1 }).lean();
    if (!identity) return undefined;
    const member = await this.store.staff.findById(identity.staffId, { role: 1, name: 1 }).lean();
    return member ? { staffId: member._id, role: member.role as StaffRole, name: member.name ?? undefined } : undefined;
  }

  /**
   * Give a channel address a role. An address already known keeps its person; an owner can be
   * promoted from staff but never demoted here. Returns whether the address was new.
   */
  async add(identity: Identity, role: StaffRole, name?: string): Promise<{ added: boolean; role: StaffRole }> {
    const known = await this.identify(identity.channel, identity.address);
    if (known) {
      if (role === 'owner' && known.role !== 'owner') await this.store.staff.updateOne({ _id: known.staffId }, { $set: { role } });
      return { added: false, role: role === 'owner' ? 'owner' : known.role };
    }
    const member = await this.store.staff.create({ businessId: this.businessId, role, name });
    try {
      await this.store.staffIdentities.create({ businessId: this.businessId, staffId: member._id, ...identity });
      return { added: true, role };
    } catch (err) {
      await this.store.staff.deleteOne({ _id: member._id });
      if (!isDuplicateKey(err)) throw err;
      return { added: false, role: (await this.identify(identity.channel, identity.address))?.role ?? role }; // another request added it first
    }
  }

  /** Every channel address of every owner: where alerts and digests go. */
  async ownerIdentities(): Promise<Identity[]> {
    const owners = await this.store.staff.find({ businessId: this.businessId, role: 'owner' }, { _id: 1 }).lean();
    if (!owners.length) return [];
    const identities = await this.store.staffIdentities
      .find({ businessId: this.businessId, staffId: { $in: owners.map((o) => o._id) } }, { channel: 1, address: 1 })
      .sort({ _id: 1 })
      .lean();
    return identities.map((i) => ({ channel: i.channel as ChannelName, address: i.address }));
  }

  async hasOwner(): Promise<boolean> {
    return (await this.store.staff.exists({ businessId: this.businessId, role: 'owner' })) !== null;
  }

  /**
   * A new one-time claim code when the business has no owner yet; the previous unused code stops
   * working. Only the hash is stored. Returns undefined when an owner exists.
   */
  async issueClaimCode(): Promise<string | undefined> {
    if (await this.hasOwner()) return undefined;
    // Letters only: the logger masks long digit runs as phone numbers.
    const code = [...randomBytes(10)].map((b) => codeLetters[b % codeLetters.length]).join('');
    await this.store.ownerClaims.updateOne(
      { _id: `owner:${this.businessId}` },
      { $set: { businessId: this.businessId, codeHash: hash(code) }, $unset: { usedAt: 1 } },
      { upsert: true },
    );
    return code;
  }

  /** Spend the claim code (once, atomically) and make this address an owner. */
  async claim(identity: Identity, code: string, name?: string): Promise<boolean> {
    const codeHash = hash(code);
    const valid = await this.store.ownerClaims.exists({ _id: `owner:${this.businessId}`, codeHash, usedAt: null });
    // Spent by a unique insert: a conditional update alone can let two concurrent claims win on FerretDB.
    if (!valid || !(await claim(this.store, `owner-claim:${this.businessId}:${codeHash}`, new Date()))) return false;
    await this.store.ownerClaims.updateOne({ _id: `owner:${this.businessId}` }, { $set: { usedAt: new Date() } });
    await this.add(identity, 'owner', name);
    return true;
  }
}
