import type { CommandStartedEvent } from 'mongodb';
import mongoose, { Types, type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { OutboxRepository } from '../../src/store/outbox.js';
import { SurveyRepository } from '../../src/store/surveys.js';
import { mongoGuard } from '../../src/store/write-guard.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

/**
 * Writes batched on the MongoDB path: reply receipts and counter increments that arrive while one
 * write is under way go together in the next, so twelve replies answered at once cost two writes,
 * not twelve; each receipt clears only its own message's pending reply, the increments of one
 * counter go as one update, and no count is lost.
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

  it('writes the counter increments that arrive during a write together in the next one, one update a counter, every count kept', { timeout: 60_000 }, async () => {
    const guard = mongoGuard(conn!);
    const bulks: number[] = [];
    conn!.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update' && e.command.update === 'batched_counters') bulks.push((e.command.updates as unknown[]).length);
    });
    const add = (id: string) => guard.increment('batched_counters', [{ _id: id, fields: { week: '2026-W10' }, inc: { n: 1 } }]);
    await Promise.all(Array.from({ length: 12 }, (_, i) => add(i % 3 === 0 ? 'a' : 'b')));
    // The eleven that waited land on two counters: added up, two updates.
    expect(bulks).toEqual([1, 2]);
    const docs = await conn!.db!.collection<{ _id: string; n: number }>('batched_counters').find().sort({ _id: 1 }).toArray();
    expect(docs.map((d) => [d._id, d.n])).toEqual([['a', 4], ['b', 8]]);
  });

  it('adds up the increments of one counter given together, field by field, in one update', { timeout: 60_000 }, async () => {
    const guard = mongoGuard(conn!);
    const updates: number[] = [];
    conn!.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update' && e.command.update === 'merged_counters') updates.push((e.command.updates as unknown[]).length);
    });
    // An upload's rows: each lands on the week's 'all' counter and its channel's.
    const row = (score?: number) => ['all', 'channel:sms'].map((cohort) => ({ _id: cohort, fields: { cohort }, set: { open: true }, inc: { sent: 1, ...(score === undefined ? {} : { [`scores.${score}`]: 1 }) } }));
    await guard.increment('merged_counters', [...row(), ...row(9), ...row(9), ...row(3)]);
    expect(updates).toEqual([2]);
    const docs = await conn!.db!.collection<{ _id: string }>('merged_counters').find().sort({ _id: 1 }).toArray();
    expect(docs).toEqual([
      { _id: 'all', cohort: 'all', open: true, sent: 4, scores: { 9: 2, 3: 1 } },
      { _id: 'channel:sms', cohort: 'channel:sms', open: true, sent: 4, scores: { 9: 2, 3: 1 } },
    ]);
  });

  it("writes a campaign's send outcomes and reads its sends' surveys together when they arrive during one", { timeout: 60_000 }, async () => {
    const outbox = new OutboxRepository(OutboxRepository.model(conn!), mongoGuard(conn!));
    const surveys = new SurveyRepository(SurveyRepository.model(conn!), mongoGuard(conn!));
    const surveyIds = Array.from({ length: 8 }, () => new Types.ObjectId());
    await surveys.model.collection.insertMany(surveyIds.map((_id, i) => ({ _id, businessId: i === 7 ? 'other' : 'shop', customerId: new Types.ObjectId(), channel: 'sms', address: `+1415555000${i}`, openKey: `open:${_id.toString()}`, state: 'invited' })));
    const items = await outbox.insertTaken(surveyIds.map((surveyId, i) => ({ businessId: 'shop', channel: 'sms', address: `+1415555000${i}`, purpose: 'invitation', surveyId: surveyId.toString(), message: { text: 'How likely…' }, nextAttemptAt: new Date() })), new Date(Date.now() + 60_000));
    const seen: Array<[string, string, number]> = [];
    conn!.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update' && e.command.update === 'outbox') seen.push(['update', 'outbox', (e.command.updates as unknown[]).length]);
      if (e.commandName === 'find' && e.command.find === 'surveys') seen.push(['find', 'surveys', ((e.command.filter as { _id: { $in: unknown[] } })._id.$in ?? []).length]);
    });
    // Eight sends check their surveys at once: one read, then one for the seven that came during it.
    const read = await Promise.all(surveyIds.map((id) => surveys.byId(id.toString(), 'shop')));
    expect(read.map((r) => r?.id)).toEqual([...surveyIds.slice(0, 7).map((id) => id.toString()), undefined]);
    // Eight outcomes at once: one write, then one for the seven that came during it, each its own.
    await Promise.all(items.map((item, i) => outbox.finish(item.id, i % 2 ? { state: 'sent', sentAt: new Date(), providerMessageId: `SM${i}` } : { state: 'failed', error: 'refused' })));
    expect(seen).toEqual([['find', 'surveys', 1], ['find', 'surveys', 7], ['update', 'outbox', 1], ['update', 'outbox', 7]]);
    const stored = await outbox.model.collection.find({ _id: { $in: items.map((i) => new Types.ObjectId(i.id)) } }).toArray();
    expect(stored.map((d) => [d.state, d.providerMessageId ?? null, 'lockedUntil' in d])).toEqual(items.map((_, i) => (i % 2 ? ['sent', `SM${i}`, false] : ['failed', null, false])));
  });
});
