import type { Connection } from 'mongoose';
import { Batches } from './write-batches.js';

/** One counter document's increment: `$inc` of `inc` (and `$set` of `set`) on the document `_id`, created with `fields` when missing. */
export interface CounterIncrement {
  _id: string;
  fields: Record<string, unknown>;
  set?: Record<string, unknown>;
  inc: Record<string, number>;
}

/** The single-document write a guarded change makes; null when its condition did not match. */
export type ConditionalWrite<T> = () => Promise<T | null>;

/**
 * What the repositories ask of the database server beyond plain reads and writes. On MongoDB a
 * single-document conditional update is atomic and `$inc` never loses a count, so this is a thin
 * pass-through. A server without that atomicity gets an adapter that compensates (see
 * `ferretdb-guard.ts`); nothing outside `src/store/` knows which one is in use.
 */
export interface WriteGuard {
  readonly server: 'mongodb' | 'ferretdb';
  /**
   * Run `write`, a conditional update of one document computed from the state `version` of
   * `collection`/`id`. Among concurrent callers with the same target, at most one write applies.
   */
  exclusive<T>(target: { collection: string; id: string; version: string | number }, write: ConditionalWrite<T>): Promise<T | null>;
  /** Run `write`, an update of the one document `collection`/`id`, without losing a concurrent update of it. */
  single<T>(target: { collection: string; id: string }, write: () => Promise<T>): Promise<T>;
  /** Apply each counter document's increments, creating the documents that do not exist yet. */
  increment(collection: string, counters: readonly CounterIncrement[]): Promise<void>;
  /** Remove what the guard itself keeps once it can no longer matter. */
  housekeeping(now: Date): Promise<void>;
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/** Which inserts of an unordered batch of `count` failed on a duplicate key; undefined if any failed otherwise. */
export function duplicateIndexes(err: unknown, count: number): Set<number> | undefined {
  const raw = (err as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number; index?: number; err?: { index?: number; code?: number } }>;
  if (list.length === 0 && count === 1 && isDuplicateKey(err)) return new Set([0]);
  if (list.length === 0 || list.some((e) => (e.code ?? e.err?.code) !== 11000)) return undefined;
  return new Set(list.map((e) => e.index ?? e.err?.index ?? -1));
}

/** MongoDB: the conditional update is the guard, and `$inc` upserts are atomic per document. */
export function mongoGuard(conn: Connection): WriteGuard {
  const batches = new Map<string, Batches<CounterIncrement>>();
  const batchesOf = (collection: string) => {
    let b = batches.get(collection);
    if (!b) batches.set(collection, (b = new Batches((counters) => upsertCounters(conn, collection, counters))));
    return b;
  };
  return {
    server: 'mongodb',
    exclusive: (_target, write) => write(),
    single: (_target, write) => write(),
    // Increments that arrive while one bulk write is under way go together in the next.
    increment: (collection, counters) => batchesOf(collection).add(counters),
    housekeeping: async () => {},
  };
}

/**
 * One unordered bulk write of `$inc` upserts. A duplicate key error means two first increments of
 * a counter raced: the loser's retry is then a plain increment.
 */
export async function upsertCounters(conn: Connection, collection: string, increments: readonly CounterIncrement[], retry = false): Promise<void> {
  if (!increments.length) return;
  const counters = retry ? increments : mergeCounters(increments);
  const ops = counters.map((c) => ({
    updateOne: { filter: { _id: c._id }, update: { $setOnInsert: c.fields, $inc: c.inc, ...(c.set ? { $set: c.set } : {}) }, upsert: true },
  }));
  try {
    // The raw collection: counters are `_id` strings, which a mongoose cast would not touch anyway.
    await conn.collection<{ _id: string }>(collection).bulkWrite(ops, { ordered: false });
  } catch (err) {
    const failed = duplicateKeyFailures(err);
    if (!failed || failed.length === 0 || retry) throw err;
    await upsertCounters(conn, collection, failed.map((i) => counters[i]!), true);
  }
}

/**
 * One increment per counter document: those of the same `_id` added up (an upload's rows, or the
 * replies answered together, mostly land on the same few counters of the week). Fewer updates for
 * the server, and none of them on a document another update of the same write just changed.
 */
export function mergeCounters(counters: readonly CounterIncrement[]): CounterIncrement[] {
  const byId = new Map<string, CounterIncrement>();
  for (const c of counters) {
    const seen = byId.get(c._id);
    if (!seen) {
      byId.set(c._id, { ...c, inc: { ...c.inc }, ...(c.set ? { set: { ...c.set } } : {}) });
      continue;
    }
    for (const [field, by] of Object.entries(c.inc)) seen.inc[field] = (seen.inc[field] ?? 0) + by;
    if (c.set) seen.set = { ...seen.set, ...c.set };
  }
  return [...byId.values()];
}

/** Indexes of the operations that failed only on a duplicate key, or undefined if anything else failed. */
function duplicateKeyFailures(err: unknown): number[] | undefined {
  const writeErrors = (err as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as Array<{ code?: number; index?: number; err?: { index?: number } }>;
  if (list.length === 0) return undefined;
  if (list.some((e) => e.code !== 11000)) return undefined;
  return list.map((e) => e.index ?? e.err?.index ?? -1).filter((i) => i >= 0);
}

/** What the server says it is: FerretDB names itself in `buildInfo` (`ferretdbVersion`, v1). */
export async function detectServer(conn: Connection): Promise<WriteGuard['server']> {
  const info = await conn.db!.admin().command({ buildInfo: 1 });
  return Object.keys(info).some((key) => key.toLowerCase().startsWith('ferretdb')) ? 'ferretdb' : 'mongodb';
}
