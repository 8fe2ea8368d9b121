/**
 * The verdicts and the table: every figure beside its baseline from the same run, and whether each
 * target of issue #17 is met. Nothing here compares with an earlier run.
 */
import type { CampaignFigures } from '../figures/campaign.js';
import type { SharedCampaignFigures } from '../figures/shared-campaign.js';
import type { DigestFigures } from '../figures/digest.js';
import { peerRatioTarget, type PeerFigures } from '../figures/peers.js';
import type { ReplyFigures } from '../figures/replies.js';
import type { RssFigures } from '../figures/peak-rss.js';

export interface Verdict {
  figure: string;
  what: string;
  value: string;
  target: string;
  met: boolean;
  note?: string;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

export function verdicts(replies: ReplyFigures | undefined, campaign: CampaignFigures | undefined, digest: DigestFigures | undefined, peers?: PeerFigures): Verdict[] {
  const out: Verdict[] = [];
  for (const c of peers?.channels ?? []) {
    out.push({
      figure: '8',
      what: `Node CPU per ${c.channel} update beside the minimal ${c.peer} bot`,
      value: `${f2(c.productCpuMs)} ms vs ${f2(c.peerCpuMs)} ms = ${f2(c.ratio)}×${c.pacedPeerCpuMs !== undefined ? ` (the bot at the product's pace ${f2(c.pacedPeerCpuMs)} ms = ${f2(c.pacedRatio!)}×)` : ''}${c.atTelegramPaceCpuMs !== undefined ? ` (the product at Telegram's pace ${f2(c.atTelegramPaceCpuMs)} ms)` : ''}${c.baselineCpuMs !== undefined ? ` (baseline version ${f2(c.baselineCpuMs)} ms = ${f2(c.baselineRatio!)}×)` : ''}`,
      target: `≤ ${peerRatioTarget}×`,
      met: c.ratio <= peerRatioTarget,
    });
  }
  if (replies) {
    for (const c of replies.channels) {
      for (const kind of ['score', 'comment'] as const) {
        const k = c[kind];
        out.push({ figure: '1', what: `Node CPU per ${c.channel} ${kind} reply`, value: `${f2(k.product.cpuMsPerReply)} ms`, target: '≤ 1 ms', met: k.product.cpuMsPerReply <= 1 });
        const paced = c.channel === 'telegram';
        out.push({
          figure: '2',
          what: `${c.channel} ${kind} replies/s vs floor`,
          value: `${f1(k.product.perSecond)}/s of ${f1(k.floor.perSecond)}/s = ${pct(k.ratio)}`,
          target: '≥ 85 %',
          met: k.ratio >= 0.85,
          ...(paced ? { note: 'Telegram replies are paced at 30/s per bot by the product (Bot API flood limit)' } : {}),
        });
      }
    }
    const peak = Math.max(replies.rss.peakMiB, replies.soak?.peakMiB ?? 0);
    out.push({ figure: '5', what: 'server RSS under load (peak)', value: `${f1(peak)} MiB`, target: '< 200 MB', met: peak * 1.048576 < 200 });
    if (replies.soak) {
      const slope = replies.soak.slopeMiBPerMinute;
      const lastHalf = replies.soak.slopeLastHalfMiBPerMinute;
      out.push({
        figure: '5',
        what: `RSS slope over a ${replies.soak.seconds.toFixed(0)} s soak`,
        value: `${f2(slope)} MiB/min`,
        target: 'flat (|slope| < 1 MiB/min)',
        met: Math.abs(slope) < 1,
        ...(lastHalf !== undefined ? { note: `the compiled build, started for the soak; after its first fifth; over its last half ${f2(lastHalf)} MiB/min` } : {}),
      });
    }
  }
  if (digest) {
    const n = digest.large.surveys.toLocaleString('en-US');
    out.push({ figure: '3', what: `/stats over ${n} surveys (from rollups)`, value: `${ms(digest.large.statsMs)} ms (HTTP ${ms(digest.large.statsHttpMs ?? NaN)} ms)`, target: '< 50 ms', met: Math.max(digest.large.statsMs, digest.large.statsHttpMs ?? 0) < 50 });
    out.push({ figure: '3', what: `digest numbers over ${n} surveys (from rollups)`, value: `${ms(digest.large.digestNumbersMs)} ms`, target: '< 50 ms', met: digest.large.digestNumbersMs < 50 });
    out.push({
      figure: '3',
      what: `whole digest over ${n} surveys`,
      value: `${ms(digest.large.digestMs)} ms`,
      target: '< 50 ms',
      met: digest.large.digestMs < 50,
      note: `read from the weeks' kept analyses and notes; the first digest computed and kept them (the sweeper's work when weeks close): ${digest.large.firstDigestMs === undefined ? 'not timed' : `${ms(digest.large.firstDigestMs)} ms`}`,
    });
    out.push({ figure: '3', what: 'rollups equal a recomputation from the surveys', value: `stats ${digest.large.equal.stats && digest.small.equal.stats}, digest ${digest.large.equal.digest && digest.small.equal.digest}`, target: 'equal', met: digest.large.equal.stats && digest.small.equal.stats && digest.large.equal.digest && digest.small.equal.digest });
    const nFull = digest.full.surveys.toLocaleString('en-US');
    out.push({
      figure: '3',
      what: `growth ${n} / 1,000 surveys (and / ${nFull}, every histogram full): /stats, digest numbers`,
      value: `${f1(digest.growth.stats)}×, ${f1(digest.growth.digestNumbers)}× (${f1(digest.growthFromFull.stats)}×, ${f1(digest.growthFromFull.digestNumbers)}×)`,
      target: '≈ 1 (≤ 1.5)',
      met: Math.max(digest.growth.stats, digest.growth.digestNumbers, digest.growthFromFull.stats, digest.growthFromFull.digestNumbers) <= 1.5,
    });
    out.push({
      figure: '3',
      what: `metrics by cohort over ${n} surveys (12 weeks × tags)`,
      value: `${ms(digest.large.cohortMetricsMs)} ms (${f1(digest.growth.cohortMetrics)}× the 1,000-survey time, ${f1(digest.growthFromFull.cohortMetrics)}× the ${nFull}-survey time)`,
      target: '< 50 ms, growth ≈ 1 (≤ 1.5)',
      met: digest.large.cohortMetricsMs < 50 && Math.max(digest.growth.cohortMetrics, digest.growthFromFull.cohortMetrics) <= 1.5,
    });
  }
  if (campaign) {
    for (const c of campaign.channels) {
      out.push({ figure: '4', what: `campaign ${c.channel}: achieved rate`, value: `${f1(c.achievedPerSecond)}/s of ${c.limitPerSecond}/s`, target: 'within 5 % of the limit', met: c.achievedPerSecond >= c.limitPerSecond * 0.95 && c.achievedPerSecond <= c.limitPerSecond * 1.0001 });
      out.push({ figure: '4', what: `campaign ${c.channel}: busiest second`, value: `${c.busiestSecond}`, target: `never above ${c.limitPerSecond}`, met: c.busiestSecond <= c.limitPerSecond });
      out.push({ figure: '4', what: `campaign ${c.channel}: duplicates, lost`, value: `${c.duplicates}, ${c.lost} of ${c.invitations}`, target: '0, 0', met: c.duplicates === 0 && c.lost === 0 });
    }
  }
  return out;
}

/** Figure 4b: each instance count's campaign, the one-instance run being the baseline. */
export function sharedCampaignVerdicts(shared: SharedCampaignFigures): Verdict[] {
  return shared.runs.flatMap((r) => {
    // Runs recorded before the provider's answer time was varied answered at once.
    const slow = r.providerMs ? `, provider answering after ${r.providerMs} ms` : '';
    const who = `${r.instances === 1 ? 'one instance (baseline)' : `${r.instances} instances together`}${slow}`;
    return [
      { figure: '4b', what: `SMS campaign, ${who}: rate`, value: `${f1(r.perSecond)}/s of ${r.limitPerSecond}/s = ${pct(r.shareOfLimit)}`, target: '≥ 95 %', met: r.shareOfLimit >= 0.95, ...(r.perSecondAfterUploads === undefined ? {} : { note: `${pct(r.perSecondAfterUploads / r.limitPerSecond)} after the uploads were answered at ${f1(r.uploadSeconds)} s` }) },
      { figure: '4b', what: `SMS campaign, ${who}: busiest second`, value: `${r.busiestSecond}`, target: `never above ${r.limitPerSecond}`, met: r.busiestSecond <= r.limitPerSecond },
      ...(r.wire && typeof r.wire !== 'string'
        ? [
            {
              figure: '4b',
              what: `SMS campaign, ${who}: busiest second as the kernel stamped the sends on loopback`,
              value: `${r.wire.busiestSecond} (${r.wire.sends} sends captured of ${r.slots.sent} the fake counted, ${r.wire.dropped} dropped by the capture)`,
              target: `never above ${r.limitPerSecond}, every send captured`,
              met: r.wire.busiestSecond <= r.limitPerSecond && r.wire.sends === r.slots.sent && r.wire.dropped === 0,
            },
          ]
        : []),
      { figure: '4b', what: `SMS campaign, ${who}: not reached (within twice the planned time), duplicated`, value: `${r.lost}, ${r.duplicated} of ${r.invitations}`, target: '0, 0', met: r.lost === 0 && r.duplicated === 0 },
    ];
  });
}

/** Figure 5c: the compiled build's peak RSS under load, beside the same code from source in the same run. */
export function rssVerdicts(rss: RssFigures): Verdict[] {
  const source = rss.rows.find((r) => !r.compiled);
  // The production start (its flags), and the same build with none.
  const production = rss.rows.find((r) => r.compiled && r.channels === 'web, SMS, Telegram' && r.v8Flags.length);
  const plain = rss.rows.find((r) => r.compiled && r.channels === 'web, SMS, Telegram' && !r.v8Flags.length);
  return rss.rows
    .filter((r) => r.compiled)
    .map((r) => ({
      figure: '5c',
      what: `compiled build's peak RSS under load (${r.channels}${r.v8Flags.length ? `, ${r.v8Flags.join(' ')}` : ''})`,
      value: `${f1(r.peakMiB)} MiB${r === production && source ? ` (from source through tsx ${f1(source.peakMiB)} MiB${plain ? `, compiled with no flag ${f1(plain.peakMiB)} MiB` : ''})` : ''}`,
      target: '< 200 MB',
      met: r.peakMiB * 1.048576 < 200,
      note: `16 web chat visitors for ${rss.seconds} s: ${r.conversations} conversations, ${f1(r.cpuMsPerConversation)} ms of server CPU each${r !== plain && plain ? `; compiled with every channel and no flag ${f1(plain.cpuMsPerConversation)} ms` : ''}`,
    }));
}

/** Markdown tables for the README: replies per database, the rest once. */
export function markdown(results: { machine: string; date: string; quick: boolean; wallSeconds: number; replies: ReplyFigures[]; campaign?: CampaignFigures; digest?: DigestFigures; verdicts: Verdict[] }): string {
  const lines: string[] = [];
  lines.push(`${results.quick ? 'Quick run' : 'Full run'}, ${results.date.slice(0, 10)}, ${results.machine}; ${results.wallSeconds.toFixed(0)} s.`, '');
  lines.push('| Database | Channel, reply | Round trips | Node CPU/reply (floor: driver CPU) | DB CPU/reply (floor) | Replies/s (floor, ratio) | p50 / p99 ms (floor) |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results.replies) {
    for (const c of r.channels) {
      for (const kind of ['score', 'comment'] as const) {
        const k = c[kind];
        lines.push(
          `| ${r.database}${r.storedSurveys >= 1_000 ? ` (${r.storedSurveys.toLocaleString('en')} stored)` : ''} | ${c.channel} ${kind} | ${f1(k.roundTrips.perReply)} | ${f2(k.product.cpuMsPerReply)} ms (${f2(k.floor.cpuMsPerReply)}) | ${f2(k.product.dbCpuMsPerReply)} (${f2(k.floor.dbCpuMsPerReply)}) | ${f1(k.product.perSecond)} (${f1(k.floor.perSecond)}, ${pct(k.ratio)}) | ${ms(k.product.latencyMs.p50)} / ${ms(k.product.latencyMs.p99)} (${ms(k.floor.latencyMs.p50)} / ${ms(k.floor.latencyMs.p99)}) |`,
        );
      }
    }
    if (r.ceiling) lines.push(`| - | bare Fastify route (HTTP ceiling) | 0 | ${f2(r.ceiling.cpuMsPerRequest)} ms | - | ${f1(r.ceiling.perSecond)} | ${ms(r.ceiling.latencyMs.p50)} / ${ms(r.ceiling.latencyMs.p99)} |`);
  }
  lines.push('', '| Figure | What | Value | Target | Met |', '| --- | --- | --- | --- | --- |');
  for (const v of results.verdicts) lines.push(`| ${v.figure} | ${v.what} | ${v.value} | ${v.target} | ${v.met ? 'yes' : '**no**'}${v.note ? ` (${v.note})` : ''} |`);
  return lines.join('\n');
}
