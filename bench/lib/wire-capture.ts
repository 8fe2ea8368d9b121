/**
 * When each send left for a provider fake on loopback, as the kernel stamped its first packet
 * (tcpdump), not as either side's event loop saw it. On two shared cores the fake's own loop can be
 * late by tens of milliseconds and then stamps the sends that came in meanwhile together; the
 * kernel's stamp is when the sender's write reached the socket, which on loopback is when the
 * provider would have it. Needs tcpdump and the right to capture (root); without them the figure
 * says so and gives the fake's stamps alone. Immediate mode: otherwise libpcap hands packets over
 * in blocks, and the last block's are gone when tcpdump is stopped.
 */
import { spawn } from 'node:child_process';
import { track } from './processes.js';

export interface WireTimes {
  /** One per request, ms since the epoch (microsecond precision). */
  times: number[];
  /** Packets the kernel dropped before tcpdump read them (then `times` is short). */
  dropped: number;
}

export interface WireCapture {
  /** Stops the capture (once; later calls give the same times). */
  stop(): Promise<WireTimes>;
}

/** BPF: the TCP payload begins with `text` (ASCII, a multiple of 4 bytes, compared 4 at a time). */
function payloadStartsWith(text: string): string {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length === 0 || bytes.length % 4) throw new Error(`payloadStartsWith: ${text.length} bytes is not a multiple of 4`);
  const words = Array.from({ length: bytes.length / 4 }, (_, w) => `tcp[((tcp[12:1] & 0xf0) >> 2) + ${w * 4}:4] = 0x${bytes.readUInt32BE(w * 4).toString(16)}`);
  return words.join(' and ');
}

/**
 * Starts capturing the requests to `port` on 127.0.0.1 whose first bytes are `start` (for example
 * `POST /20`, a Twilio send). Resolves once tcpdump listens, or to a reason it cannot.
 */
export async function captureRequests(port: number, start: string): Promise<WireCapture | { unavailable: string }> {
  const filter = `ip and tcp dst port ${port} and ${payloadStartsWith(start)}`;
  // Tracked: an aborted bench leaves no capture running.
  const child = track(spawn('tcpdump', ['-i', 'lo', '-tt', '-n', '-l', '--immediate-mode', '-B', '8192', filter], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8');
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const ready = await new Promise<string | true>((resolve) => {
    child.once('error', (e) => resolve(`tcpdump: ${e.message}`));
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      if (err.includes('listening on')) resolve(true);
    });
    void exited.then((code) => resolve(`tcpdump exited (${code}): ${err.trim().split('\n').pop() ?? ''}`));
  });
  if (ready !== true) return { unavailable: ready };
  const stopped = async (): Promise<WireTimes> => {
    child.kill('SIGINT');
    await exited;
    const times = out
      .split('\n')
      .map((line) => Number(line.split(' ', 1)[0]))
      .filter((s) => Number.isFinite(s) && s > 0)
      .map((s) => s * 1000);
    const dropped = Number(/(\d+) packets? dropped by kernel/.exec(err)?.[1] ?? 0);
    return { times, dropped };
  };
  let result: Promise<WireTimes> | undefined;
  return { stop: () => (result ??= stopped()) };
}
