import path from 'node:path';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { connectDatabase } from '../plugins/database.js';
import { secretBoxFor, type SecretBox } from '../security/secret-box.js';
import { startEmbeddedDatabase } from '../store/embedded-database.js';
import { createStore, type Store } from '../store/index.js';

export interface CliContext {
  config: Config;
  store: Store;
  secrets: SecretBox;
  close(): Promise<void>;
}

/**
 * The store a command-line tool works on: MONGODB_URI, else the embedded database in DATA_DIR (the
 * one the running bot started there, when it runs).
 */
export async function connectCli(): Promise<CliContext> {
  const config = loadConfig();
  const embedded = config.mongodbUri ? undefined : await startEmbeddedDatabase({ dataDir: config.dataDir, cacheDir: path.resolve('.cache'), log: (line) => console.error(line) });
  const conn = await connectDatabase({ uri: config.mongodbUri ?? `${embedded!.uri.replace(/\/$/, '')}/survey-bot` });
  const store = await createStore(conn, () => new Date());
  const secrets = await secretBoxFor({ key: config.secretsKey, dataDir: config.dataDir });
  return {
    config,
    store,
    secrets,
    close: async () => {
      await conn.close();
      await embedded?.stop();
    },
  };
}

/** A mistake in a command line: printed with the tool's usage, exit code 2. */
export class UsageError extends Error {}

/**
 * Runs a tool and ends the process with its exit code: 2 for a configuration error (one line per
 * problem) or, for a tool with `usage`, a usage error or unknown option (with the usage); 1 for
 * anything else.
 */
export function runCommand(run: () => Promise<number | void>, usage?: string): void {
  run()
    .then((code) => process.exit(code ?? 0))
    .catch((err: unknown) => {
      const usageError = usage !== undefined && (err instanceof UsageError || (err instanceof Error && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS')));
      if (err instanceof ConfigError) for (const problem of err.problems) console.error(`config error: ${problem}`);
      else if (usageError) console.error(`${(err as Error).message}\n${usage}`);
      else console.error(err instanceof Error ? err.message : err);
      process.exit(err instanceof ConfigError || usageError ? 2 : 1);
    });
}
