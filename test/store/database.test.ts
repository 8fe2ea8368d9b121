import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDatabase } from '../../src/plugins/database.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

const dbName = uniqueDbName('database');
const schema = new mongoose.Schema({ key: { type: String, required: true, unique: true }, note: String });
const opened: mongoose.Connection[] = [];

async function open() {
  const conn = await connectDatabase({ uri: databaseUri(), dbName });
  opened.push(conn);
  const Note = conn.model('Note', schema);
  await Note.init();
  return { conn, Note };
}

afterAll(async () => {
  await opened.at(-1)?.dropDatabase().catch(() => {});
  await Promise.all(opened.map((c) => c.close()));
});

describe('the real database', () => {
  it('keeps a document across a reconnect', async () => {
    const first = await open();
    await first.Note.create({ key: 'persisted', note: 'written before reconnect' });
    await first.conn.close();

    const second = await open();
    const found = await second.Note.findOne({ key: 'persisted' }).lean();
    expect(found?.note).toBe('written before reconnect');
  });

  it('rejects a duplicate under a unique index', async () => {
    const { Note } = await open();
    await Note.create({ key: 'only-once' });
    await expect(Note.create({ key: 'only-once' })).rejects.toMatchObject({ code: 11000 });
    expect(await Note.countDocuments({ key: 'only-once' })).toBe(1);
  });
});
