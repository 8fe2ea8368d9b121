import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/** A person on the business's side: the owner or a staff member. Their chat identities live in `staff_identities`. */
const staffSchema = new Schema(
  {
    businessId: { type: String, required: true },
    role: { type: String, enum: ['owner', 'staff'], required: true },
    name: String,
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

/** One-time codes to claim ownership, stored as a SHA-256 hash; `usedAt` set means spent. */
const claimSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    codeHash: { type: String, required: true },
    usedAt: Date,
  },
  { timestamps: true, versionKey: false },
);

export type Staff = InferSchemaType<typeof staffSchema>;
export type StaffRole = 'owner' | 'staff';

export function staffModel(conn: Connection) {
  return conn.model('Staff', staffSchema, 'staff');
}

export function staffIdentityModel(conn: Connection) {
  return conn.model('StaffIdentity', identitySchema, 'staff_identities');
}

export function ownerClaimModel(conn: Connection) {
  return conn.model('OwnerClaim', claimSchema, 'owner_claims');
}
