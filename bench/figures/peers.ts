/**
 * Figure 8: Node CPU per update of the product's Telegram and Teams paths beside the minimal bots
 * of their SDKs (bench/peers/: receive through the SDK's webhook handling, store one document, answer
 * one text), driven with the same signed updates and activities, on the same database, in the same
 * run: the peer's updates are split in two halves run before and after the product's, so both see
 * the same noise. The product answers Telegram at its bot's pace (its replies go at most 30 a
 * second), the peer as fast as it can; on Telegram the peer is also fed the same updates at that pace,
 * for the ratio at equal load (a diagnostic: the target is read on the first ratio), one update after
 * another on one connection, as the product's paced replies come. Teams, which has no such limit, is
 * also measured at that pace (a diagnostic too): a reply's CPU depends on the rate replies come at.
 */
import type { Db } from 'mongodb';
import { bands, cloneCustomers, replyRequest, startTemplate, type Customer, type PreparedRequest } from '../lib/customers.js';
import { phase, runLoad, type LoadResult } from '../lib/load.js';
import { startNodeChild, type NodeChild } from '../lib/processes.js';
import { startProduct, telegramToken, webhookSecret, withDbName, type Fakes } from '../lib/product.js';
import { freePort } from '../../src/store/embedded-database.js';

export interface PeerSizes {
  /** Customers per channel whose two replies warm the code up first (not measured). */
  warmUp: number;
  /** Customers per channel measured: a score and a comment each. */
  measured: number;
  connections: number;
  /** Another checkout of the product (an earlier version), measured beside this one in the same run. */
  baselineDir?: string;
}

export interface PeerChannelFigures {
  channel: 'telegram' | 'teams';
  peer: string;
  updates: number;
  /** Node CPU ms per update: the product's (score and comment replies) and the minimal bot's. */
  productCpuMs: number;
  peerCpuMs: number;
  /** productCpuMs / peerCpuMs. */
  ratio: number;
  /** The baseline checkout's CPU per update on the same updates, and its ratio to the minimal bot. */
  baselineCpuMs?: number;
  baselineRatio?: number;
  baselineOk?: string;
  /** Updates answered 2xx, of those sent. */
  productOk: string;
  peerOk: string;
  /**
   * Telegram: the minimal bot fed the same updates at the pace the product answers them (its replies
   * go at the bot's 30/s), its CPU per update, and the product's ratio to it (same load on both).
   */
  pacedPeerCpuMs?: number;
  pacedRatio?: number;
  pacedPerSecond?: number;
  /** Teams: the product fed the same activities at Telegram's pace, steadily, its CPU per update. */
  atTelegramPaceCpuMs?: number;
}

export interface PeerFigures {
  database: string;
  channels: PeerChannelFigures[];
}

/** The target set for the product beside the minimal bots: at most this many times their CPU per update. */
export const peerRatioTarget = 3;

/** The pace the product answers Telegram updates at (its replies go at the bot's flood limit, 30/s): the paced peer's rate. */
const telegramPace = 29;

const bandOf = (i: number) => bands[i % bands.length]!.band;

async function startPeer(script: string, uri: string, fakes: Fakes): Promise<NodeChild> {
  const port = await freePort();
  const env = { PORT: String(port), MONGODB_URI: uri, TELEGRAM_BOT_TOKEN: telegramToken, TELEGRAM_WEBHOOK_SECRET: webhookSecret, TELEGRAM_API_ROOT: fakes.telegram.url };
  return startNodeChild(script, env, { port });
}

const cpuPerUpdate = (runs: LoadResult[]) => runs.reduce((a, r) => a + r.cpuMs.server!, 0) / Math.max(1, runs.reduce((a, r) => a + r.ok, 0));
const okOf = (runs: LoadResult[]) => `${runs.reduce((a, r) => a + r.ok, 0)}/${runs.reduce((a, r) => a + r.sent, 0)}`;

