import type { Connection } from 'mongoose';
import { businessModel } from './business.js';
import { claimModel } from './claim.js';
import { customerModel } from './customer.js';
import { digestModel } from './digest.js';
import { inboundModel } from './inbound.js';
import { invitationModel } from './invitation.js';
import { outboxModel } from './outbox.js';
import { rollupModel } from './rollup.js';
import { ownerClaimModel, staffIdentityModel, staffModel } from './staff.js';
import { surveyModel } from './survey.js';

export function createStore(conn: Connection) {
  return {
    businesses: businessModel(conn),
    customers: customerModel(conn),
    surveys: surveyModel(conn),
    inbound: inboundModel(conn),
    outbox: outboxModel(conn),
    rollups: rollupModel(conn),
    claims: claimModel(conn),
    staff: staffModel(conn),
    staffIdentities: staffIdentityModel(conn),
    ownerClaims: ownerClaimModel(conn),
    digests: digestModel(conn),
    invitations: invitationModel(conn),
  };
}

export type Store = ReturnType<typeof createStore>;

/** Create the declared indexes (unique ones carry the idempotency guarantees). */
export async function ensureIndexes(store: Store): Promise<void> {
  await Promise.all(Object.values(store).map((model) => model.init()));
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * Record a provider message id (unique per channel): true the first time, false for a redelivery.
 * Delivery is at least once; this makes handling exactly once.
 */
export async function recordInbound(store: Store, inbound: { channel: string; providerMessageId: string; receivedAt: Date }): Promise<boolean> {
  try {
    await store.inbound.create({ channel: inbound.channel, providerMessageId: inbound.providerMessageId, receivedAt: inbound.receivedAt });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Claim a step by its unique key: true for exactly one caller, whatever the concurrency. `by` names
 * the claimant, so a retry by the same one can tell its own claim from someone else's.
 */
export async function claim(store: Store, key: string, at: Date, by?: string): Promise<boolean> {
  try {
    await store.claims.create({ _id: key, at, ...(by ? { by } : {}) });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Free a claim whose holder died between claiming and finishing (a crash, a lost connection), once
 * it is older than `staleMs`. Deleting by the claim's own time frees it once, even if several try.
 */
export async function releaseStaleClaim(store: Store, key: string, now: Date, staleMs: number): Promise<boolean> {
  const held = await store.claims.findById(key, { at: 1 }).lean();
  if (!held || now.getTime() - held.at.getTime() < staleMs) return false;
  const { deletedCount } = await store.claims.deleteOne({ _id: key, at: held.at });
  return deletedCount === 1;
}
