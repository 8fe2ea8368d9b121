import { Schema, Types, type Connection } from 'mongoose';
import { modelOn, type AnyModel } from './model.js';
import type { ChannelName } from '../domain/channels.js';
import type { Locale } from '../domain/surveys.js';
import { channelsWhere } from '../domain/channel-facts.js';
import type { WriteGuard } from './write-guard.js';
import { isDuplicateKey } from './write-guard.js';

/** A person on the business's side: the owner or a staff member. Their chat identities live in `staff_identities`. */
const staffSchema = new Schema(
  {
    businessId: { type: String, required: true },
    role: { type: String, enum: ['owner', 'staff'], required: true },
    name: String,
    /** The language this person reads the bot's messages in; without one, the business's. */
    locale: String,
  },
  { timestamps: true, versionKey: false },
);
staffSchema.index({ businessId: 1, role: 1 });

/**
 * One channel address of a staff member. A separate collection because FerretDB accepts a unique
 * index over array fields but does not enforce it; here the unique index holds on every server.
 */
const identitySchema = new Schema(
  {
    businessId: { type: String, required: true },
    staffId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
identitySchema.index({ businessId: 1, channel: 1, address: 1 }, { unique: true });
identitySchema.index({ staffId: 1 });

/** The business's one-time code to become its first owner, stored as a SHA-256 hash; `usedAt` set means spent. */
const ownerCodeSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    codeHash: { type: String, required: true },
    usedAt: Date,
  },
  { timestamps: true, versionKey: false },
);

