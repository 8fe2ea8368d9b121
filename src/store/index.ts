import type { Connection } from 'mongoose';
import { businessModel } from './business.js';
import { customerModel } from './customer.js';
import { inboundModel } from './inbound.js';
import { outboxModel } from './outbox.js';
import { rollupModel } from './rollup.js';
import { surveyModel } from './survey.js';

export function createStore(conn: Connection) {
  return {
    businesses: businessModel(conn),
    customers: customerModel(conn),
    surveys: surveyModel(conn),
    inbound: inboundModel(conn),
    outbox: outboxModel(conn),
    rollups: rollupModel(conn),
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
