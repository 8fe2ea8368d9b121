import mongoose, { type Connection } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resaveAfterMs, TeamsConversationRepository } from '../../src/store/teams-conversations.js';
import { databaseUri, uniqueDbName } from '../helpers/database.js';

/** A Teams conversation reference is written when it changed, not on every message. */
describe('Teams conversation references', () => {
  let conn: Connection;
  let repository: TeamsConversationRepository;
  const updates: string[] = [];
  const reference = (serviceUrl: string) => ({ serviceUrl, channelId: 'msteams', conversation: { id: 'a:1conversation' }, user: { id: '29:1user' } });

  beforeAll(async () => {
    conn = await mongoose.createConnection(databaseUri(), { dbName: uniqueDbName('teams-conversations'), monitorCommands: true }).asPromise();
    conn.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      if (e.commandName === 'update') updates.push(String(e.command.update));
    });
    repository = new TeamsConversationRepository(TeamsConversationRepository.model(conn));
  });
  afterAll(async () => {
    await conn?.db?.dropDatabase().catch(() => {});
    await conn?.close();
  });

  it('saves a new or changed reference, skips an unchanged one, and saves it again after an erasure or a while', async () => {
    const at = new Date('2026-03-10T15:00:00Z');
    const later = (ms: number) => new Date(at.getTime() + ms);
    await repository.save('b1', 'user-1', reference('https://smba.one/'), at);
    await repository.save('b1', 'user-1', reference('https://smba.one/'), later(1_000));
    await repository.save('b2', 'user-1', reference('https://smba.one/'), later(1_000)); // another business: its own record
    expect(updates).toHaveLength(2);

    await repository.save('b1', 'user-1', reference('https://smba.two/'), later(2_000));
    expect(updates).toHaveLength(3);
    expect(await repository.find('b1', 'user-1')).toEqual(reference('https://smba.two/'));

    // Erased: the next message stores it again (proactive sends need it).
    expect(await repository.deleteAddresses('b1', ['user-1'])).toBe(1);
    await repository.save('b1', 'user-1', reference('https://smba.two/'), later(3_000));
    expect(await repository.find('b1', 'user-1')).toEqual(reference('https://smba.two/'));

    // Unchanged but long ago: written again, in case another instance changed or erased it meanwhile.
    const count = updates.length;
    await repository.save('b1', 'user-1', reference('https://smba.two/'), later(3_000 + resaveAfterMs));
    expect(updates).toHaveLength(count + 1);
  });
});