export async function benchPeers(database: { uri: string; engine: string }, db: Db, dbName: string, fakes: Fakes, sizes: PeerSizes, log: (line: string) => void): Promise<PeerFigures> {
  const uri = withDbName(database.uri, dbName);
  const serviceUrl = fakes.connector.serviceUrl;
  // One server with every channel (and one of the baseline): the business the environment describes is
  // stored data, so servers on one database given different channels would replace each other's, and
  // the channel left out would refuse every update.
  const server = await startProduct(fakes, uri, 'all');
  const before = sizes.baselineDir ? await startProduct(fakes, uri, 'all', {}, sizes.baselineDir) : undefined;
  const peers = { telegram: await startPeer('bench/peers/telegraf-bot.ts', uri, fakes), teams: await startPeer('bench/peers/botbuilder-bot.ts', uri, fakes) };
  const out: PeerChannelFigures[] = [];
  try {
    for (const channel of ['telegram', 'teams'] as const) {
      const peer = peers[channel];
      const template = await startTemplate(channel, server.url, db, fakes);
      const warm = await cloneCustomers(db, template, sizes.warmUp, bandOf);
      const measured = await cloneCustomers(db, template, sizes.measured, bandOf);
      // The baseline answers customers of its own, with the same bands and texts.
      const warmBefore = before ? await cloneCustomers(db, template, sizes.warmUp, bandOf) : [];
      const measuredBefore = before ? await cloneCustomers(db, template, sizes.measured, bandOf) : [];
      // The product answers a score, then a comment; the peer gets the very same updates.
      const updates = (customers: Customer[]) => ({
        score: customers.map((c) => replyRequest(c, 'score', serviceUrl)),
        comment: customers.map((c) => replyRequest(c, 'comment', serviceUrl)),
      });
      const w = updates(warm);
      const m = updates(measured);
      const all = (u: { score: PreparedRequest[]; comment: PreparedRequest[] }) => [...u.score, ...u.comment];
      const options = (of: NodeChild) => ({ connections: sizes.connections, watch: { server: of.pid } });
      const half = (list: PreparedRequest[], n: 0 | 1) => list.filter((_, i) => i % 2 === n);
      // Telegram: the minimal bot also at the product's pace, so the ratio at equal load can be read too.
      // One connection: autocannon's rate over several connections sends in bursts, the product's paced replies come one by one.
      const steady = (of: NodeChild) => ({ ...options(of), connections: 1, overallRate: telegramPace });
      const paced = (n: 0 | 1) => (channel === 'telegram' ? [phase(`paced peer ${n + 1}`, peer.url, half(all(m), n), steady(peer))] : []);
      // Teams at Telegram's pace: customers of its own, so every measured update is a first delivery.
      const slow = channel === 'teams' ? updates(await cloneCustomers(db, template, Math.max(50, Math.floor(sizes.measured / 4)), bandOf)) : undefined;
      const atPace = slow ? [phase('teams at telegram pace score', server.url, slow.score, steady(server)), phase('teams at telegram pace comment', server.url, slow.comment, steady(server))] : [];
      const wb = updates(warmBefore);
      const mb = updates(measuredBefore);
      const runs = await runLoad([
        phase('warm-up peer', peer.url, all(w), options(peer)),
        phase('warm-up product score', server.url, w.score, options(server)),
        phase('warm-up product comment', server.url, w.comment, options(server)),
        ...(before ? [phase('warm-up baseline score', before.url, wb.score, options(before)), phase('warm-up baseline comment', before.url, wb.comment, options(before))] : []),
        phase('peer 1', peer.url, half(all(m), 0), options(peer)),
        ...paced(0),
        ...(before ? [phase('baseline score', before.url, mb.score, options(before))] : []),
        phase('product score', server.url, m.score, options(server)),
        phase('product comment', server.url, m.comment, options(server)),
        ...(before ? [phase('baseline comment', before.url, mb.comment, options(before))] : []),
        ...paced(1),
        ...atPace,
        phase('peer 2', peer.url, half(all(m), 1), options(peer)),
      ]);
      const baselineRuns = runs.filter((r) => r.name.startsWith('baseline'));
      const product = runs.filter((r) => r.name.startsWith('product'));
      const peerRuns = runs.filter((r) => r.name.startsWith('peer'));
      const pacedRuns = runs.filter((r) => r.name.startsWith('paced peer'));
      const atPaceRuns = runs.filter((r) => r.name.startsWith('teams at telegram pace'));
      const figures: PeerChannelFigures = {
        channel,
        peer: channel === 'teams' ? 'botbuilder' : 'telegraf',
        updates: all(m).length,
        productCpuMs: cpuPerUpdate(product),
        peerCpuMs: cpuPerUpdate(peerRuns),
        ratio: cpuPerUpdate(product) / cpuPerUpdate(peerRuns),
        productOk: okOf(product),
        peerOk: okOf(peerRuns),
        ...(pacedRuns.length
          ? { pacedPeerCpuMs: cpuPerUpdate(pacedRuns), pacedRatio: cpuPerUpdate(product) / cpuPerUpdate(pacedRuns), pacedPerSecond: product.reduce((a, r) => a + r.ok, 0) / product.reduce((a, r) => a + r.seconds, 0) }
          : {}),
        ...(before ? { baselineCpuMs: cpuPerUpdate(baselineRuns), baselineRatio: cpuPerUpdate(baselineRuns) / cpuPerUpdate(peerRuns), baselineOk: okOf(baselineRuns) } : {}),
        ...(atPaceRuns.length ? { atTelegramPaceCpuMs: cpuPerUpdate(atPaceRuns) } : {}),
      };
      log(
        `${database.engine} ${channel}: product ${figures.productCpuMs.toFixed(2)} ms CPU/update, minimal ${figures.peer} bot ${figures.peerCpuMs.toFixed(2)} ms, ` +
          `ratio ${figures.ratio.toFixed(2)}× (target ≤ ${peerRatioTarget}×)` +
          (figures.pacedPeerCpuMs !== undefined ? `; the bot at the product's pace (${telegramPace}/s; the product answered ${figures.pacedPerSecond!.toFixed(1)}/s) ${figures.pacedPeerCpuMs.toFixed(2)} ms, ratio ${figures.pacedRatio!.toFixed(2)}×` : '') +
          (figures.atTelegramPaceCpuMs !== undefined ? `; the product at Telegram's pace (${telegramPace}/s, steady) ${figures.atTelegramPaceCpuMs.toFixed(2)} ms` : '') +
          (figures.baselineCpuMs !== undefined ? `; baseline ${figures.baselineCpuMs.toFixed(2)} ms, ${figures.baselineRatio!.toFixed(2)}× (${figures.baselineOk})` : '') +
          `; answered 2xx: product ${figures.productOk}, peer ${figures.peerOk}`,
      );
      out.push(figures);
    }
  } finally {
    await Promise.all([server.stop(), peers.telegram.stop(), peers.teams.stop(), before?.stop()]);
  }
  return { database: database.engine, channels: out };
}
