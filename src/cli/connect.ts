import path from 'node:path';
import { loadConfig, type Config } from '../config.js';
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
 * The store a command-line tool works on: MONGODB_URI, else the embedded database in DATA_DIR
 * (stop the bot first: the embedded server keeps its files to itself).
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
