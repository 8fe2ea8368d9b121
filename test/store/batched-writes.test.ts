import type { CommandStartedEvent } from 'mongodb';
import mongoose, { Types, type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { SurveyRepository } from '../../src/store/surveys.js';
import { mongoGuard } from '../../src/store/write-guard.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

/**
 * Writes batched on the MongoDB path: reply receipts and counter increments that arrive while one
 * write is under way go together in the next, so twelve replies answered at once cost two writes,
 * not twelve; each receipt clears only its own message's pending reply, and no count is lost.
 */
describe('batched writes', () => {
  let conn: Connection | undefined;
  afterAll(async () => {
    await conn?.db?.dropDatabase().catch(() => {});
    await conn?.close();
  });

  it('writes the receipts that arrive during a write together in the next one', { timeout: 60_000 }, async () => {
    conn = await mongoose.createConnection(databaseUri(), { dbName: uniqueDbName('reply_receipts'), monitorCommands: true }).asPromise();
    const surveys = new SurveyRepository(SurveyRepository.model(conn), mongoGuard(conn));
    await surveys.model.init(); // its indexes built, as the server's start does
    const ids = Array.from({ length: 12 }, () => new Types.ObjectId());
    await surveys.model.collection.insertMany(ids.map((_id, i) => ({ _id, openKey: `closed:${_id.toString()}`, pendingReply: { messageId: `m${i}`, replies: [{ text: 'Thanks' }] } })));
    const updates: number[] = [];
    conn.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update' && e.command.update === 'surveys') updates.push((e.command.updates as unknown[]).length);
    });
    // The last one names a message the survey is not waiting on: it changes nothing.
    await Promise.all(ids.map((id, i) => surveys.confirmReply(id.toString(), i === 11 ? 'other' : `m${i}`)));
    expect(updates).toEqual([1, 11]);
    const left = await surveys.model.collection.find({ pendingReply: { $exists: true } }).toArray();
    expect(left.map((d) => d._id.toString())).toEqual([ids[11]!.toString()]);
  });

  it('writes the counter increments that arrive during a write together in the next one, every count kept', { timeout: 60_000 }, async () => {
    const guard = mongoGuard(conn!);
    const bulks: number[] = [];
    conn!.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update' && e.command.update === 'batched_counters') bulks.push((e.command.updates as unknown[]).length);
    });
    const add = (id: string) => guard.increment('batched_counters', [{ _id: id, fields: { week: '2026-W10' }, inc: { n: 1 } }]);
    await Promise.all(Array.from({ length: 12 }, (_, i) => add(i % 3 === 0 ? 'a' : 'b')));
    expect(bulks).toEqual([1, 11]);
    const docs = await conn!.db!.collection<{ _id: string; n: number }>('batched_counters').find().sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d._id, d.n])).toEqual([['a', 4], ['b', 8]]);
  });
});
