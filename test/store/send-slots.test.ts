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
  ['suite database', () => databaseUri(), 'mongodb' as const],
  ['FerretDB', () => ferretDbUri(), 'ferretdb' as const],
])('send slots (%s)', (_label, uri, server) => {
  const conns: Connection[] = [];
  afterAll(async () => {
    await conns[0]?.db?.dropDatabase().catch(() => {});
    for (const conn of conns) await conn.close();
  });

  it('gives each slot to one of nine concurrent claims from three instances, and keeps senders apart', { timeout: 60_000 }, async () => {
    const dbName = uniqueDbName('send_slots');
    for (let i = 0; i < 3; i++) conns.push(await mongoose.createConnection(uri(), { dbName }).asPromise());
    const instances = conns.map((conn) => new SendSlotRepository(SendSlotRepository.model(conn, server)));
    // Its index builds on every server (FerretDB v1 refuses a TTL option, and with it the server's readiness).
    await expect(conns[0]!.model('SendSlot').createIndexes()).resolves.toBeUndefined();
    const from = 1_000_000;
    // Each instance asks for the same 20 slots, 3 times at once: every slot goes to exactly one claim.
    const claims = await Promise.all(Array.from({ length: 9 }, (_, i) => instances[i % 3]!.claim('twilio:+15005550006', from, 20, 10)));
    const won = claims.flat();
    expect(won.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => from + i));
    // Another sender's slots are its own; a claim over taken and free slots gets the free ones.
    expect(await instances[0]!.claim('twilio:+15005550007', from, 1, 10)).toEqual([from]);
    expect(await instances[1]!.claim('twilio:+15005550006', from + 18, 4, 10)).toEqual([from + 20, from + 21]);
    // Slots long past are removed (by the TTL index on MongoDB; by this where there is none).
    expect(await instances[1]!.deleteBefore(new Date(from * 10 + 10 * 10))).toBe(11);
    expect(await instances[2]!.claim('twilio:+15005550006', from, 2, 10)).toEqual([from, from + 1]);
  });
});
