import mongoose, { type Connection } from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { SendSlotRepository } from '../../src/store/send-slots.js';
import { databaseUri, ferretDbUri, uniqueDbName } from '../helpers/database.js';

/**
 * The send slots the instances share: three connections (as three instances) claiming at once from
 * the same slot each get slots of their own, on the suite's database and on FerretDB (which loses
 * concurrent `$inc`s, and keeps a unique `_id`).
 */
describe.each([
  ['suite database', () => databaseUri()],
  ['FerretDB', () => ferretDbUri()],
])('send slots (%s)', (_label, uri) => {
  const conns: Connection[] = [];
  afterAll(async () => {
    await conns[0]?.db?.dropDatabase().catch(() => {});
    for (const conn of conns) await conn.close();
  });

  it('gives each of 60 concurrent claims from three instances a slot of its own, and keeps senders apart', { timeout: 60_000 }, async () => {
    const dbName = uniqueDbName('send_slots');
    for (let i = 0; i < 3; i++) conns.push(await mongoose.createConnection(uri(), { dbName }).asPromise());
    const instances = conns.map((conn) => new SendSlotRepository(SendSlotRepository.model(conn)));
    const from = 1_000_000;
    const claimed = await Promise.all(Array.from({ length: 60 }, (_, i) => instances[i % 3]!.claim('twilio:+15005550006', from, 10)));
    expect(new Set(claimed).size).toBe(60);
    expect(Math.min(...claimed)).toBe(from);
    expect(Math.max(...claimed)).toBe(from + 59);
    // Another sender's slots are its own.
    expect(await instances[0]!.claim('twilio:+15005550007', from, 10)).toBe(from);
    // Slots long past are removed (by the TTL index on MongoDB; by this where there is none).
    expect(await instances[1]!.deleteBefore(new Date(from * 10 + 30 * 10))).toBe(31);
    expect(await instances[2]!.claim('twilio:+15005550006', from + 30, 10)).toBe(from + 60);
  });
});
