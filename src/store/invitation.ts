import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * A one-time survey invitation behind a deep link (`https://t.me/<bot>?start=<token>`), made by the
 * API or a staff command for a customer whose chat address is not known yet. `_id` is the SHA-256
 * of the secret part of the token, so a copy of the database cannot be turned into working links.
 * Redeemed once: the `invitation:<id>` claim decides who, `usedBy`/`surveyId` record it.
 */
const invitationSchema = new Schema(
  {
    _id: { type: String, required: true },
    businessId: { type: String, required: true },
    channel: { type: String, required: true },
    kind: { type: String, enum: ['nps', 'csat', 'ces'], required: true },
    name: String,
    locale: { type: String, enum: ['en', 'es', 'ur'] },
    context: String,
    tags: { type: [String], default: [] },
    /** The existing customer (on any channel) this link is for: the chat that opens it becomes the same person. */
    customerId: Schema.Types.ObjectId,
    /** `api` or the staff member's id. */
    createdBy: { type: String, required: true },
    expiresAt: { type: Date, required: true },
    /** When its survey started. */
    usedAt: Date,
    /** `channel:address` of the chat that redeemed it, set as soon as that chat won the claim. */
    usedBy: String,
    surveyId: Schema.Types.ObjectId,
  },
  { timestamps: true, versionKey: false },
);
invitationSchema.index({ businessId: 1, createdAt: -1 });
invitationSchema.index({ expiresAt: 1 });

export type Invitation = InferSchemaType<typeof invitationSchema>;

export function invitationModel(conn: Connection) {
  return conn.model('Invitation', invitationSchema, 'invitations');
}
