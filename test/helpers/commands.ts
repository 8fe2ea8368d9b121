import type { FastifyInstance } from 'fastify';
import type { CommandStartedEvent } from 'mongodb';

/** Handshakes and health checks, not work done for a message. */
const housekeeping = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions']);

/** The collection a command names (`find surveys`: `surveys`). */
export const collectionOf = (e: CommandStartedEvent): string => String(e.command[e.commandName]);

/** A command as `find surveys`. */
export const named = (e: CommandStartedEvent): string => `${e.commandName} ${collectionOf(e)}`;

/**
 * `named`, leaving out the directory's reads of the businesses (on a timer, every BUSINESS_REFRESH):
 * the deployment's work, not a message's.
 */
export const namedOutsideDirectory = (e: CommandStartedEvent): string | undefined => (collectionOf(e) === 'businesses' ? undefined : named(e));

/**
 * The database commands a test server (built with `monitorCommands`) sends from now on, each as
 * `describe` gives it (undefined leaves it out), housekeeping left out. Empty the array to start a count.
 */
export function recordCommands<T>(app: FastifyInstance, describe: (e: CommandStartedEvent) => T | undefined): T[] {
  const seen: T[] = [];
  app.db.getClient().on('commandStarted', (e: CommandStartedEvent) => {
    if (housekeeping.has(e.commandName)) return;
    const described = describe(e);
    if (described !== undefined) seen.push(described);
  });
  return seen;
}
