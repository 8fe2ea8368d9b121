import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { BSON, type Document } from 'mongodb';

/** Handshakes, health checks and session ends: what a driver sends whatever the work. */
export const housekeeping = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'buildInfo', 'endSessions', 'saslStart', 'saslContinue', 'getParameter']);

/** One command a client sent, as the server received it. */
export interface WireCommand {
  name: string;
  /** The command document with its document sequences folded in (only while recording). */
  doc?: Document;
}

export interface WireProxy {
  /** `mongodb://127.0.0.1:<port>/`: point a client here instead of the server. */
  uri: string;
  /** Commands counted so far, housekeeping left out. */
  count(): number;
  /** Keep the documents of the commands from now on (for replaying them), or stop keeping them. */
  recording(on: boolean): void;
  /** The commands since the last take(), oldest first; forgets them. */
  take(): WireCommand[];
  /**
   * The next command that `matches` is kept from the server, unanswered, as a write whose answer
   * never comes (its connection waits): `held` settles once one is kept, `release` sends it on.
   */
  holdNext(matches: (command: Required<WireCommand>) => boolean): { held: Promise<void>; release: () => void };
  /** Resolves once no command has arrived for `quietMs` (bounded by `timeoutMs`). */
  quiet(quietMs: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const OP_MSG = 2013;

/** The command of one OP_MSG: section 0 is the body, kind 1 sections are document sequences (insert's `documents` …). */
function parseOpMsg(message: Buffer, keepDoc: boolean): WireCommand | undefined {
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & 1 ? 4 : 0);
  let offset = 20;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];
  while (offset < end) {
    const kind = message[offset]!;
    offset += 1;
    if (kind === 0) {
      const size = message.readInt32LE(offset);
      // Values stay BSON-typed (Int32, Double, Long), so a replay sends exactly the same types.
      body = BSON.deserialize(message.subarray(offset, offset + size), { promoteValues: false, promoteBuffers: false });
      offset += size;
    } else {
      const size = message.readInt32LE(offset);
      const stop = offset + size;
      let at = offset + 4;
      const nul = message.indexOf(0, at);
      const identifier = message.toString('utf8', at, nul);
      at = nul + 1;
      const docs: Document[] = [];
      while (at < stop) {
        const docSize = message.readInt32LE(at);
        if (keepDoc) docs.push(BSON.deserialize(message.subarray(at, at + docSize), { promoteValues: false }));
        at += docSize;
      }
      sequences.push([identifier, docs]);
      offset = stop;
    }
  }
  if (!body) return undefined;
  const name = Object.keys(body)[0] ?? '?';
  if (!keepDoc) return { name };
  for (const [identifier, docs] of sequences) body[identifier] = docs;
  return { name, doc: body };
}

/**
 * A loopback TCP proxy in front of a MongoDB-compatible server that counts (and, when asked,
 * keeps) every command clients send through it: database round trips measured on the wire, the
 * same way for any server and any driver. Messages pass through unchanged and in order, each once
 * it has arrived whole; a test can hold one back (`holdNext`).
 */
export async function startWireProxy(targetUri: string): Promise<WireProxy> {
  const target = /^mongodb:\/\/([^/:?]+):(\d+)/.exec(targetUri);
  if (!target) throw new Error(`the wire proxy needs a mongodb://host:port URI, not ${targetUri}`);
  const [host, port] = [target[1]!, Number(target[2])];
  let counted = 0;
  let keep = false;
  let lastAt = Date.now();
  let taken: WireCommand[] = [];
  const sockets = new Set<Socket>();
  let hold: { matches: (command: Required<WireCommand>) => boolean; keep: (send: () => void) => void } | undefined;

  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client);
    sockets.add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    // While a command is held, what follows it on this connection waits behind it.
    let queued: Buffer[] | undefined;
    const forward = (bytes: Buffer) => (queued ? queued.push(bytes) : upstream.write(bytes));
    client.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 16) {
        const length = pending.readInt32LE(0);
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        if (message.readInt32LE(12) !== OP_MSG) {
          forward(message);
          continue;
        }
        const held = hold && !queued ? parseOpMsg(message, true) : undefined;
        if (hold && held?.doc && hold.matches(held as Required<WireCommand>)) {
          const { keep: kept } = hold;
          hold = undefined;
          queued = [];
          kept(() => {
            upstream.write(message);
            for (const bytes of queued ?? []) upstream.write(bytes);
            queued = undefined;
          });
        } else forward(message);
        const command = parseOpMsg(message, keep);
        if (!command || housekeeping.has(command.name)) continue;
        counted += 1;
        lastAt = Date.now();
        taken.push(command);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as AddressInfo;

  return {
    uri: `mongodb://127.0.0.1:${own}/`,
    count: () => counted,
    recording(on) {
      keep = on;
    },
    holdNext(matches) {
      let release: () => void = () => undefined;
      let send: (() => void) | undefined;
      const held = new Promise<void>((resolve) => {
        hold = {
          matches,
          keep: (forwardIt) => {
            send = forwardIt;
            resolve();
          },
        };
      });
      release = () => {
        send?.();
        send = undefined;
      };
      return { held, release };
    },
    take() {
      const out = taken;
      taken = [];
      return out;
    },
    async quiet(quietMs, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() - lastAt < quietMs && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