/** Who was given or lost access, by whom and when: what owners see with /staff and the API. */
const changeSchema = new Schema(
  {
    businessId: { type: String, required: true },
    action: { type: String, enum: ['added', 'removed'], required: true },
    role: { type: String, enum: ['owner', 'staff'], required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    by: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);
changeSchema.index({ businessId: 1, at: -1 });

export type StaffRole = 'owner' | 'staff';

export interface StaffChange extends Identity {
  action: 'added' | 'removed';
  role: StaffRole;
  /** Who made the change: an owner's address, an API key, the command line. */
  by: string;
  at: Date;
}

export interface StaffListing extends StaffMember {
  identities: Identity[];
  since: Date;
}

export interface StaffMember {
  staffId: string;
  role: StaffRole;
  name?: string;
  /** Their own language for what the bot tells them; without one, the business's. */
  locale?: Locale;
}

/** An owner's chat address, with the language they chose (if any). */
export interface OwnerIdentity extends Identity {
  locale?: Locale;
}

export interface Identity {
  channel: ChannelName;
  address: string;
}

type Doc = Record<string, unknown> & { _id: Types.ObjectId };


/** Owners and staff, their chat identities, and the first owner's code. */
export class StaffRepository {
  readonly staff: AnyModel;
  readonly identities: AnyModel;
  readonly ownerCodes: AnyModel;
  readonly changes: AnyModel;

  constructor(
    conn: Connection,
    private readonly guard: WriteGuard,
  ) {
    this.staff = modelOn(conn, 'Staff', staffSchema, 'staff');
    this.identities = modelOn(conn, 'StaffIdentity', identitySchema, 'staff_identities');
    this.ownerCodes = modelOn(conn, 'OwnerCode', ownerCodeSchema, 'owner_codes');
    this.changes = modelOn(conn, 'StaffChange', changeSchema, 'staff_changes');
  }

  /** Everyone on the business's side with their addresses, owners first. */
  async list(businessId: string): Promise<StaffListing[]> {
    const members = await this.staff.find({ businessId }).sort({ role: 1, _id: 1 }).lean<Doc[]>();
    const identities = await this.identities.find({ businessId }, { staffId: 1, channel: 1, address: 1 }).sort({ _id: 1 }).lean<Doc[]>();
    return members.map((m) => ({
      staffId: m._id.toString(),
      role: m.role as StaffRole,
      ...(m.name ? { name: m.name as string } : {}),
      ...(m.locale ? { locale: m.locale as Locale } : {}),
      identities: identities.filter((i) => String(i.staffId) === m._id.toString()).map((i) => ({ channel: i.channel as ChannelName, address: i.address as string })),
      since: m.createdAt as Date,
    }));
  }

  /**
   * Remove the person behind an address (every address of theirs), unless they are the last owner.
   * Two owners removing each other at once: each removal that leaves no owner is put back.
   */
  async remove(businessId: string, identity: Identity): Promise<{ result: 'removed' | 'unknown' | 'last_owner'; role?: StaffRole }> {
    const member = await this.identify(businessId, identity);
    if (!member) return { result: 'unknown' };
    const owners = member.role === 'owner' ? await this.staff.countDocuments({ businessId, role: 'owner' }) : Infinity;
    if (owners <= 1) return { result: 'last_owner', role: member.role };
    const staffId = new Types.ObjectId(member.staffId);
    const kept = await this.identities.find({ businessId, staffId }).lean<Doc[]>();
    const doc = await this.staff.findOne({ _id: staffId }).lean<Doc>();
    await this.identities.deleteMany({ businessId, staffId });
    await this.staff.deleteOne({ _id: staffId, businessId });
    if (member.role === 'owner' && !(await this.hasOwner(businessId)) && doc) {
      await this.staff.create(doc);
      await this.identities.insertMany(kept).catch(() => {});
      return { result: 'last_owner', role: member.role };
    }
    return { result: 'removed', role: member.role };
  }

  async recordChange(businessId: string, change: StaffChange): Promise<void> {
    await this.changes.create({ businessId, ...change });
  }

  /** The latest changes, newest first. */
  async recentChanges(businessId: string, limit = 20): Promise<StaffChange[]> {
    const found = await this.changes.find({ businessId }).sort({ at: -1 }).limit(limit).lean<Doc[]>();
    return found.map((c) => ({ action: c.action as StaffChange['action'], role: c.role as StaffRole, channel: c.channel as ChannelName, address: c.address as string, by: c.by as string, at: c.at as Date }));
  }

  /** The staff member behind a channel address, or undefined for everyone else (customers). */
  async identify(businessId: string, identity: Identity): Promise<StaffMember | undefined> {
    const found = await this.identities.findOne({ businessId, ...identity }, { staffId: 1 }).lean<Doc>();
    if (!found) return undefined;
    const member = await this.staff.findById(found.staffId, { role: 1, name: 1, locale: 1 }).lean<Doc>();
    if (!member) return undefined;
    return { staffId: member._id.toString(), role: member.role as StaffRole, name: (member.name as string | null | undefined) ?? undefined, ...(member.locale ? { locale: member.locale as Locale } : {}) };
  }

  /** A person's own language (every address of theirs); `null` goes back to the business's. False when no such person. */
  async setLocale(businessId: string, staffId: string, locale: Locale | null): Promise<boolean> {
    const change = locale ? { $set: { locale } } : { $unset: { locale: 1 } };
    const { matchedCount } = await this.staff.updateOne({ _id: new Types.ObjectId(staffId), businessId }, change);
    return matchedCount > 0;
  }

  /**
   * Give a channel address a role. An address already known keeps its person; an owner can be
   * promoted from staff but never demoted here. Returns whether the address was new.
   */
  async add(businessId: string, identity: Identity, role: StaffRole, name?: string): Promise<{ added: boolean; role: StaffRole }> {
    const known = await this.identify(businessId, identity);
    if (known) {
      if (role === 'owner' && known.role !== 'owner') await this.staff.updateOne({ _id: new Types.ObjectId(known.staffId) }, { $set: { role } });
      return { added: false, role: role === 'owner' ? 'owner' : known.role };
    }
    const member = await this.staff.create({ businessId, role, name });
    try {
      await this.identities.create({ businessId, staffId: member._id, ...identity });
      return { added: true, role };
    } catch (err) {
      await this.staff.deleteOne({ _id: member._id });
      if (!isDuplicateKey(err)) throw err;
      return { added: false, role: (await this.identify(businessId, identity))?.role ?? role }; // another request added it first
    }
  }

  /** Every channel address of every owner, with the owner's own language if they chose one: where alerts and digests go. */
  async ownerIdentities(businessId: string): Promise<OwnerIdentity[]> {
    const owners = await this.staff.find({ businessId, role: 'owner' }, { _id: 1, locale: 1 }).lean<Doc[]>();
    if (!owners.length) return [];
    const localeOf = new Map(owners.map((o) => [o._id.toString(), o.locale as Locale | undefined]));
    const found = await this.identities.find({ businessId, staffId: { $in: owners.map((o) => o._id) } }, { channel: 1, address: 1, staffId: 1 }).sort({ _id: 1 }).lean<Doc[]>();
    return found.map((i) => {
      const locale = localeOf.get(String(i.staffId));
      return { channel: i.channel as ChannelName, address: i.address as string, ...(locale ? { locale } : {}) };
    });
  }

  async hasOwner(businessId: string): Promise<boolean> {
    return (await this.staff.exists({ businessId, role: 'owner' })) !== null;
  }

  /** A new owner code (its hash); the previous unused one stops working. */
  async setOwnerCode(businessId: string, codeHash: string): Promise<void> {
    await this.ownerCodes.updateOne({ _id: `owner:${businessId}` }, { $set: { businessId, codeHash }, $unset: { usedAt: 1 } }, { upsert: true });
  }

  /** Spend the owner code once: true for exactly one caller with the right code. */
  async spendOwnerCode(businessId: string, codeHash: string, at: Date): Promise<boolean> {
    const _id = `owner:${businessId}`;
    const spent = await this.guard.exclusive({ collection: 'owner_codes', id: _id, version: codeHash }, () =>
      this.ownerCodes.findOneAndUpdate({ _id, codeHash, usedAt: null }, { $set: { usedAt: at } }).lean<Doc>(),
    );
    return spent !== null;
  }

  /** The staff identities at these addresses, with their role: a customer who is also staff. */
  async identitiesAt(businessId: string, addresses: readonly Identity[]): Promise<Array<Identity & { role: StaffRole; since: Date }>> {
    if (!addresses.length) return [];
    const found = await this.identities.find({ businessId, $or: addresses.map((a) => ({ channel: a.channel, address: a.address })) }).lean<Doc[]>();
    const members = await this.staff.find({ _id: { $in: found.map((i) => i.staffId) } }, { role: 1 }).lean<Doc[]>();
    const role = new Map(members.map((m) => [m._id.toString(), m.role as StaffRole]));
    return found.map((i) => ({ channel: i.channel as ChannelName, address: i.address as string, role: role.get(String(i.staffId)) ?? 'staff', since: i.createdAt as Date }));
  }

  /** The staff's addresses on channels whose chats our database keeps (web chat): they show alerts and command answers about customers. */
  async webAddresses(businessId: string): Promise<string[]> {
    const found = await this.identities.find({ businessId, channel: { $in: channelsWhere((f) => f.transcript) } }, { address: 1 }).lean<Doc[]>();
    return found.map((i) => i.address as string);
  }
}
