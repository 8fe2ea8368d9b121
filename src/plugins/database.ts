import fp from 'fastify-plugin';
import mongoose, { type Connection } from 'mongoose';

declare module 'fastify' {
  interface FastifyInstance {
    db: Connection;
  }
}

export interface DatabaseOptions {
  uri: string;
  /** Database name; overrides the one in the URI (each test file uses its own). */
  dbName?: string;
  /** Emit the driver's command events (tests count the database round trips of one reply). */
  monitorCommands?: boolean;
  /**
   * Let mongoose build each model's indexes as soon as the model is made (its default). The server
   * turns it off: the store builds them itself, after migrations, without holding up the start.
   */
  autoIndex?: boolean;
}

/** Connection settings: fail a query in seconds rather than hang when the database is away. */
export const connectionOptions = {
  maxPoolSize: 20,
  minPoolSize: 0,
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
  socketTimeoutMS: 30_000,
  heartbeatFrequencyMS: 2_000,
} satisfies mongoose.ConnectOptions;

export async function connectDatabase(options: DatabaseOptions): Promise<Connection> {
  const conn = mongoose.createConnection(options.uri, { ...connectionOptions, dbName: options.dbName, monitorCommands: options.monitorCommands ?? false, autoIndex: options.autoIndex ?? true });
  await conn.asPromise();
  return conn;
}

/** Ping with a deadline, for readiness checks. */
export async function pingDatabase(conn: Connection, timeoutMs = 1_500): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    if (!conn.db) throw new Error('not connected');
    await Promise.race([conn.db.command({ ping: 1 }), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: (err as Error).message.split('\n')[0] ?? 'unknown error' };
  } finally {
    clearTimeout(timer);
  }
}

export default fp<DatabaseOptions>(
  async (app, options) => {
    const conn = await connectDatabase({ ...options, autoIndex: false });
    app.decorate('db', conn);
    app.addHook('onClose', async () => {
      await conn.close();
    });
  },
  { name: 'database' },
);
