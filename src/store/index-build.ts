import type { Connection } from 'mongoose';

export type IndexBuildState = 'pending' | 'building' | 'built' | 'failed';

/** Where the declared indexes stand; readiness reads it. */
export interface IndexBuild {
  readonly state: IndexBuildState;
  /** Why the build failed (the first line of the server's error), when it did. */
  readonly reason?: string;
  /** Milliseconds the build took, once it ended. */
  readonly tookMs?: number;
  /** Starts the build (once; later calls return the same promise), which settles when it ends, either way. */
  start(): Promise<void>;
}

/**
 * Every model's declared indexes, built when `start` is called rather than when the models are
 * made (the server's connection has mongoose's own build at model creation off): after stored
 * data is brought forward (a migration that drops an index waits behind a build on the same
 * collection), and by the server only once it is ready, so that over a large collection, where a
 * build takes minutes, it listens meanwhile and says it is not ready.
 */
export function indexBuild(conn: Connection): IndexBuild {
  let done: Promise<void> | undefined;
  const build: { state: IndexBuildState; reason?: string; tookMs?: number; start(): Promise<void> } = {
    state: 'pending',
    start() {
      done ??= run();
      return done;
    },
  };
  const run = async (): Promise<void> => {
    const started = Date.now();
    build.state = 'building';
    try {
      await Promise.all(Object.values(conn.models).map(async (model) => {
        await model.init();
        await model.createIndexes();
      }));
      build.state = 'built';
    } catch (err) {
      build.state = 'failed';
      build.reason = reasonOf(err);
    }
    build.tookMs = Date.now() - started;
  };
  return build;
}

/** The server's error without the values it quotes (a duplicate key can be a phone number). */
function reasonOf(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown error';
  const index = /index: (\S+)/.exec(message)?.[1];
  if (/E11000|duplicate key/i.test(message)) return `duplicate key in index ${index ?? '(unknown)'}: stored data breaks a unique index`;
  return message.replace(/\{.*\}/g, '{…}');
}
