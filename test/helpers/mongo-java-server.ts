import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stopChild } from '../../src/store/embedded-database.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(here, 'mongo-java-server', 'pom.xml');
const LAUNCHER = path.join(here, 'mongo-java-server', 'MongoServerMain.java');

export interface MongoJavaServer {
  uri: string;
  engine: 'mongo-java-server';
  /** The java process (benchmarks read its CPU time). */
  pid: number;
  stop(): Promise<void>;
}

export interface MongoJavaServerOptions {
  /** Where the jars are kept (`<cacheDir>/mongo-java-server-<version>/`). */
  cacheDir: string;
  log?: (line: string) => void;
  /** Loopback port; when omitted the server binds any free one and tells us which, so no race. */
  port?: number;
  /** Java heap cap (`-Xmx`); 256 MB holds what the tests store. */
  heap?: string;
}

/**
 * mongo-java-server with its memory backend: atomic per document like MongoDB, fast, not durable.
 * Runs our launcher (MongoServerMain.java) with Java's single-file source launcher, so no javac step.
 */
export async function startMongoJavaServer(options: MongoJavaServerOptions): Promise<MongoJavaServer> {
  const log = options.log ?? (() => {});
  const jars = await mongoJavaServerJars(options.cacheDir, log);
  const args = [
    `-Xmx${options.heap ?? '256m'}`,
    // The library logs through slf4j with no provider on the class path, i.e. nowhere; this also
    // silences slf4j's own "no providers" notice.
    '-Dslf4j.internal.verbosity=ERROR',
    '-cp',
    path.join(jars, '*'),
    LAUNCHER,
    String(options.port ?? 0),
  ];
  // stdin stays a pipe we never close before stop(): the launcher exits when it ends, so a test run
  // that dies leaves no java process behind.
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => reject(new Error('not listening after 60 s')), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /listening 127\.0\.0\.1:(\d+)/.exec(stdout);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`exited with ${signal ?? `code ${code}`}`)));
    });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`mongo-java-server did not start: ${(err as Error).message}\n${stderr}`);
  }
  child.stdout.resume();
  return {
    uri: `mongodb://127.0.0.1:${port}/`,
    engine: 'mongo-java-server',
    pid: child.pid!,
    stop: async () => {
      child.stdin.end();
      await stopChild(child);
    },
  };
}

/**
 * The folder holding mongo-java-server and its dependencies, fetched with Maven on first use. The
 * copy goes to a private folder renamed into place when complete, so a half-finished or concurrent
 * fetch never leaves a broken folder under the final name.
 */
export async function mongoJavaServerJars(cacheDir: string, log: (line: string) => void = () => {}): Promise<string> {
  const version = /<mongo-java-server\.version>([^<]+)</.exec(await readFile(POM, 'utf8'))?.[1];
  if (!version) throw new Error(`no <mongo-java-server.version> in ${POM}`);
  const dir = path.resolve(cacheDir, `mongo-java-server-${version}`);
  if (await isDirectory(dir)) return dir;
  log(`fetching mongo-java-server ${version} with Maven into ${dir} (first run only)`);
  await mkdir(path.dirname(dir), { recursive: true });
  const partial = await mkdtemp(`${dir}.partial-`);
  try {
    // -B: no stdin in CI and no progress bars; -q: Maven prints only errors, on stdout.
    const mvn = ['-B', '-q', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${partial}`];
    await run('mvn', mvn, { maxBuffer: 1 << 24 }).catch((err: Error & { stdout?: string }) => {
      throw new Error(`fetching mongo-java-server with Maven failed: ${err.message}\n${err.stdout ?? ''}`);
    });
    await rename(partial, dir).catch(async (err: unknown) => {
      // Another process finished first: its folder is as good as ours.
      if (!(await isDirectory(dir))) throw err;
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return dir;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
