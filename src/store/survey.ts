import { Schema, type Connection, type InferSchemaType } from 'mongoose';

/**
 * One survey invitation and its whole dialog. `openKey` is `business:channel:address` while the
 * survey is open and `closed:<id>` after, so a unique index allows one open survey per customer
 * and channel without partial indexes (which not every MongoDB-compatible server has).
 */
const surveySchema = new Schema(
  {
    businessId: { type: String, required: true },
    customerId: { type: Schema.Types.ObjectId, required: true },
    channel: { type: String, required: true },
    address: { type: String, required: true },
    kind: { type: String, enum: ['nps', 'csat', 'ces'], required: true },
    state: { type: String, enum: ['invited', 'awaiting_comment', 'completed', 'expired', 'opted_out'], required: true },
    openKey: { type: String, required: true },
    locale: { type: String, required: true },
    vars: { business: String, customerName: String, context: String },
    /** `link`: the customer opened a deep link (Telegram `/start <token>`). */
    trigger: { type: String, enum: ['api', 'command', 'web', 'schedule', 'link'], required: true },
    score: Number,
    band: { type: String, enum: ['detractor', 'passive', 'promoter'] },
    comment: String,
    reprompts: { type: Number, default: 0 },
    invitedAt: { type: Date, required: true },
    remindedAt: Date,
    answeredAt: Date,
    completedAt: Date,
    endedAt: Date,
    abandonedAt: { type: String, enum: ['score', 'comment'] },
    /** ISO week (Monday, business time zone) of the invitation: the rollup period. */
    week: { type: String, required: true },
    tags: { type: [String], default: [] },
    delivery: {
      status: String,
      providerMessageId: String,
      error: String,
      updatedAt: Date,
    },
    /** Answers from the business to this customer (`/reply`), oldest first: the closed loop. */
    replies: [{ _id: false, text: { type: String, required: true }, at: { type: Date, required: true }, by: { type: String, required: true } }],
    firstReplyAt: Date,
    /** Milliseconds from the score to the first reply. */
    timeToFirstReplyMs: Number,
    /** Incremented by every state change; a change applies only to the version it was computed from. */
    rev: { type: Number, default: 0 },
  },
  { timestamps: true, versionKey: false },
);
surveySchema.index({ openKey: 1 }, { unique: true });
surveySchema.index({ state: 1, invitedAt: 1 });
surveySchema.index({ businessId: 1, customerId: 1, invitedAt: -1 });
surveySchema.index({ 'delivery.providerMessageId': 1 });
// Digest: comments of a week by score, and detractors still waiting for an answer.
surveySchema.index({ businessId: 1, week: 1, kind: 1, score: 1 });
surveySchema.index({ businessId: 1, band: 1, firstReplyAt: 1 });

export type Survey = InferSchemaType<typeof surveySchema>;

export function surveyModel(conn: Connection) {
  return conn.model('Survey', surveySchema, 'surveys');
}
